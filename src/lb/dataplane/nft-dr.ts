/**
 * The DR ruleset: `table netdev <name>`, an ingress chain per interface. A frame for a virtual
 * server gets the chosen real server's MAC as destination and the director's as source, and goes
 * back out. The choice hashes the flow (jhash, fixed seed) through a Maglev table held in a named
 * map per service, so every packet of a connection, on any director with the same table, picks
 * the same server without state.
 *
 * Pool changes drain (dr-drain.ts): while a service drains, SYNs go by `fresh_N` and record
 * their flow and MAC in the dynamic map `flows_N`; recorded flows follow their record; the rest
 * (connections older than the change) go by `held_N`, the table before the change. Each TCP
 * service has its chain `svc_N`, whose rules record only while draining, so the records cost
 * nothing otherwise (a drain starting or ending rewrites that chain alone).
 *
 * The rules (the table's shape) change only when services, matches or interfaces do; a change
 * of servers, weights or MACs rewrites just the maps of the services it touched (drUpdate), which
 * keeps a one-server change cheap when there are many services with 1021-slot tables.
 */
import { maglevTable } from '../schedulers/maglev.js';
import { isDraining, type DrainState, type Slots } from './dr-drain.js';
import { flowHash, isV6, JHASH_SEED, NFT_MH_SIZE, protoOf, vsMatches, type DrPath } from './nft-match.js';
import type { ServicePool } from './types.js';

const U32_MAX = 4294967295;
/** The second seed of an IPv6 flow's record key (the first is JHASH_SEED). */
const FLOW_SEED = '0x6b747332';

/** What one DR service's maps and chain hold: element lists and rules as nft text. */
export interface DrContents {
  readonly fresh: string;
  readonly held: string;
  readonly draining: boolean;
  /** The rules of the service's chain (they depend on `draining`). */
  readonly rules: readonly string[];
}

export interface DrRuleset {
  /** Table declarations and rules without map contents: equal shapes take drUpdate. */
  readonly shape: string;
  /** The contents of each service's maps, by service number (N in fresh_N). */
  readonly contents: readonly DrContents[];
}

/**
 * The Maglev table of the servers taking new connections, as server keys (`ip:port`) per slot.
 * Servers go in by key order, not the pool's: the Maglev fill takes turns in list order, so two
 * directors listing the same servers differently (configuration order, a server back after a
 * failure) would disagree on about 1% of slots; sorted, the table depends on the set alone.
 */
