/**
 * The NAT ruleset: `table inet <name>`, a nat prerouting (and output, for the director's own
 * clients) chain dispatching each virtual server to its chain `vs_N`; there the scheduler's choice
 * is a verdict map onto one chain per real server that DNATs (numgen inc for rr/wrr, jhash of the
 * source for sh, of the destination for dh, the Maglev table for mh, a weighted random draw for
 * the rest, whose weights the caller may move with connection counts). Conntrack keeps every
 * established connection on its server, so a server that leaves or drops to weight 0 drains
 * (UDP flows of a server that leaves are deleted: nft.ts forgetLeavers).
 * persistence_timeout: a dynamic set of client addresses (masked by persistence_granularity) per
 * real server, consulted first and refreshed on each new connection.
 *
 * Pool changes rewrite `vs_N` alone (its rules are not part of the table's shape): the per-server
 * chains, sets and counters are made for every server the service has had (`servers`, kept by the
 * caller), so a server leaving or coming back changes no shape. A virtual server with nothing to
 * forward to rejects (IPVS answers port unreachable).
 */
import { maglevTable } from '../schedulers/maglev.js';
import { flowHash, isV6, JHASH_SEED, NFT_MH_SIZE, persistKey, protoOf, span, tableElements, vsMatches } from './nft-match.js';
import type { ServicePool } from './types.js';

export interface NatServer {
  readonly ip: string;
  readonly port: number;
}

