/**
 * What the NAT and DR rulesets share: the matches that select a virtual server's packets, the
 * flow hashes schedulers select on, and bucket tables as nft map elements.
 */
import type { ServicePool, VirtualServerModel } from './types.js';

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

export const isV6 = (ip: string) => ip.includes(':');

export function protoOf(vs: VirtualServerModel): 'tcp' | 'udp' | 'sctp' {
  return vs.protocol === 'UDP' ? 'udp' : vs.protocol === 'SCTP' ? 'sctp' : 'tcp';
}

/**
 * The matches selecting a virtual server's packets: address + port, the firewall mark, or one per
 * entry of its virtual_server_group (address ranges with a port, and marks).
 */
export function vsMatches(p: ServicePool): string[] {
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
export function vsMatch(vs: VirtualServerModel): string | undefined {
  if (vs.fwmark !== undefined) return `meta mark ${vs.fwmark}`;
  if (vs.ip === undefined || vs.port === undefined) return undefined;
  const fam = isV6(vs.ip) ? 'ip6' : 'ip';
  return vs.port === 0 ? `${fam} daddr ${vs.ip} meta l4proto ${protoOf(vs)}` : `${fam} daddr ${vs.ip} ${protoOf(vs)} dport ${vs.port}`;
}

/** A bucket table as nft map elements, runs of one value merged into ranges. */
export function tableElements<T>(table: ArrayLike<number>, value: (i: number) => T): [number, number, T][] {
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

export const span = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);

export function persistKey(vs: VirtualServerModel, fam: 'ip' | 'ip6'): string {
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
export function flowHash(vs: VirtualServerModel, fam: 'ip' | 'ip6', withPort: boolean): string {
  const proto = protoOf(vs);
  if (vs.persistence_timeout !== undefined) return persistKey(vs, fam);
  return withPort ? `${fam} saddr . ${proto} sport` : `${fam} saddr`;
}
