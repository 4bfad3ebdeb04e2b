/**
 * SIGHUP's carry-over, as BIRD's reconfigure(old, new): instances of the old and the new
 * configuration are matched by identity (vrrp/reload.ts), matched ones keep their state (a master
 * stays master), new ones start in INIT, deleted ones resign. Keepalived does this in
 * vrrp_reload / clear_diff_vrrp(). What moves on the host is the driver's to do.
 */
import { carryOver, matchInstances, type InstanceIdentity, type ReloadMatch } from '../../vrrp/reload.js';
import { initialRouterState, type RouterParams, type RouterState } from '../../vrrp/router.js';
import type { InstanceState, VrrpState } from '../../vrrp/types.js';
import type { Runtime } from './runtime.js';

function identity(r: Runtime): InstanceIdentity {
  return { name: r.inst.name, vrid: r.inst.virtual_router_id, family: r.family, ifname: r.ifname, unicast: r.inst.unicast, endpoint: r.inst.unicast ? r.src : r.group };
}

/** The old instances matched to the new ones (by name, new to old) and those deleted. */
export function matchReloaded(before: ReadonlyMap<string, Runtime>, after: ReadonlyMap<string, Runtime>): ReloadMatch {
  return matchInstances([...before.values()].map(identity), [...after.values()].map(identity));
}

/**
 * The engine's state for the new configuration: matched instances carry theirs over, the others
 * start afresh; sync groups keep theirs. `masters`: the matched masters, old runtime and new,
 * whose addresses may have changed.
 */
export function reloadedState(
  match: ReloadMatch,
  oldState: RouterState,
  before: ReadonlyMap<string, Runtime>,
  after: ReadonlyMap<string, Runtime>,
  params: RouterParams,
  now: number,
): { state: RouterState; masters: Array<[Runtime, Runtime]> } {
  const fresh = initialRouterState(params);
  const carried = fresh.instances.withMutable();
  const masters: Array<[Runtime, Runtime]> = [];
  for (const [newName, oldName] of match.matched) {
    const old = oldState.instances.get(oldName)!;
    carried.set(newName, carryOver(old, after.get(newName)!.params, now));
    // Keepalived keeps the AH sequence number across a reload.
    const was = before.get(oldName)?.ah;
    const becomes = after.get(newName)!.ah;
    if (was && becomes) {
      becomes.counter = was.counter;
      becomes.ipId = was.ipId;
    }
    if (old.state === 'MASTER') masters.push([before.get(oldName)!, after.get(newName)!]);
  }
  const groups: Record<string, VrrpState> = {};
  for (const g of params.groups) groups[g.name] = oldState.groups[g.name] ?? 'INIT';
  return { state: { instances: carried.states, groups }, masters };
}
