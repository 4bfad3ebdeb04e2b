/**
 * VRRP after every section is read (Keepalived vrrp/vrrp.c vrrp_complete_init(),
 * vrrp/vrrp_sync.c vrrp_sync_set_group()): sync group membership, each instance's derived
 * values, VRID conflicts, sync group tracking weights and the initial state of sync groups.
 *
 * Keepalived stops at the first of some of these errors; we report them all and keep the
 * instance, so that `-t` shows every problem at once. Problems are reported at the line that
 * causes them (the group member, the virtual_router_id line), or at the instance's first line.
 */
import type { ConfigDraft } from '../model.js';
import type { Cx } from '../schema.js';
import { vrrpGlobals, VRRP_PRIO_OWNER } from './vrrp-finish-globals.js';
import { checkMinimalConfig, completeInstance } from './vrrp-finish-instance.js';
import { sameAddress } from './vrrp-instance-net.js';
import { instanceRaw, type VrrpInstance } from './vrrp-instance-types.js';
import { syncGroupSmtpAlert } from './vrrp-sync-group.js';
import type { SyncGroup } from './vrrp-sync-group-types.js';

export function finishVrrp(draft: ConfigDraft, cx: Cx): void {
  const g = vrrpGlobals(draft.global_defs);
  for (const inst of draft.vrrp_instance) checkMinimalConfig(inst, cx);

  const byName = new Map(draft.vrrp_instance.map((i) => [i.name, i]));
  const groupOf = new Map<VrrpInstance, SyncGroup>();
  draft.vrrp_sync_group = draft.vrrp_sync_group.filter((sg) => setGroup(sg, byName, groupOf, cx));

  for (const inst of draft.vrrp_instance) {
    const sg = groupOf.get(inst);
    if (sg) inst.sync_group = sg.name;
    completeInstance(inst, sg, g, cx);
  }
  checkVridConflicts(draft.vrrp_instance, cx);

  for (const sg of draft.vrrp_sync_group) {
    const members = sg.group.map((name) => byName.get(name)!);
    groupTrackingWeights(sg, members, cx);
    sg.smtp_alert = syncGroupSmtpAlert(sg) ?? g.smtp_alert;
    // A group starts as MASTER only if every member can: all address owners wanting MASTER.
    const haveMaster = members.some((m) => m.state === 'MASTER');
    const haveBackup = members.some((m) => m.state === 'BACKUP' || m.priority !== VRRP_PRIO_OWNER);
    if (haveMaster && haveBackup) for (const m of members) m.state = 'BACKUP';
  }
}

/** vrrp_sync_set_group(): false when the group ends up without members. */
function setGroup(sg: SyncGroup, byName: ReadonlyMap<string, VrrpInstance>, groupOf: Map<VrrpInstance, SyncGroup>, cx: Cx): boolean {
  // The group's state as Keepalived computes it while adding members, from the state and
  // priority as configured (before any defaults).
  let state: 'INIT' | 'MASTER' | 'BACKUP' = 'INIT';
  for (const m of sg.members) {
    const inst = byName.get(m.name);
    if (!inst) {
      cx.error(m.pos, `Virtual router ${m.name} specified in sync group ${sg.name} doesn't exist - ignoring`);
      continue;
    }
    if (groupOf.has(inst)) {
      cx.error(m.pos, `Virtual router ${m.name} cannot exist in more than one sync group; ignoring ${sg.name}`);
      continue;
    }
    groupOf.set(inst, sg);
    sg.group.push(inst.name);
    const raw = instanceRaw(inst);
    if (state === 'MASTER' && raw.state === 'BACKUP') {
      cx.error(m.pos, `Sync group ${sg.name} has some member(s) as address owner and some not as address owner. This won't work.`);
    }
    if (state !== 'BACKUP') state = raw.state === 'MASTER' && raw.priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
  }
  if (sg.group.length === 0) {
    cx.error(sg.pos, `Sync group ${sg.name}, no matching virtual router found in group declaration - removing`);
    return false;
  }
  if (sg.group.length === 1) {
    cx.warn(sg.pos, `Sync group ${sg.name} has only 1 virtual router(s) - this probably isn't what you want`);
  }
  return true;
}

/** sync_group_tracking_init(): a group with an address owner cannot have weighted trackers. */
function groupTrackingWeights(sg: SyncGroup, members: readonly VrrpInstance[], cx: Cx): void {
  if (!members.some((m) => m.priority === VRRP_PRIO_OWNER)) return;
  const lists = [
    ['script', sg.track_script, 'clearing weight'],
    ['file', sg.track_file, 'setting weight 0'],
    ['process', sg.track_process, 'setting weight 0'],
    ['bfd', sg.track_bfd, 'setting weight 0'],
    ['interface', sg.track_interface, 'clearing weight'],
  ] as const;
  for (const [what, list, action] of lists) {
    for (const t of list) {
      if (!t.weight) continue;
      cx.warn(t.pos, `(${sg.name}) Cannot have weighted track ${what} '${t.name}' with member having priority ${VRRP_PRIO_OWNER} - ${action}`);
      t.weight = 0;
    }
  }
}

/**
 * check_vrid_conflicts(): two instances of one family may not share a VRID on one interface
 * and multicast group, nor, when unicasting from the same source, towards a common peer.
 * Where Keepalived looks at the host (the interface's own address), we only compare what is
 * configured.
 */
function checkVridConflicts(list: readonly VrrpInstance[], cx: Cx): void {
  // Only instances of one family and VRID can conflict: each is compared with the later ones of
  // its own kind, in the order of a comparison of every pair, without comparing every pair.
  const later = new Map<string, VrrpInstance[]>();
  for (const inst of list) {
    if (inst.virtual_router_id === 0) continue;
    const key = `${inst.family} ${inst.virtual_router_id}`;
    const same = later.get(key);
    if (same) same.push(inst);
    else later.set(key, [inst]);
  }
  for (const a of list) {
    if (a.virtual_router_id === 0) continue;
    const same = later.get(`${a.family} ${a.virtual_router_id}`)!;
    // `same` holds a and the instances after it, in list order; a is the first one left.
    same.shift();
    for (const b of same) {
      if (a.unicast !== b.unicast) continue;
      const where = instanceRaw(b).at['virtual_router_id'] ?? b.pos;
      if (a.unicast) {
        if (a.interface !== undefined && b.interface !== undefined && a.interface !== b.interface) continue;
        const sa = a.unicast_src_ip ?? a.mcast_src_ip;
        const sb = b.unicast_src_ip ?? b.mcast_src_ip;
        if (sa === undefined || sb === undefined || !sameAddress(sa, sb)) continue;
        if (!a.unicast_peer.some((p) => b.unicast_peer.some((q) => sameAddress(p.address, q.address)))) continue;
        cx.error(where, `(${a.name}) duplicate VRID conflict with ${b.name} VRID ${a.virtual_router_id}`);
        continue;
      }
      if (a.interface === undefined || a.interface !== b.interface) continue;
      if (!sameAddress(a.mcast_dst_ip ?? '', b.mcast_dst_ip ?? '')) continue;
      cx.error(where, `${a.name} and ${b.name} both use VRID ${a.virtual_router_id} with IPv${a.family === 'inet' ? 4 : 6} on interface ${a.interface}`);
    }
  }
}
