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
 * - DR: `table netdev keepalived_ts_dr`, MAC rewrite at ingress through a Maglev table
 *   (nft-dr.ts).
 * - A virtual server with nothing to forward to rejects (IPVS answers port unreachable).
 */
import { maglevTable } from '../schedulers/maglev.js';
import type { DrainState } from './dr-drain.js';
import { buildDr, drUpdate, type DrRuleset } from './nft-dr.js';
import { flowHash, isV6, JHASH_SEED, NFT_MH_SIZE, persistKey, protoOf, span, tableElements, vsMatches, type DrPath } from './nft-match.js';
import type { ServicePool } from './types.js';

export interface TableNames {
  readonly nat: string;
  readonly dr: string;
}

export const DEFAULT_TABLES: TableNames = { nat: 'keepalived_ts', dr: 'keepalived_ts_dr' };

/**
 * The tables of a daemon: Keepalived's `instance` name (global_defs) tells two daemons in one
 * network namespace apart, as it does for their pid files; without one, the plain names.
 */
export function tableNames(instance?: string): TableNames {
  if (!instance) return DEFAULT_TABLES;
  const s = instance.replace(/[^A-Za-z0-9_]/g, '_');
  return { nat: `${DEFAULT_TABLES.nat}_${s}`, dr: `${DEFAULT_TABLES.dr}_${s}` };
}

/** How long a flow recorded while draining lives without packets (and the drain window), s. */
export const DR_FLOW_TIMEOUT_S = 300;

export interface RulesInput {
  readonly pools: readonly ServicePool[];
  /** DR paths by real-server address; a DR server without one is left out (and reported). */
  readonly dr: ReadonlyMap<string, DrPath>;
  /** Table names (default DEFAULT_TABLES). */
  readonly names?: TableNames;
  /** DR services' tables by pool key while they drain (dr-drain.ts). */
  readonly drain?: ReadonlyMap<string, DrainState>;
  /** Idle timeout of flows recorded while draining, s (default DR_FLOW_TIMEOUT_S). */
  readonly flowTimeoutS?: number;
  /**
   * NAT: also masquerade what goes to the real servers, for one-armed set-ups where their replies
   * would not come back through the director (no route to the clients through it). They then see
   * the director's address, not the client's.
   */
  readonly snat?: boolean;
}

export interface Ruleset {
  /** The nft script; empty when nothing is to be installed. */
  readonly script: string;
  /** What could not be expressed, one line each (logged by the caller). */
  readonly problems: readonly string[];
  readonly tables: readonly string[];
  /** The NAT table's script alone (empty: no NAT table). */
  readonly nat: string;
  /** The DR table, when there is one: its shape and map contents, for updates in place. */
  readonly dr?: DrRuleset;
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





/** Per-server packet and byte counters on the forward path, named for `keepalived-ts lvs`. */
function trafficCounters(fwd: string[], i: number, p: ServicePool): void {
  const proto = p.vs.fwmark !== undefined ? undefined : protoOf(p.vs);
  p.entries.forEach((e, k) => {
    const fam = isV6(e.ip) ? 'ip6' : 'ip';
    const port = (dir: 'dport' | 'sport') => (proto && e.port ? ` ${proto} ${dir} ${e.port}` : '');
    fwd.push(`    ${fam} daddr ${e.ip}${port('dport')} counter name in_${i}_${k}`, `    ${fam} saddr ${e.ip}${port('sport')} counter name out_${i}_${k}`);
  });
}

/** One-armed NAT: connections this table sent to a real server leave with the director's address. */
function masquerade(out: string[], p: ServicePool): void {
  const proto = p.vs.fwmark !== undefined || p.group?.fwmark.length ? undefined : protoOf(p.vs);
  for (const e of new Map(p.entries.map((x) => [`${x.ip}|${x.port}`, x])).values()) {
    const fam = isV6(e.ip) ? 'ip6' : 'ip';
    out.push(`    ${fam} daddr ${e.ip}${proto && e.port ? ` ${proto} dport ${e.port}` : ''} ct status dnat masquerade`);
  }
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

/** The whole ruleset for `pools`: both tables, created or replaced in one transaction. */
export function buildRuleset(input: RulesInput): Ruleset {
  const names = input.names ?? DEFAULT_TABLES;
  const problems: string[] = [];
  const nat: string[] = [];
  const dispatch: string[] = [];
  const fwd: string[] = [];
  const counters: string[] = [];
  const snat: string[] = [];
  const drPools: ServicePool[] = [];
  input.pools.forEach((p, i) => {
    const method = p.vs.lvs_method;
    if (method === 'TUN') {
      problems.push(`VS ${p.key}: lb_kind TUN needs an ipip/gre tunnel device, which this kernel does not offer - not forwarded`);
      return;
    }
    if (method === 'DR') return void drPools.push(p);
    const matches = natService(nat, problems, i, p);
    if (matches.length === 0) return;
    for (const m of matches) dispatch.push(`    ${m} jump vs_${i}`);
    trafficCounters(fwd, i, p);
    p.entries.forEach((_e, k) => counters.push(`in_${i}_${k}`, `out_${i}_${k}`));
    if (input.snat) masquerade(snat, p);
  });
  const tables: string[] = [];
  let natScript = '';
  if (dispatch.length > 0) {
    const t = `inet ${names.nat}`;
    tables.push(t);
    // `add` then `delete` then the new contents: replaces the table whether it existed or not.
    const out = [`add table ${t}`, `delete table ${t}`, `table ${t} {`, ...counters.map((c) => `  counter ${c} { }`), ...nat];
    out.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', ...fwd, '  }');
    out.push('  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...dispatch, '  }');
    out.push('  chain output {', '    type nat hook output priority -100; policy accept;', ...dispatch, '  }');
    if (snat.length) out.push('  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', ...snat, '  }');
    out.push('}');
    natScript = out.join('\n') + '\n';
  }
  const dr = drPools.length ? buildDr(names.dr, drPools, input.dr, input.drain ?? new Map(), input.flowTimeoutS ?? DR_FLOW_TIMEOUT_S, problems) : undefined;
  if (dr) tables.push(`netdev ${names.dr}`);
  const script = natScript + (dr ? drTableScript(names.dr, dr) : '');
  return { script, problems, tables, nat: natScript, ...(dr ? { dr } : {}) };
}

/** Replacing the DR table with `dr`: the shape, then its maps filled. */
export function drTableScript(table: string, dr: DrRuleset): string {
  return `add table netdev ${table}\ndelete table netdev ${table}\n${dr.shape}\n${drUpdate(table, dr)}`;
}

/** Deleting whatever tables are there (shutdown, or a ruleset that no longer needs one). */
export function removalScript(tables: readonly string[]): string {
  return tables.map((t) => `add table ${t}\ndelete table ${t}\n`).join('');
}