export function freshSlots(p: ServicePool, dr: ReadonlyMap<string, DrPath>): Slots {
  const key = (e: { ip: string; port: number }) => `${e.ip}:${e.port}`;
  const usable = p.entries.filter((e) => dr.has(e.ip)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const t = maglevTable(usable.map((e) => ({ key: `${e.ip}:${e.port}`, weight: e.weight })), NFT_MH_SIZE);
  return Array.from(t, (k) => (k < 0 ? undefined : `${usable[k]!.ip}:${usable[k]!.port}`));
}

/**
 * Map elements for slots, one per slot; a server without a MAC is left out. Plain maps, not
 * interval ones: to change an interval map nft first reads every element of the table's interval
 * maps back from the kernel (~0.3 s per change with 100 services), a plain map it does not
 * (flush and refill of one 1021-slot map: ~20 ms).
 */
function elements(slots: Slots, macOf: (key: string) => string | undefined): string {
  // Rebuilding 1021 elements per map for every service on every change costs more than nft's
  // share of a one-server change; unchanged tables (the same array: dr-drain keeps it) with the
  // same MACs reuse their text.
  const keys = [...new Set(slots)].filter((k): k is string => k !== undefined);
  const sig = keys.map((k) => `${k}=${macOf(k)}`).join(',');
  const hit = elementCache.get(slots);
  if (hit?.sig === sig) return hit.text;
  const out: string[] = [];
  slots.forEach((k, i) => {
    const mac = k === undefined ? undefined : macOf(k);
    if (mac) out.push(`${i} : ${mac}`);
  });
  const text = out.join(', ');
  elementCache.set(slots, { sig, text });
  return text;
}

const elementCache = new WeakMap<Slots, { sig: string; text: string }>();

/**
 * The DR table for `pools` (DR ones only; others are skipped by the caller). `drain` gives each
 * service's tables by pool key; a service without one is built from its pool, not draining.
 */
export function buildDr(table: string, pools: readonly ServicePool[], dr: ReadonlyMap<string, DrPath>, drain: ReadonlyMap<string, DrainState>, flowTimeoutS: number, problems: string[]): DrRuleset | undefined {
  const byDev = new Map<string, string[]>();
  const decls: string[] = [];
  const contents: DrContents[] = [];
  const macOf = (key: string) => dr.get(key.slice(0, key.lastIndexOf(':')))?.mac;
  for (const p of pools) {
    const vs = p.vs;
    const matches = vsMatches(p);
    if (matches.length === 0) {
      problems.push(`VS ${p.key}: no address, mark or group entry to match - not forwarded`);
      continue;
    }
    for (const e of p.entries) if (!dr.has(e.ip)) problems.push(`VS ${p.key}: no neighbour entry (MAC) for real server ${e.ip} yet - left out`);
    const path = p.entries.map((e) => dr.get(e.ip)).find((x) => x);
    if (!path) continue;
    const n = contents.length;
    const state = drain.get(p.key) ?? { fresh: freshSlots(p, dr), held: freshSlots(p, dr) };
    // A held server gone from the neighbour table: its slots follow the fresh table.
    const lost = state.held.some((k) => k !== undefined && !macOf(k));
    const held = lost ? state.held.map((k, i) => (k !== undefined && macOf(k) ? k : state.fresh[i])) : state.held;
    const draining = isDraining(state);

    const fam: 'ip' | 'ip6' = vs.ip !== undefined && isV6(vs.ip) ? 'ip6' : 'ip';
    const persist = vs.persistence_timeout !== undefined;
    const key = flowHash(vs, fam, !persist);
    const addr = fam === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
    // nft 1.0.6 (Debian 12) aborts on updating a map keyed by an IPv6 address and a port
    // (netlink_linearize.c: "dreg < ctx->reg_low"): those flows are recorded under two 32-bit
    // hashes of it with different seeds, a 64-bit key.
    const hashedFlow = fam === 'ip6' && !persist;
    const flowKey = hashedFlow ? `jhash ${key} mod ${U32_MAX} seed ${JHASH_SEED} . jhash ${key} mod ${U32_MAX} seed ${FLOW_SEED}` : key;
    const flowType = hashedFlow ? 'typeof numgen inc mod 2 . numgen inc mod 2 : ether daddr' : `type ${persist ? addr : `${addr} . inet_service`} : ether_addr`;
    // `typeof numgen` only names the key's type: a 32-bit integer, what jhash yields.
    decls.push(
      `  map fresh_${n} { typeof numgen inc mod 2 : ether daddr; }`,
      `  map held_${n} { typeof numgen inc mod 2 : ether daddr; }`,
      `  map flows_${n} { ${flowType}; flags dynamic,timeout; timeout ${flowTimeoutS}s; size 1048576; }`,
      `  chain svc_${n} {`,
      '  }',
    );
    const hash = `jhash ${key} mod ${NFT_MH_SIZE} seed ${JHASH_SEED}`;
    const out = `ether saddr set ${path.ownMac} fwd to "${path.dev}"`;
    const record = draining ? ` update @flows_${n} { ${flowKey} : ether daddr }` : '';
    const syn = 'tcp flags & (syn | ack) == syn';
    // A TCP service's chain: SYNs by the table now; while draining they are recorded, recorded
    // flows follow their record, and the rest the table before the change.
    const chain = [
      `${syn} ether daddr set ${hash} map @fresh_${n}${record} ${out}`,
      `${syn} drop`,
      ...(draining ? [`ether daddr set ${flowKey} map @flows_${n}${record} ${out}`] : []),
      `ether daddr set ${hash} map @held_${n} ${out}`,
      'drop',
    ];
    contents.push({ fresh: elements(state.fresh, macOf), held: elements(held, macOf), draining, rules: protoOf(vs) === 'tcp' ? chain : [] });
    const rules = byDev.get(path.dev) ?? [];
    for (const m of matches) {
      // Only frames sent to this host: a bridge floods unknown unicast, and a backup director that
      // forwarded its flooded copies would duplicate every packet.
      const match = `meta pkttype host ${m}`;
      if (protoOf(vs) === 'tcp' && !m.startsWith('meta mark')) rules.push(`${match} jump svc_${n}`);
      else rules.push(`${match} ether daddr set ${hash} map @fresh_${n} ${out}`, `${match} drop`);
    }
    byDev.set(path.dev, rules);
  }
  if (byDev.size === 0) return undefined;
  const shape = [`table netdev ${table} {`, ...decls];
  for (const [dev, rules] of byDev) {
    shape.push(`  chain ingress_${dev.replace(/[^A-Za-z0-9_]/g, '_')} {`, `    type filter hook ingress device "${dev}" priority 0; policy accept;`, ...rules.map((r) => `    ${r}`), '  }');
  }
  shape.push('}');
  return { shape: shape.join('\n'), contents };
}

/** Filling the maps of a freshly declared table (`prev` absent) or of the services that changed. */
export function drUpdate(table: string, next: DrRuleset, prev?: DrRuleset): string {
  const out: string[] = [];
  next.contents.forEach((c, n) => {
    const was = prev?.contents[n];
    const t = `netdev ${table}`;
    for (const m of ['fresh', 'held'] as const) {
      if (was?.[m] === c[m]) continue;
      if (was) out.push(`flush map ${t} ${m}_${n}`);
      if (c[m]) out.push(`add element ${t} ${m}_${n} { ${c[m]} }`);
    }
    if (was && c.rules.join('\n') === was.rules.join('\n')) return;
    if (was) out.push(`flush chain ${t} svc_${n}`);
    for (const r of c.rules) out.push(`add rule ${t} svc_${n} ${r}`);
    // Drained: the records go with their rule.
    if (was?.draining && !c.draining) out.push(`flush map ${t} flows_${n}`);
  });
  return out.length ? out.join('\n') + '\n' : '';
}
