/**
 * The nftables ruleset for a set of pools: IPVS's forwarding methods expressed in nft (text
 * syntax, fed to `nft -f -` as one transaction that replaces the previous ruleset).
 *
 * - NAT: `table inet keepalived_ts`, a nat prerouting (and output, for the director's own
 *   clients) chain dispatching each virtual server to its chain; there the scheduler's choice is a
 *   verdict map onto one chain per real server that DNATs (numgen inc for rr/wrr, jhash of the
 *   source for sh, of the destination for dh, the Maglev table for mh, a weighted random draw for
 *   the rest, whose weights the caller may move with connection counts). Conntrack keeps every
 *   established connection on its server, so a server that leaves or drops to weight 0 drains.
 *   persistence_timeout: a dynamic set of client addresses (masked by persistence_granularity)
 *   per real server, consulted first and refreshed on each new connection.
 * - DR: `table netdev keepalived_ts_dr`, an ingress chain per interface: the frame's destination
 *   MAC becomes the chosen server's, the source MAC the director's, and the frame goes back out.
 *   The choice hashes the flow through a Maglev table, so every packet of a connection, on any
 *   director with the same table, picks the same server without state. TCP SYNs use the table of
 *   servers taking new connections; other packets a table that still includes draining servers.
 * - A virtual server with nothing to forward to rejects (IPVS answers port unreachable).
 */
import { maglevTable } from '../schedulers/maglev.js';
import type { ServicePool, VirtualServerModel } from './types.js';

export const NAT_TABLE = 'keepalived_ts';
export const DR_TABLE = 'keepalived_ts_dr';
/** Maglev table size in nft maps: prime, and large against the server counts of a director. */
export const NFT_MH_SIZE = 1021;
/**
 * jhash's seed. Without one the kernel draws a random seed per expression, so the SYN rule and
 * the rule for the rest of a connection would hash it to different servers, and two directors
 * would disagree. A fixed seed makes the choice a function of the flow and the table alone.
 */
export const JHASH_SEED = '0x6b747321';

export interface DrPath {
  /** The interface the server is reached through (and the frames arrive on). */
  readonly dev: string;
  /** The director's MAC on that interface. */
  readonly ownMac: string;
  /** The real server's MAC, from the neighbour table. */
  readonly mac: string;
}

export interface RulesInput {
  readonly pools: readonly ServicePool[];
  /** DR paths by real-server address; a DR server without one is left out (and reported). */
  readonly dr: ReadonlyMap<string, DrPath>;
}

export interface Ruleset {
  /** The nft script; empty when nothing is to be installed. */
  readonly script: string;
  /** What could not be expressed, one line each (logged by the caller). */
  readonly problems: readonly string[];
  readonly tables: readonly string[];
}

const isV6 = (ip: string) => ip.includes(':');

function protoOf(vs: VirtualServerModel): 'tcp' | 'udp' | 'sctp' {
  return vs.protocol === 'UDP' ? 'udp' : vs.protocol === 'SCTP' ? 'sctp' : 'tcp';
}

/**
 * The matches selecting a virtual server's packets: address + port, the firewall mark, or one per
 * entry of its virtual_server_group (address ranges with a port, and marks).
 */
function vsMatches(p: ServicePool): string[] {
  const g = p.group;
  if (!g) {
    const m = vsMatch(p.vs);
    return m ? [m] : [];
  }
  const proto = protoOf(p.vs);
  const out: string[] = [];
  for (const r of g.address_range) {
    const fam = isV6(r.ip) ? 'ip6' : 'ip';
    const addr = r.ip === r.ip_end ? r.ip : `${r.ip}-${r.ip_end}`;
    out.push(r.port === 0 ? `${fam} daddr ${addr} meta l4proto ${proto}` : `${fam} daddr ${addr} ${proto} dport ${r.port}`);
  }
  for (const f of g.fwmark) out.push(`meta mark ${f.fwmark}`);
  return out;
}

