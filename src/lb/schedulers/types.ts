/** The scheduler interface and the destination and flow it works with. */
import type { LvsScheduler } from '../../config/sections/lvs.js';

export interface Dest {
  /** Stable identity, e.g. `10.0.0.2:80`; hashing schedulers hash it. */
  readonly key: string;
  weight: number;
  activeConns: number;
  inactiveConns: number;
  /** Set by the caller when u_threshold is reached (IP_VS_DEST_F_OVERLOAD). */
  overloaded?: boolean;
}

export interface Flow {
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
}

export interface SchedulerOptions {
  /** sh-port, sh-fallback, mh-port, mh-fallback. */
  readonly flags?: Partial<Record<'sh-port' | 'sh-fallback' | 'mh-port' | 'mh-fallback', boolean>>;
  /** In [0, 1); twos draws from it. */
  readonly random?: () => number;
  /** Maglev lookup table size, a prime (IPVS default 65521). */
  readonly mhTableSize?: number;
  /** lblc / lblcr: how long an unused entry lives, ms (IPVS: 24 h). */
  readonly expireMs?: number;
}

export interface Scheduler {
  readonly name: LvsScheduler;
  /** The destinations or their weights changed; state is kept where IPVS keeps it. */
  update(dests: readonly Dest[]): void;
  /** The destination for a new connection, or undefined when none is available. */
  schedule(flow: Flow, nowMs: number): Dest | undefined;
}

/** IPVS: a destination takes new connections when its weight is positive and it is not overloaded. */
export function available(d: Dest): boolean {
  return d.weight > 0 && !d.overloaded;
}

/** ip_vs_dest_conn_overhead(): active connections weigh 256 inactive ones. */
export function overhead(d: Dest): number {
  return d.activeConns * 256 + d.inactiveConns;
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** FNV-1a over a string, then a murmur3 finaliser: a fast, well-mixed 32-bit hash. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
