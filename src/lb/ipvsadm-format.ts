/**
 * The table as `ipvsadm -L -n` prints it (plain, --stats, --rate), so scripts and eyes trained on
 * ipvsadm read keepalived-ts the same way. Layout facts (column widths, the K/M/G/T
 * abbreviations of large numbers, the FWM and IPv6 forms) are ipvsadm's, as measured and noted in
 * shared/reference/keepalived-observability.md.
 */
import { compareAddresses } from '../base/addr.js';

export type Forward = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/** Totals since the service was created (ipvsadm --stats). */
export interface Counters {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export interface DestView {
  address: string;
  port: number;
  forward: Forward;
  weight: number;
  activeConns: number;
  inactConns: number;
  stats: Counters;
  /** Per second (ipvsadm --rate: CPS InPPS OutPPS InBPS OutBPS). */
  rate: Counters;
}

export interface ServiceView {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  address?: string;
  port?: number;
  fwmark?: number;
  /** An IPv6 service: a fwmark one prints `FWM  N IPv6`, as ipvsadm does for AF_INET6. */
  ipv6?: boolean;
  scheduler: string;
  /** Seconds, when persistent. */
  persistent?: number;
  /** Persistence granularity: a netmask (IPv4) or a prefix length (IPv6); printed on persistent services when not a host mask. */
  mask?: string;
  ops?: boolean;
  stats: Counters;
  rate: Counters;
  dests: DestView[];
}

export type Layout = 'plain' | 'stats' | 'rate';

const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)';

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function serviceName(s: ServiceView): string {
  if (s.fwmark !== undefined) return `FWM  ${s.fwmark}${s.ipv6 ? ' IPv6' : ''}`;
  return `${s.protocol.padEnd(4)} ${hostPort(s.address ?? '0.0.0.0', s.port ?? 0)}`;
}

/** ipvsadm print_largenum(): 9 columns, abbreviated from 10^8 up unless exact. */
export function largeNumber(n: number, exact = false): string {
  const v = Math.trunc(n);
  if (exact) {
    const t = String(v);
    return t.padStart(t.length <= 8 ? 9 : t.length + 1);
  }
  if (v < 1e8) return String(v).padStart(9);
  if (v < 1e9) return `${String(Math.trunc(v / 1e3)).padStart(8)}K`;
  if (v < 1e11) return `${String(Math.trunc(v / 1e6)).padStart(8)}M`;
  if (v < 1e14) return `${String(Math.trunc(v / 1e9)).padStart(8)}G`;
  return `${String(Math.trunc(v / 1e12)).padStart(8)}T`;
}

function counters(c: Counters, exact: boolean): string {
  return [c.conns, c.inPkts, c.outPkts, c.inBytes, c.outBytes].map((n) => largeNumber(n, exact)).join('');
}

/** The service as the note lines name it: `10.0.0.100:80`, `[fd00::1]:80`, `FWM 5`. */
export function serviceLabel(s: Pick<ServiceView, 'fwmark' | 'address' | 'port'>): string {
  return s.fwmark !== undefined ? `FWM ${s.fwmark}` : hostPort(s.address ?? '0.0.0.0', s.port ?? 0);
}

/**
 * `header: false` is ipvsadm's list_service() (one service asked for with -t/-u/-f): the column
 * titles without the "IP Virtual Server version" line that list_all() prints first.
 */