/** The match selecting the virtual server's packets (address + port, or the firewall mark). */
function vsMatch(vs: VirtualServerModel): string | undefined {
  if (vs.fwmark !== undefined) return `meta mark ${vs.fwmark}`;
  if (vs.ip === undefined || vs.port === undefined) return undefined;
  const fam = isV6(vs.ip) ? 'ip6' : 'ip';
  return vs.port === 0 ? `${fam} daddr ${vs.ip} meta l4proto ${protoOf(vs)}` : `${fam} daddr ${vs.ip} ${protoOf(vs)} dport ${vs.port}`;
}

/** Weights as contiguous ranges of `mod TOTAL`: [entry index, from, to]. */
function ranges(weights: readonly number[]): { total: number; spans: [number, number, number][] } {
  const spans: [number, number, number][] = [];
  let at = 0;
  weights.forEach((w, i) => {
    if (w <= 0) return;
    spans.push([i, at, at + w - 1]);
    at += w;
  });
  return { total: at, spans };
}

/** A bucket table as nft map elements, runs of one value merged into ranges. */
function tableElements<T>(table: ArrayLike<number>, value: (i: number) => T): [number, number, T][] {
  const out: [number, number, T][] = [];
  for (let b = 0; b < table.length; b++) {
    const i = table[b]!;
    if (i < 0) continue;
    const last = out[out.length - 1];
    if (last && last[1] === b - 1 && table[b - 1] === i) last[1] = b;
    else out.push([b, b, value(i)]);
  }
  return out;
}

const span = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);

function persistKey(vs: VirtualServerModel, fam: 'ip' | 'ip6'): string {
  const g = vs.persistence_granularity;
  if (g === undefined) return `${fam} saddr`;
  if (fam === 'ip') return typeof g === 'string' && g !== '255.255.255.255' ? `ip saddr & ${g}` : 'ip saddr';
  const bits = Number(g);
  if (!(bits < 128)) return 'ip6 saddr';
  const mask = Array.from({ length: 8 }, (_, k) => {
    const b = Math.max(0, Math.min(16, bits - 16 * k));
    return ((0xffff << (16 - b)) & 0xffff).toString(16);
  }).join(':');
  return `ip6 saddr & ${mask}`;
}

/** The flow hash a scheduler selects on, in nft. */
function flowHash(vs: VirtualServerModel, fam: 'ip' | 'ip6', withPort: boolean): string {
  const proto = protoOf(vs);
  if (vs.persistence_timeout !== undefined) return persistKey(vs, fam);
  return withPort ? `${fam} saddr . ${proto} sport` : `${fam} saddr`;
}

/** Per-server packet and byte counters on the forward path, named for `keepalived-ts lvs`. */
function trafficCounters(fwd: string[], i: number, p: ServicePool): void {
  const proto = p.vs.fwmark !== undefined ? undefined : protoOf(p.vs);
  p.entries.forEach((e, k) => {
    const fam = isV6(e.ip) ? 'ip6' : 'ip';
    const port = (dir: 'dport' | 'sport') => (proto && e.port ? ` ${proto} ${dir} ${e.port}` : '');
    fwd.push(`    ${fam} daddr ${e.ip}${port('dport')} counter name in_${i}_${k}`, `    ${fam} saddr ${e.ip}${port('sport')} counter name out_${i}_${k}`);
  });
}

