/**
 * VRRP's derived timers (RFC 3768 6.1, RFC 5798 6.1), in microseconds, as Keepalived computes them:
 *   Skew_Time            v2: (256 - Priority) / 256 s;  v3: ((256 - Priority) * Master_Adver_Interval) / 256
 *   Master_Down_Interval down_timer_adverts (3) * Master_Adver_Interval + Skew_Time
 * An address owner's skew always uses priority 255, even while it has lowered its priority.
 */
import { PRIO_OWNER, US_PER_SECOND, type InstanceParams } from './types.js';

export function skewUs(p: InstanceParams, effectivePriority: number, masterAdverIntervalUs: number): number {
  const prio = p.basePriority === PRIO_OWNER ? PRIO_OWNER : effectivePriority;
  return skewFor(p.version, 256 - prio, masterAdverIntervalUs);
}

/** Keepalived's VRRP_TIMER_SKEW_MIN: the skew of priority 255, a tie-breaking nudge. */
export function minSkewUs(p: InstanceParams, masterAdverIntervalUs: number): number {
  return skewFor(p.version, 1, masterAdverIntervalUs);
}

function skewFor(version: 2 | 3, weight: number, masterAdverIntervalUs: number): number {
  return version === 3
    ? Math.floor((weight * masterAdverIntervalUs) / 256)
    : Math.floor((weight * US_PER_SECOND) / 256);
}

export function masterDownUs(p: InstanceParams, effectivePriority: number, masterAdverIntervalUs: number): number {
  return p.downTimerAdverts * masterAdverIntervalUs + skewUs(p, effectivePriority, masterAdverIntervalUs);
}