export interface NatRuleset {
  /** The table without the rules of the `vs_N` chains: equal shapes take natUpdate. */
  readonly shape: string;
  /** The rules of each `vs_N` chain, by N (the pool's index; absent: not a NAT service). */
  readonly chains: ReadonlyMap<number, readonly string[]>;
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

/** A NAT service: its declarations into `decl`, the rules of its `vs_N` chain returned. */
function natService(decl: string[], fwd: string[], snat: string[] | undefined, i: number, p: ServicePool, servers: readonly NatServer[]): string[] {
  const vs = p.vs;
  const fam: 'ip' | 'ip6' = servers.some((e) => isV6(e.ip)) || (vs.ip !== undefined && isV6(vs.ip)) ? 'ip6' : 'ip';
  const proto = vs.fwmark !== undefined || p.group?.fwmark.length ? '{ tcp, udp, sctp }' : protoOf(vs);
  const target = (ip: string, port: number) => (port === 0 || vs.port === 0 ? (fam === 'ip6' ? `[${ip}]` : ip) : fam === 'ip6' ? `[${ip}]:${port}` : `${ip}:${port}`);
  const persist = vs.persistence_timeout !== undefined;
  const key = persistKey(vs, fam);
  const l4 = vs.fwmark !== undefined ? undefined : protoOf(vs);
  servers.forEach((e, s) => {
    // One set per real server: a client seen recently goes back to the same server.
    if (persist) decl.push(`  set persist_${i}_${s} { type ${fam === 'ip' ? 'ipv4_addr' : 'ipv6_addr'}; flags dynamic,timeout; timeout ${vs.persistence_timeout}s; }`);
    const update = persist ? ` update @persist_${i}_${s} { ${key} }` : '';
    // The counter sees each connection's first packet only: it counts connections (ipvsadm's Conns).
    decl.push(`  chain rs_${i}_${s} {`, `    meta l4proto ${proto}${update} counter dnat ${fam} to ${target(e.ip, e.port)}`, '  }');
    // Packets and bytes on the forward path, named for `keepalived-ts lvs`.
    const f = isV6(e.ip) ? 'ip6' : 'ip';
    const port = (dir: 'dport' | 'sport') => (l4 && e.port ? ` ${l4} ${dir} ${e.port}` : '');
    fwd.push(`    ${f} daddr ${e.ip}${port('dport')} counter name in_${i}_${s}`, `    ${f} saddr ${e.ip}${port('sport')} counter name out_${i}_${s}`);
    // One-armed NAT: connections this table sent to the server leave with the director's address.
    const snatL4 = vs.fwmark !== undefined || p.group?.fwmark.length ? undefined : protoOf(vs);
    snat?.push(`    ${f} daddr ${e.ip}${snatL4 && e.port ? ` ${snatL4} dport ${e.port}` : ''} ct status dnat masquerade`);
  });
  decl.push(`  chain vs_${i} {`, '  }');

  const sid = (ip: string, port: number) => servers.findIndex((x) => x.ip === ip && x.port === port);
  const rules: string[] = [];
  const live = p.entries.filter((e) => e.weight > 0);
  if (persist) for (const e of live) rules.push(`meta l4proto ${proto} ${key} @persist_${i}_${sid(e.ip, e.port)} update @persist_${i}_${sid(e.ip, e.port)} { ${key} } dnat ${fam} to ${target(e.ip, e.port)}`);
  const weights = p.entries.map((e) => (e.weight > 0 ? e.weight : 0));
  const sched = vs.lvs_sched;
  if (live.length > 0) {
    let selector: string;
    let elements: [number, number, number][];
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
    rules.push(`${selector} vmap { ${elements.map(([from, to, k]) => `${span(from, to)} : jump rs_${i}_${sid(p.entries[k]!.ip, p.entries[k]!.port)}`).join(', ')} }`);
  }
  rules.push('reject');
  return rules;
}

/**
 * The NAT table for the NAT services of `pools` (others skipped), or undefined when there are
 * none. `servers` by pool key: every server the service has had (default: its pool now).
 */
export function buildNat(table: string, pools: readonly ServicePool[], servers: ReadonlyMap<string, readonly NatServer[]>, snatOn: boolean, problems: string[]): NatRuleset | undefined {
  const decl: string[] = [];
  const dispatch: string[] = [];
  const fwd: string[] = [];
  const snat: string[] = [];
  const counters: string[] = [];
  const chains = new Map<number, readonly string[]>();
  pools.forEach((p, i) => {
    if (p.vs.lvs_method !== 'NAT') return;
    const matches = vsMatches(p);
    if (matches.length === 0) {
      problems.push(`VS ${p.key}: no address, mark or group entry to match - not forwarded`);
      return;
    }
    const list = servers.get(p.key) ?? p.entries;
    chains.set(i, natService(decl, fwd, snatOn ? snat : undefined, i, p, list));
    for (const m of matches) dispatch.push(`    ${m} jump vs_${i}`);
    list.forEach((_e, s) => counters.push(`in_${i}_${s}`, `out_${i}_${s}`));
  });
  if (dispatch.length === 0) return undefined;
  const out = [`table inet ${table} {`, ...counters.map((c) => `  counter ${c} { }`), ...decl];
  out.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', ...fwd, '  }');
  out.push('  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...dispatch, '  }');
  out.push('  chain output {', '    type nat hook output priority -100; policy accept;', ...dispatch, '  }');
  if (snat.length) out.push('  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', ...snat, '  }');
  out.push('}');
  return { shape: out.join('\n'), chains };
}

/** Filling the `vs_N` chains of a freshly declared table (`prev` absent) or of those that changed. */
export function natUpdate(table: string, next: NatRuleset, prev?: NatRuleset): string {
  const out: string[] = [];
  for (const [i, rules] of next.chains) {
    const was = prev?.chains.get(i);
    if (was && was.join('\n') === rules.join('\n')) continue;
    if (was) out.push(`flush chain inet ${table} vs_${i}`);
    for (const r of rules) out.push(`add rule inet ${table} vs_${i} ${r}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Replacing the NAT table with `nat`: the shape, then its chains filled. */
export function natTableScript(table: string, nat: NatRuleset): string {
  return `add table inet ${table}\ndelete table inet ${table}\n${nat.shape}\n${natUpdate(table, nat)}`;
}
