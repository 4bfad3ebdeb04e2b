/**
 * What tracked objects do to an instance (keepalived.conf(5), track_interface / track_script /
 * track_file / track_process / track_bfd): each adds to the priority or forces FAULT.
 *
 *   weight  reverse   object up   object down
 *    +ve      no       prio +W       -
 *    -ve      no         -         prio +W (W < 0)
 *    +ve      yes      prio -W       -
 *    -ve      yes        -         prio -W
 *     0       no         -          FAULT
 *     0       yes      FAULT         -
 *
 * A track_file contributes value x weight (negated by reverse); with weight 0 a non-zero value
 * is a fault, and a result below -253 is a fault too.
 *
 * A vrrp_script that has not returned its first result (`up` undefined) moves no priority either
 * way; with weight 0 it holds the instance in FAULT until it does (Keepalived's num_script_init,
 * vrrp_track.c initialise_track_script_state), except a script a reload brought in
 * (SCRIPT_INIT_STATE_INIT_RELOAD), which holds nothing: `holds` false.
 */

export type TrackedObject =
  | { readonly kind: 'binary'; readonly name: string; readonly weight: number; readonly reverse: boolean; readonly up: boolean | undefined; readonly holds?: boolean }
  | { readonly kind: 'file'; readonly name: string; readonly weight: number; readonly reverse: boolean; readonly value: number };

export interface TrackingOutcome {
  readonly delta: number;
  readonly fault: boolean;
  /** Which objects force FAULT, for the log line that explains the state change. */
  readonly faults: readonly string[];
  /** Weight-0 objects without a first result that hold the instance in FAULT (in `fault` too). */
  readonly pending: readonly string[];
}

export const FILE_FAULT_BELOW = -253;

export function trackingOutcome(objects: readonly TrackedObject[]): TrackingOutcome {
  let delta = 0;
  const faults: string[] = [];
  const pending: string[] = [];
  for (const o of objects) {
    if (o.kind === 'binary') {
      if (o.up === undefined) {
        if (o.weight === 0 && o.holds !== false) pending.push(o.name);
        continue;
      }
      if (o.weight === 0) {
        if (o.reverse ? o.up : !o.up) faults.push(o.name);
        continue;
      }
      const active = o.weight > 0 ? o.up : !o.up;
      if (active) delta += o.reverse ? -o.weight : o.weight;
      continue;
    }
    if (o.weight === 0) {
      if (o.value !== 0) faults.push(o.name);
      continue;
    }
    const r = o.value * o.weight * (o.reverse ? -1 : 1);
    if (r < FILE_FAULT_BELOW) faults.push(o.name);
    else delta += r;
  }
  return { delta, fault: faults.length > 0 || pending.length > 0, faults, pending };
}
