/**
 * The nftables ruleset for a set of pools: IPVS's forwarding methods expressed in nft (text
 * syntax, fed to `nft -f -` as one transaction that replaces the previous ruleset).
 *
 * - NAT: `table inet keepalived_ts`, DNAT chosen by a verdict map per virtual server (nft-nat.ts).
 * - DR: `table netdev keepalived_ts_dr`, MAC rewrite at ingress through a Maglev table
 *   (nft-dr.ts).
 */
import type { DrainState } from './dr-drain.js';
import { buildDr, drUpdate, type DrRuleset } from './nft-dr.js';
import type { DrPath } from './nft-match.js';
import { buildNat, natTableScript, type NatRuleset, type NatServer } from './nft-nat.js';
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
  /** NAT: every server each service (by pool key) has had, in a fixed order (default: its pool). */
  readonly servers?: ReadonlyMap<string, readonly NatServer[]>;
}

export interface Ruleset {
  /** The nft script; empty when nothing is to be installed. */
  readonly script: string;
  /** What could not be expressed, one line each (logged by the caller). */
  readonly problems: readonly string[];
  readonly tables: readonly string[];
  /** The NAT table, when there is one: its shape and chain rules, for updates in place. */
  readonly nat?: NatRuleset;
  /** The DR table, when there is one: its shape and map contents, for updates in place. */
  readonly dr?: DrRuleset;
}

/** nft's numbers (numgen's modulus, map keys) are 32-bit: a service's weights must sum below this. */
const WEIGHT_SUM_MAX = 0xffffffff;

const withoutZone = (ip: string): string => (ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip);

/**
 * What nft can say of each pool, so that one odd entry cannot fail the whole transaction:
 * an IPv6 zone id (fe80::1%eth0) is not nft syntax, the address goes without it (reported); weights
 * summing past 2^32 are scaled down in proportion (each kept at least 1), as the modulus and map
 * keys are 32-bit.
 */
export function normalisePools(pools: readonly ServicePool[], problems: string[]): ServicePool[] {
  return pools.map((p) => {
    let vs = p.vs;
    if (vs.ip?.includes('%')) {
      problems.push(`VS ${p.key}: the zone id of ${vs.ip} is not used by nftables - matched as ${withoutZone(vs.ip)}`);
      vs = { ...vs, ip: withoutZone(vs.ip) };
    }
    let entries = p.entries.map((e) => {
      if (!e.ip.includes('%')) return e;
      problems.push(`VS ${p.key}: the zone id of real server ${e.ip} is not used by nftables - forwarded to ${withoutZone(e.ip)}`);
      return { ...e, ip: withoutZone(e.ip) };
    });
    const total = entries.reduce((t, e) => t + Math.max(0, e.weight), 0);
    if (total > WEIGHT_SUM_MAX) {
      const scale = WEIGHT_SUM_MAX / total;
      // Floors never sum past the limit; each server left at least 1 adds at most one per entry.
      const slack = entries.length;
      entries = entries.map((e) => (e.weight > 0 ? { ...e, weight: Math.max(1, Math.floor(e.weight * scale * ((WEIGHT_SUM_MAX - slack) / WEIGHT_SUM_MAX))) } : e));
    }
    return vs === p.vs && entries.every((e, i) => e === p.entries[i]) ? p : { ...p, vs, entries };
  });
}

/** The whole ruleset for `pools`: both tables, created or replaced in one transaction. */
export function buildRuleset(input: RulesInput): Ruleset {
  const names = input.names ?? DEFAULT_TABLES;
  const problems: string[] = [];
  const drPools: ServicePool[] = [];
  input = { ...input, pools: normalisePools(input.pools, problems) };
  for (const p of input.pools) {
    if (p.vs.lvs_method === 'TUN') problems.push(`VS ${p.key}: lb_kind TUN needs an ipip/gre tunnel device, which this kernel does not offer - not forwarded`);
    else if (p.vs.lvs_method === 'DR') drPools.push(p);
  }
  const nat = buildNat(names.nat, input.pools, input.servers ?? new Map(), !!input.snat, problems);
  const dr = drPools.length ? buildDr(names.dr, drPools, input.dr, input.drain ?? new Map(), input.flowTimeoutS ?? DR_FLOW_TIMEOUT_S, problems) : undefined;
  const tables = [...(nat ? [`inet ${names.nat}`] : []), ...(dr ? [`netdev ${names.dr}`] : [])];
  const script = (nat ? natTableScript(names.nat, nat) : '') + (dr ? drTableScript(names.dr, dr) : '');
  return { script, problems, tables, ...(nat ? { nat } : {}), ...(dr ? { dr } : {}) };
}

/** Replacing the DR table with `dr`: the shape, then its maps filled. */
export function drTableScript(table: string, dr: DrRuleset): string {
  return `add table netdev ${table}\ndelete table netdev ${table}\n${dr.shape}\n${drUpdate(table, dr)}`;
}

/** Deleting whatever tables are there (shutdown, or a ruleset that no longer needs one). */
export function removalScript(tables: readonly string[]): string {
  return tables.map((t) => `add table ${t}\ndelete table ${t}\n`).join('');
}

