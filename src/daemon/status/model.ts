/**
 * What the daemon answers about itself (`keepalived-ts status`, /api/status, /metrics, the live
 * page): one JSON document assembled by the parent from its children's parts, and the events
 * (transitions, checker verdicts, pool changes, reloads) streamed to followers. Plain data, so
 * it crosses the fork() channel and the control socket unchanged.
 */
import type { VrrpCounters } from '../dump/common.js';

export interface TrackedStatus {
  readonly kind: 'interface' | 'script' | 'file' | 'process' | 'bfd';
  readonly name: string;
  readonly weight: number;
  /** up / down / a track_file's value / unknown (a script before its first result). */
  readonly state: string;
}

export interface TransitionRecord {
  /** ISO time. */
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface InstanceStatus {
  readonly name: string;
  readonly interface: string;
  readonly vrid: number;
  readonly version: number;
  readonly state: string;
  readonly priority: number;
  readonly effectivePriority: number;
  /** The master's address as last heard (ours when we are master). */
  readonly master?: string;
  readonly vips: readonly string[];
  readonly tracked: readonly TrackedStatus[];
  /** Newest last. */
  readonly transitions: readonly TransitionRecord[];
  readonly counters: VrrpCounters;
}

export interface ScriptView {
  readonly name: string;
  readonly status: 'GOOD' | 'BAD';
  readonly state: string;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly at: string;
  readonly latencyMs: number;
  readonly reason: string;
}

export interface RealServerStatus {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly alive: boolean;
  readonly lastCheck?: CheckResult;
  readonly activeConns?: number;
  readonly inactiveConns?: number;
}

export interface VirtualServerStatus {
  /** Keepalived's name for it: [10.0.0.1]:tcp:80, FWM 5, a group name. */
  readonly name: string;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly protocol: string;
  readonly kind: string;
  /** lb_algo as configured, and what the data plane runs (they differ where it substitutes). */
  readonly scheduler: string;
  readonly schedulerInForce: string;
  readonly quorumUp: boolean;
  readonly realServers: readonly RealServerStatus[];
}

/** Latency histograms, per real server: bucket upper bounds (ms) and cumulative counts. */
export interface CheckHistogram {
  readonly vs: string;
  readonly rs: string;
  readonly checker: string;
  readonly buckets: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface VrrpPart {
  readonly instances: readonly InstanceStatus[];
  readonly scripts: readonly ScriptView[];
  /** Transitions since start, by reason. */
  readonly transitionsByReason: Readonly<Record<string, number>>;
  /** How late the VRRP clock's timers (adverts, Master_Down) fired: the worst, µs, and how many fired. */
  readonly timerLateness: { readonly maxUs: number; readonly fired: number };
}

export interface LvsPart {
  readonly virtualServers: readonly VirtualServerStatus[];
  readonly histograms: readonly CheckHistogram[];
}

export interface DaemonStatus {
  readonly pid: number;
  readonly version: string;
  readonly startedAt: string;
  readonly children: readonly string[];
  /** Children running that did not answer in time: their parts (vrrp, lvs) are missing, not empty. */
  readonly unanswered?: readonly string[];
  readonly vrrp?: VrrpPart;
  readonly lvs?: LvsPart;
}

export type StatusEvent =
  | { readonly at: string; readonly type: 'transition'; readonly instance: string; readonly from: string; readonly to: string; readonly reason: string; readonly priority: number }
  | { readonly at: string; readonly type: 'checker'; readonly vs: string; readonly rs: string; readonly up: boolean; readonly reason: string }
  | { readonly at: string; readonly type: 'pool'; readonly vs: string; readonly servers: ReadonlyArray<{ readonly rs: string; readonly weight: number }> }
  | { readonly at: string; readonly type: 'reload'; readonly outcome: 'complete' | 'refused'; readonly detail?: string };