export function formatIpvsadm(services: readonly ServiceView[], layout: Layout = 'plain', opts: { exact?: boolean; header?: boolean } = {}): string {
  const exact = opts.exact ?? false;
  const out: string[] = opts.header === false ? [] : [HEADER];
  if (layout === 'plain') {
    out.push('Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn');
  } else {
    const cols = layout === 'stats' ? ['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'] : ['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'];
    out.push('Prot LocalAddress:Port'.padEnd(33) + cols.map((c) => ' ' + c.padStart(8)).join(''), '  -> RemoteAddress:Port');
  }
  for (const s of services) {
    if (layout === 'plain') {
      let line = `${serviceName(s)} ${s.scheduler}`;
      // ipvsadm print_service_entry(): the mask belongs to persistence and shows only there,
      // and only when it is not the host mask (0xffffffff, or 128 for IPv6).
      if (s.persistent !== undefined) {
        line += ` persistent ${s.persistent}`;
        if (s.mask !== undefined && s.mask !== '255.255.255.255' && s.mask !== '128') line += ` mask ${s.mask}`;
      }
      if (s.ops) line += ' ops';
      out.push(line);
      for (const d of s.dests) {
        out.push(`  -> ${hostPort(d.address, d.port).padEnd(28)} ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}`);
      }
    } else {
      const pick = (x: { stats: Counters; rate: Counters }) => (layout === 'stats' ? x.stats : x.rate);
      out.push(serviceName(s).padEnd(33) + counters(pick(s), exact));
      for (const d of s.dests) {
        const c = pick(d);
        // A destination's CPS, InPPS and OutPPS are plain `%8u` in ipvsadm, never abbreviated.
        const row = layout === 'rate' ? [c.conns, c.inPkts, c.outPkts].map((n) => ` ${String(Math.trunc(n)).padStart(8)}`).join('') + largeNumber(c.inBytes, exact) + largeNumber(c.outBytes, exact) : counters(c, exact);
        out.push(`  -> ${hostPort(d.address, d.port).padEnd(28)}` + row);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** One line of `ipvsadm -L -n -c`. */
export interface ConnectionView {
  /** TCP, UDP, SCTP. */
  protocol: string;
  /** Seconds left. */
  expires: number;
  /** IPVS's state name: ESTABLISHED, TIME_WAIT..., UDP for UDP. */
  state: string;
  source: { address: string; port: number };
  virtual: { address: string; port: number };
  destination: { address: string; port: number };
}

/**
 * ipvsadm list_conn() / print_conn(): "IPVS connection entries", the header
 * `"pro expire %-11s %-18s %-18s %s"`, rows `"%-3s %-6s %-11s %-18s %-18s %s"` with the expiry as
 * `%02d:%02d` minutes and seconds.
 */
export function formatConnections(rows: readonly ConnectionView[]): string {
  const out = ['IPVS connection entries', `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination`];
  for (const r of rows) {
    const expire = `${String(Math.trunc(r.expires / 60)).padStart(2, '0')}:${String(Math.trunc(r.expires % 60)).padStart(2, '0')}`;
    const name = (e: { address: string; port: number }) => hostPort(e.address, e.port);
    out.push(`${r.protocol.padEnd(3)} ${expire.padEnd(6)} ${r.state.padEnd(11)} ${name(r.source).padEnd(18)} ${name(r.virtual).padEnd(18)} ${name(r.destination)}`);
  }
  return out.join('\n') + '\n';
}

const PROTO_NUMBER: Readonly<Record<ServiceView['protocol'], number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/**
 * ipvsadm's order (it sorts unless --nosort): services by fwmark (address services, mark 0,
 * first), family (IPv4 first), protocol number, address, port (libipvs ipvs_cmp_services());
 * each service's destinations by address, then port (ipvs_cmp_dests()).
 */
export function sortLikeIpvsadm<S extends ServiceView>(services: readonly S[]): S[] {
  const v6 = (s: ServiceView) => (s.ipv6 || (s.address ?? '').includes(':') ? 1 : 0);
  const byAddr = (a: string, b: string) => (a.includes(':') === b.includes(':') ? compareAddresses(a, b) : a.includes(':') ? 1 : -1);
  return services
    .map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => byAddr(a.address, b.address) || a.port - b.port) }))
    .sort((a, b) =>
      (a.fwmark ?? 0) - (b.fwmark ?? 0) || v6(a) - v6(b) || PROTO_NUMBER[a.protocol] - PROTO_NUMBER[b.protocol] ||
      byAddr(a.address ?? '0.0.0.0', b.address ?? '0.0.0.0') || (a.port ?? 0) - (b.port ?? 0));
}
