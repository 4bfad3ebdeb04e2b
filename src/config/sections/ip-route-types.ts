/**
 * The typed shape of a static_routes / virtual_routes line (a Route, its nexthops and its
 * encapsulation): what the grammar (ip-route.ts) produces and the OS side (os/iproute2-syntax.ts)
 * turns back into `ip route` words. Types only, so both sides import them without the readers.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Family } from '../values.js';
import type { IpPrefix } from './ip-words.js';

export type RouteEncap =
  | { type: 'ip' | 'ip6'; /** Decimal: a u64 does not fit a number. */ id?: string; dst?: string; src?: string; tos?: number; ttl?: number; flags?: number }
  | { type: 'mpls'; labels: number[] };

export interface Nexthop {
  via?: string;
  dev?: string;
  /** 1..256, as ip route. */
  weight?: number;
  onlink: boolean;
  realms?: number;
  encap?: RouteEncap;
}

/** Route metrics whose value may be preceded by `lock`. */
export type Lockable = 'mtu' | 'advmss' | 'rtt' | 'rttvar' | 'reordering' | 'cwnd' | 'ssthresh' | 'rto_min' | 'congctl';

export interface Route {
  pos: SourcePos;
  family: Family;
  /** The destination; `default`/`any`/`all` is 0.0.0.0/0 or ::/0. */
  to: IpPrefix;
  /** rtm_type by name: unicast unless a type (blackhole, unreachable, ...) precedes the prefix. */
  type: string;
  /** Preferred source address (`src`). */
  src?: string;
  /** Source prefix (`from`, IPv6 only). */
  from?: IpPrefix;
  /** `via`, or the deprecated `gw`. */
  via?: string;
  /** `dev` / `oif`. */
  dev?: string;
  table: number;
  scope: number;
  /** Always RTPROT_KEEPALIVED (18) for a tracked route. */
  protocol: number;
  /** `metric` / `priority` / `preference`. */
  metric?: number;
  /** `tos` / `dsfield`. */
  tos?: number;
  onlink: boolean;
  realms?: number;
  expires?: number;
  mtu?: number;
  hoplimit?: number;
  advmss?: number;
  /** Seconds (rtt, rttvar, rto_min). */
  rtt?: number;
  rttvar?: number;
  rto_min?: number;
  reordering?: number;
  window?: number;
  cwnd?: number;
  ssthresh?: number;
  initcwnd?: number;
  initrwnd?: number;
  features: string[];
  quickack?: number;
  congctl?: string;
  /** IPv6 router preference: low 3, medium 0, high 1, or a number. */
  pref?: number;
  'ttl-propagate'?: boolean;
  fastopen_no_cookie?: boolean;
  /** Metrics given as `METRIC lock VALUE`. */
  lock: Lockable[];
  encap?: RouteEncap;
  /** `vrf NAME`: the route goes into that VRF's table (resolved on the host). */
  vrf?: string;
  /** `prepend` (Keepalived's and the kernel's default), `add` or `append`. */
  install: 'prepend' | 'add' | 'append';
  nexthop: Nexthop[];
  no_track: boolean;
  /** Static routes only. */
  track_group?: string;
}