function natService(out: string[], problems: string[], i: number, p: ServicePool): string[] {
  const vs = p.vs;
  const matches = vsMatches(p);
  if (matches.length === 0) {
    problems.push(`VS ${p.key}: no address, mark or group entry to match - not forwarded`);
    return [];
  }
  const live = p.entries.filter((e) => e.weight > 0);
  const fam: 'ip' | 'ip6' = live.some((e) => isV6(e.ip)) || (vs.ip !== undefined && isV6(vs.ip)) ? 'ip6' : 'ip';
  const proto = vs.fwmark !== undefined || p.group?.fwmark.length ? '{ tcp, udp, sctp }' : protoOf(vs);
  const target = (ip: string, port: number) => (port === 0 || vs.port === 0 ? (fam === 'ip6' ? `[${ip}]` : ip) : fam === 'ip6' ? `[${ip}]:${port}` : `${ip}:${port}`);
  const persist = vs.persistence_timeout !== undefined;
  const key = persistKey(vs, fam);
  // One set per real server: a client seen recently goes back to the same server.
  p.entries.forEach((_e, k) => {
    if (persist) out.push(`  set persist_${i}_${k} { type ${fam === 'ip' ? 'ipv4_addr' : 'ipv6_addr'}; flags dynamic,timeout; timeout ${vs.persistence_timeout}s; }`);
  });
  out.push(`  chain vs_${i} {`);
  if (persist) {
    p.entries.forEach((e, k) => {
      if (e.weight > 0) out.push(`    meta l4proto ${proto} ${key} @persist_${i}_${k} update @persist_${i}_${k} { ${key} } dnat ${fam} to ${target(e.ip, e.port)}`);
    });
  }
  const weights = p.entries.map((e) => (e.weight > 0 ? e.weight : 0));
  const sched = vs.lvs_sched;
  let selector: string | undefined;
  let elements: [number, number, number][] = [];
  if (live.length > 0) {
    if (sched === 'mh') {
      const t = maglevTable(p.entries.map((e, k) => ({ key: `${e.ip}:${e.port}#${k}`, weight: weights[k]! })), NFT_MH_SIZE);
      selector = `jhash ${flowHash(vs, fam, !!vs['mh-port'] || !persist)} mod ${NFT_MH_SIZE} seed ${JHASH_SEED}`;
      elements = tableElements(t, (k) => k);
    } else {
      const r = ranges(sched === 'rr' ? weights.map((w) => (w > 0 ? 1 : 0)) : sched === 'fo' || sched === 'ovf' ? highestOnly(weights) : weights);
      elements = r.spans.map(([k, from, to]) => [from, to, k]);
      if (sched === 'rr' || sched === 'wrr') selector = `numgen inc mod ${r.total}`;
      else if (sched === 'sh') selector = `jhash ${flowHash(vs, fam, !!vs['sh-port'])} mod ${r.total} seed ${JHASH_SEED}`;
      else if (sched === 'dh') selector = `jhash ${fam} daddr mod ${r.total} seed ${JHASH_SEED}`;
      else selector = `numgen random mod ${r.total}`;
    }
    out.push(`    ${selector} vmap { ${elements.map(([from, to, k]) => `${span(from, to)} : jump rs_${i}_${k}`).join(', ')} }`);
  }
  out.push('    reject', '  }');
  p.entries.forEach((e, k) => {
    const update = persist ? ` update @persist_${i}_${k} { ${key} }` : '';
    // The counter sees each connection's first packet only: it counts connections (ipvsadm's Conns).
    out.push(`  chain rs_${i}_${k} {`, `    meta l4proto ${proto}${update} counter dnat ${fam} to ${target(e.ip, e.port)}`, '  }');
  });
  return matches;
}

function highestOnly(weights: readonly number[]): number[] {
  const top = Math.max(0, ...weights);
  let taken = false;
  return weights.map((w) => {
    if (w === top && w > 0 && !taken) {
      taken = true;
      return 1;
    }
    return 0;
  });
}

