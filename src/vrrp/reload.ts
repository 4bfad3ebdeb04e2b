/**
 * Reload (SIGHUP) as Keepalived does it (vrrp.c vrrp_exist(), restore_vrrp_state(),
 * clear_diff_vrrp()): an instance of the new configuration is the same as an old one when VRID,
 * family and interface agree, both are unicast from the same source or both multicast to the same
 * group. A matched master stays master (its next advert goes at once and it keeps its addresses);
 * a matched backup starts its Master_Down timer afresh; counters carry over; unmatched old
 * instances are deleted (a master first resigns with priority 0).
 */
import { effectivePriority, initialState } from './instance.js';
import type { InstanceParams, InstanceState } from './types.js';

/** What identifies an instance across a reload. */
export interface InstanceIdentity {
  readonly name: string;
  readonly vrid: number;
  readonly family: 'inet' | 'inet6';
  readonly ifname: string;
  readonly unicast: boolean;
  /** The unicast source address, or the multicast group. */
  readonly endpoint: string;
}

export function sameInstance(a: InstanceIdentity, b: InstanceIdentity): boolean {
  return a.vrid === b.vrid && a.family === b.family && a.ifname === b.ifname && a.unicast === b.unicast && a.endpoint === b.endpoint;
}

export interface ReloadMatch {
  /** new instance name -> old instance name */
  readonly matched: ReadonlyMap<string, string>;
  /** Old instances with no counterpart: they are deleted. */
  readonly deleted: readonly string[];
  /** New instances with no counterpart: they start from INIT. */
  readonly added: readonly string[];
}

export function matchInstances(oldIds: readonly InstanceIdentity[], newIds: readonly InstanceIdentity[]): ReloadMatch {
  const matched = new Map<string, string>();
  const used = new Set<string>();
  for (const n of newIds) {
    const o = oldIds.find((x) => !used.has(x.name) && sameInstance(x, n));
    if (o) {
      matched.set(n.name, o.name);
      used.add(o.name);
    }
  }
  return {
    matched,
    deleted: oldIds.filter((o) => !used.has(o.name)).map((o) => o.name),
    added: newIds.filter((n) => !matched.has(n.name)).map((n) => n.name),
  };
}

/**
 * The state a matched instance continues with under its new parameters. A master keeps MASTER
 * with an advert due now; anything else restarts from INIT (the caller starts it), keeping the
 * counters and what tracking has reported.
 */
export function carryOver(old: InstanceState, p: InstanceParams, now: number): InstanceState {
  const fresh = initialState(p);
  const kept: InstanceState = {
    ...fresh, stats: old.stats, trackDelta: old.trackDelta, trackFault: old.trackFault, trackPending: old.trackPending, interfaceUp: old.interfaceUp,
    effectivePriority: effectivePriority(p, old.trackDelta),
  };
  if (old.state !== 'MASTER') return kept;
  return { ...kept, state: 'MASTER', wantState: 'MASTER', deadline: now, garpAt: [], garpRefreshAt: p.garp.refreshUs > 0 ? now + p.garp.refreshUs : undefined };
}