function drService(byDev: Map<string, string[]>, problems: string[], p: ServicePool, dr: ReadonlyMap<string, DrPath>): void {
  const vs = p.vs;
  const matches = vsMatches(p);
  if (matches.length === 0) {
    problems.push(`VS ${p.key}: no address, mark or group entry to match - not forwarded`);
    return;
  }
  const paths = p.entries.map((e) => dr.get(e.ip));
  p.entries.forEach((e, k) => {
    if (!paths[k]) problems.push(`VS ${p.key}: no neighbour entry (MAC) for real server ${e.ip} yet - left out`);
  });
  const usable = p.entries.map((e, k) => ({ e, path: paths[k] })).filter((x): x is { e: (typeof p.entries)[number]; path: DrPath } => !!x.path);
  if (usable.length === 0) return;
  const dev = usable[0]!.path.dev;
  const ownMac = usable[0]!.path.ownMac;
  const fam: 'ip' | 'ip6' = vs.ip !== undefined && isV6(vs.ip) ? 'ip6' : 'ip';
  const persist = vs.persistence_timeout !== undefined;
  const hash = `jhash ${flowHash(vs, fam, !persist)} mod ${NFT_MH_SIZE} seed ${JHASH_SEED}`;
  const macMap = (weightOf: (x: (typeof usable)[number]) => number) => {
    const t = maglevTable(usable.map((x) => ({ key: `${x.e.ip}:${x.e.port}`, weight: weightOf(x) })), NFT_MH_SIZE);
    const els = tableElements(t, (k) => usable[k]!.path.mac);
    return els.length ? `{ ${els.map(([from, to, mac]) => `${span(from, to)} : ${mac}`).join(', ')} }` : undefined;
  };
  const fresh = macMap((x) => x.e.weight);
  // Draining servers (weight 0) keep the packets of connections they already hold.
  const held = macMap((x) => (x.e.weight > 0 ? x.e.weight : 1));
  const rules = byDev.get(dev) ?? [];
  const fwd = (map: string) => `ether saddr set ${ownMac} ether daddr set ${hash} map ${map} fwd to "${dev}"`;
  for (const m of matches) {
    // Only frames sent to this host: a bridge floods unknown unicast, and a backup director that
    // forwarded its flooded copies would duplicate every packet.
    const match = `meta pkttype host ${m}`;
    if (protoOf(vs) === 'tcp' && !m.startsWith('meta mark')) {
      if (fresh) rules.push(`${match} tcp flags & (syn | ack) == syn ${fwd(fresh)}`);
      rules.push(`${match} tcp flags & (syn | ack) == syn drop`);
      if (held) rules.push(`${match} ${fwd(held)}`);
    } else if (fresh) rules.push(`${match} ${fwd(fresh)}`);
    rules.push(`${match} drop`);
  }
  byDev.set(dev, rules);
}

/** The whole ruleset for `pools`: both tables, created or replaced in one transaction. */
export function buildRuleset(input: RulesInput): Ruleset {
  const problems: string[] = [];
  const nat: string[] = [];
  const dispatch: string[] = [];
  const fwd: string[] = [];
  const counters: string[] = [];
  const byDev = new Map<string, string[]>();
  input.pools.forEach((p, i) => {
    const method = p.vs.lvs_method;
    if (method === 'TUN') {
      problems.push(`VS ${p.key}: lb_kind TUN needs an ipip/gre tunnel device, which this kernel does not offer - not forwarded`);
      return;
    }
    if (method === 'DR') return drService(byDev, problems, p, input.dr);
    const matches = natService(nat, problems, i, p);
    if (matches.length === 0) return;
    for (const m of matches) dispatch.push(`    ${m} jump vs_${i}`);
    trafficCounters(fwd, i, p);
    p.entries.forEach((_e, k) => counters.push(`in_${i}_${k}`, `out_${i}_${k}`));
  });
  const out: string[] = [];
  const tables: string[] = [];
  // `add` then `delete` then the new contents: replaces the table whether it existed or not.
  if (dispatch.length > 0) {
    tables.push(`inet ${NAT_TABLE}`);
    out.push(`add table inet ${NAT_TABLE}`, `delete table inet ${NAT_TABLE}`, `table inet ${NAT_TABLE} {`, ...counters.map((c) => `  counter ${c} { }`), ...nat);
    out.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', ...fwd, '  }');
    out.push('  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...dispatch, '  }');
    out.push('  chain output {', '    type nat hook output priority -100; policy accept;', ...dispatch, '  }', '}');
  }
  if (byDev.size > 0) {
    tables.push(`netdev ${DR_TABLE}`);
    out.push(`add table netdev ${DR_TABLE}`, `delete table netdev ${DR_TABLE}`, `table netdev ${DR_TABLE} {`);
    for (const [dev, rules] of byDev) {
      out.push(`  chain ingress_${dev.replace(/[^A-Za-z0-9_]/g, '_')} {`, `    type filter hook ingress device "${dev}" priority 0; policy accept;`, ...rules.map((r) => `    ${r}`), '  }');
    }
    out.push('}');
  }
  return { script: out.length ? out.join('\n') + '\n' : '', problems, tables };
}

/** Deleting whatever tables are there (shutdown, or a ruleset that no longer needs one). */
export function removalScript(tables: readonly string[]): string {
  return tables.map((t) => `add table ${t}\ndelete table ${t}\n`).join('');
}

