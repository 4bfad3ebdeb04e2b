/**
 * Keepalived's vrrp_complete_instance() for the configuration model: the defaults that depend
 * on other keywords or on global_defs, strict mode (vrrp_strict / strict_mode), and the
 * reconciliations Keepalived reports. Checks that need the host (does the interface exist, does
 * it do multicast, its MTU) are left to the daemon; the MTU is taken as Ethernet's 1500.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import { isIPv6 } from '../../base/ip-syntax.js';
import { instanceRaw, type VrrpInstance } from './vrrp-instance-types.js';
import type { SyncGroup } from './vrrp-sync-group-types.js';
import { VRRP_DOWN_TIMER_ADVERTS, VRRP_PRIO_DFL, VRRP_PRIO_OWNER, type VrrpGlobals } from './vrrp-finish-globals.js';

const DEFAULT_MTU = 1500;
const VRRP_MAX_ADDR = 255;

/** Keepalived's chk_min_cfg(): false when the instance cannot run at all. */
export function checkMinimalConfig(inst: VrrpInstance, cx: Cx): boolean {
  const raw = instanceRaw(inst);
  let ok = true;
  if (inst.virtual_router_id === 0) {
    cx.error(inst.pos, `(${inst.name}) the virtual router id must be set`);
    ok = false;
  }
  if (inst.interface === undefined) {
    if (!raw.unicast_configured) {
      cx.error(inst.pos, `(${inst.name}) Unknown interface!`);
      ok = false;
    } else if (inst.use_vmac) {
      cx.error(inst.use_vmac.pos, `(${inst.name}) cannot use VMAC if no interface specified`);
      ok = false;
    }
  }
  return ok;
}

export function completeInstance(inst: VrrpInstance, sync: SyncGroup | undefined, g: VrrpGlobals, cx: Cx): void {
  const raw = instanceRaw(inst);
  const at = (k: string): SourcePos => raw.at[k] ?? inst.pos;
  const n = inst.name;
  const strict = raw.strict_mode ?? g.vrrp_strict;
  inst.strict_mode = strict;

  // Family and version: IPv6 means VRRPv3 (RFC 5798); v2 has no IPv6.
  let version = raw.version;
  if (raw.family === 'inet6') {
    if (version === 2 && strict) {
      cx.error(inst.pos, `(${n}) cannot use IPv6 with VRRP version 2; setting version 3`);
      version = 3;
    } else version ??= 3;
  }
  inst.family = raw.family ?? 'inet';
  inst.version = version ?? (inst.family === 'inet6' ? 3 : g.vrrp_version);

  // Priority from the initial state, then the initial state from the priority.
  inst.priority = raw.priority ?? (raw.state === 'MASTER' ? VRRP_PRIO_OWNER : VRRP_PRIO_DFL);
  const owner = inst.priority === VRRP_PRIO_OWNER;
  if (raw.state === undefined) inst.state = owner ? 'MASTER' : 'BACKUP';
  else {
    inst.state = raw.state;
    if (strict && (raw.state === 'MASTER') !== owner) {
      cx.error(at('state'), `(${n}) State MASTER must match being address owner`);
      inst.state = owner ? 'MASTER' : 'BACKUP';
    }
  }

  completeAuth(inst, strict, cx);

  // Unicast: any unicast keyword plus at least one peer.
  inst.unicast = raw.unicast_configured && inst.unicast_peer.length > 0;
  if (raw.unicast_configured && inst.unicast_peer.length === 0 && !inst.unicast_fault_no_peer) {
    cx.warn(inst.pos, `(${n}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`);
  }
  if (inst.unicast && inst.family === 'inet') inst.unicast_ttl = raw.ttl ?? 255;
  else if (inst.unicast && raw.ttl !== undefined) inst.unicast_ttl = raw.ttl;
  // Keepalived refuses unicast in strict mode on an interface that does multicast; we take a
  // configured interface to be one.
  if (strict && inst.unicast && inst.interface !== undefined) {
    cx.error(inst.unicast_peer[0]!.pos, `(${n}) Unicast peers are not supported in strict mode`);
  }
  if (inst.interface === undefined && raw.unicast_configured) {
    const src = inst.unicast_src_ip ?? inst.mcast_src_ip;
    if (!raw.saddr_from_config) cx.error(inst.pos, `(${n}): Unicast instances must have unicast_src_ip or interface`);
    else if (inst.family === 'inet6' && src !== undefined && /^fe[89ab]/i.test(src)) {
      cx.error(inst.pos, `(${n}) Non link-local address required if interface omitted`);
    }
  }
  if (strict && inst.use_vmac?.mac !== undefined) {
    cx.error(inst.use_vmac.pos, `(${n}): cannot specify MAC address with strict mode - clearing`);
    delete inst.use_vmac.mac;
  }
  if (inst.family === 'inet6' && !inst.unicast && strict) {
    const first = inst.virtual_ipaddress[0];
    if (first && !/^fe[89ab]/i.test(first.address)) cx.error(first.pos, `(${n}) the first IPv6 VIP address must be link local`);
  }
  if (inst.vrf !== undefined && (inst.interface !== undefined || !inst.unicast)) {
    cx.error(inst.pos, `(${n}) vrf can only be specified with${inst.interface !== undefined ? 'out interface' : ' unicast'} - clearing`);
    delete inst.vrf;
  }
  moveExcessVips(inst, cx);

  // Preemption.
  inst.nopreempt = inst.nopreempt && !(owner && nopreemptReset(inst, at, cx));
  if (inst.state === 'MASTER') {
    if (inst.nopreempt) {
      cx.warn(at('nopreempt'), `(${n}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      inst.nopreempt = false;
    }
    if (inst.preempt_delay) {
      cx.warn(at('preempt_delay'), `(${n}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      inst.preempt_delay = 0;
    }
  }
  if (inst.preempt_delay) {
    if (strict) {
      cx.error(at('preempt_delay'), `(${n}) preempt_delay is incompatible with strict mode - resetting`);
      inst.preempt_delay = 0;
    }
    if (inst.nopreempt && inst.preempt_delay) {
      cx.error(at('preempt_delay'), `(${n}) preempt_delay is incompatible with nopreempt mode - resetting`);
      inst.preempt_delay = 0;
    }
  }
  inst.down_timer_adverts = raw.down_timer_adverts ?? g.vrrp_down_timer_adverts;
  if (inst.down_timer_adverts !== VRRP_DOWN_TIMER_ADVERTS && strict) {
    cx.error(at('down_timer_adverts'), `(${n}) down_timer_adverts is incompatible with strict mode - resetting`);
    inst.down_timer_adverts = VRRP_DOWN_TIMER_ADVERTS;
  }
  if (!inst.nopreempt && inst.timer_expired_backup !== undefined) {
    cx.error(at('timer_expired_backup'), `(${n}) expired_timer_backup requires nopreempt - resetting`);
    delete inst.timer_expired_backup;
  }

  // Accept mode (RFC 5798 6.1): on unless strict, always for the address owner.
  inst.accept = raw.accept ?? (owner ? true : !strict);
  if (inst.accept && !owner && strict && inst.version === 2) {
    cx.error(inst.pos, `(${n}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    inst.accept = false;
  }

  if (!inst.unicast && inst.mcast_dst_ip === undefined) {
    inst.mcast_dst_ip = inst.family === 'inet' ? g.vrrp_mcast_group4 : g.vrrp_mcast_group6;
  } else if (inst.unicast && inst.mcast_dst_ip !== undefined) {
    cx.error(inst.pos, `(${n}) multicast destination specified with unicast - ignoring`);
    delete inst.mcast_dst_ip;
  }

  completeGarpAndAdverts(inst, strict, owner, g, at, cx);

  inst.smtp_alert = raw.smtp_alert ?? g.smtp_alert;
  inst.notify_priority_changes = raw.notify_priority_changes ?? sync?.notify_priority_changes ?? g.vrrp_notify_priority_changes;
  inst.skip_check_adv_addr = raw.skip_check_adv_addr ?? g.vrrp_skip_check_adv_addr;
  inst.check_unicast_src = (raw.check_unicast_src ?? false) || g.vrrp_check_unicast_src;
  inst.v3_checksum_as_v2 = raw.v3_checksum_as_v2 ?? g.v3_checksum_as_v2;

  completeAdvertInt(inst, cx, at('advert_int'));

  if (!raw.saddr_from_config) inst.track_src_ip = false;
  completeVmac(inst, strict, cx);

  inst.track_interface = inst.track_interface.filter((t) => {
    if (t.name !== inst.interface) return true;
    cx.warn(t.pos, `(${n}) Ignoring track_interface ${t.name} since own interface`);
    return false;
  });

  if (inst.no_virtual_ipaddress && strict) {
    cx.warn(inst.pos, `(${n}) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress`);
    inst.no_virtual_ipaddress = false;
  }
  if (!inst.no_virtual_ipaddress && inst.virtual_ipaddress.length === 0) {
    if (inst.version === 3 || strict) cx.error(inst.pos, `(${n}) No VIP specified; at least one is required`);
    else cx.warn(inst.pos, `(${n}) No VIP specified; at least one is sensible`);
  }

  ignoreWeights(inst, sync, owner, cx);
}

function nopreemptReset(inst: VrrpInstance, at: (k: string) => SourcePos, cx: Cx): boolean {
  cx.warn(at('nopreempt'), `(${inst.name}) nopreempt is incompatible with priority ${VRRP_PRIO_OWNER}. resetting nopreempt`);
  return true;
}

/** authentication: what Keepalived keeps of it. */
function completeAuth(inst: VrrpInstance, strict: boolean, cx: Cx): void {
  const raw = instanceRaw(inst);
  const n = inst.name;
  const pos = raw.auth_pos ?? inst.pos;
  let type = raw.auth_type;
  if (type !== undefined) {
    if (strict) {
      cx.error(pos, `(${n}) Strict mode does not support authentication. Ignoring.`);
      type = undefined;
    } else if (inst.version === 3) {
      cx.error(pos, `(${n}) VRRP version 3 does not support authentication. Ignoring.`);
      type = undefined;
    } else if (!raw.auth_pass) {
      cx.error(pos, `(${n}) Authentication specified but no password given. Ignoring`);
      type = undefined;
    } else if (inst.family === 'inet6' && type === 'AH') {
      cx.error(pos, `(${n}) Cannot use AH authentication with IPv6. ignoring`);
      type = undefined;
    } else if (type === 'AH' && inst.state === 'MASTER' && inst.priority !== VRRP_PRIO_OWNER) {
      // An AH sequence number has to be learnt from an advert before taking over.
      cx.error(pos, `(${n}) Initial state master is incompatible with AH authentication - clearing`);
      inst.state = 'BACKUP';
    }
  }
  if (type !== undefined) inst.authentication = { auth_type: type, auth_pass: raw.auth_pass!, pos };
  else delete inst.authentication;
}

/** The count field of an advert is 8 bits and the packet must fit the MTU. */
function moveExcessVips(inst: VrrpInstance, cx: Cx): void {
  let hdr: number;
  let addrLen: number;
  if (inst.family === 'inet') {
    hdr = 14 + 20 + 8 + (inst.version === 2 ? 8 + (inst.authentication?.auth_type === 'AH' ? 24 : 0) : 0);
    addrLen = 4;
  } else {
    hdr = 14 + 40 + 8;
    addrLen = 16;
  }
  const max = Math.min(VRRP_MAX_ADDR, Math.floor((DEFAULT_MTU - hdr) / addrLen));
  if (inst.virtual_ipaddress.length > max) {
    cx.error(inst.pos, `(${inst.name}) Number of VIPs (${inst.virtual_ipaddress.length}) exceeds maximum/space available in packet (max ${max} addresses) - excess moved to eVIPs`);
    inst.virtual_ipaddress_excluded.push(...inst.virtual_ipaddress.splice(max));
  }
}

function completeGarpAndAdverts(inst: VrrpInstance, strict: boolean, owner: boolean, g: VrrpGlobals, at: (k: string) => SourcePos, cx: Cx): void {
  const raw = instanceRaw(inst);
  const n = inst.name;
  inst.garp_master_delay = raw.garp_master_delay ?? g.vrrp_garp_master_delay;
  inst.garp_master_repeat = raw.garp_master_repeat ?? g.vrrp_garp_master_repeat;
  inst.garp_master_refresh = raw.garp_master_refresh ?? g.vrrp_garp_master_refresh;
  inst.garp_master_refresh_repeat = raw.garp_master_refresh_repeat ?? g.vrrp_garp_master_refresh_repeat;
  if (raw.garp_lower_prio_repeat === undefined) inst.garp_lower_prio_repeat = strict ? 0 : g.vrrp_garp_lower_prio_repeat;
  else if (strict && raw.garp_lower_prio_repeat) {
    cx.error(at('garp_lower_prio_repeat'), `(${n}) Strict mode requires no repeat garps. resetting`);
    inst.garp_lower_prio_repeat = 0;
  } else inst.garp_lower_prio_repeat = raw.garp_lower_prio_repeat;
  if (raw.garp_lower_prio_delay === undefined) inst.garp_lower_prio_delay = strict ? 0 : g.vrrp_garp_lower_prio_delay;
  else if (strict && raw.garp_lower_prio_delay) {
    cx.error(at('garp_lower_prio_delay'), `(${n}) Strict mode requires no repeat garp delay. resetting`);
    inst.garp_lower_prio_delay = 0;
  } else inst.garp_lower_prio_delay = raw.garp_lower_prio_delay;
  if (raw.lower_prio_no_advert === undefined) inst.lower_prio_no_advert = strict ? true : g.vrrp_lower_prio_no_advert;
  else if (strict && !raw.lower_prio_no_advert) {
    cx.error(inst.pos, `(${n}) Strict mode requires no lower priority advert. resetting`);
    inst.lower_prio_no_advert = true;
  } else inst.lower_prio_no_advert = raw.lower_prio_no_advert;
  if (raw.higher_prio_send_advert === undefined) inst.higher_prio_send_advert = strict ? false : g.vrrp_higher_prio_send_advert;
  else if (strict && raw.higher_prio_send_advert) {
    cx.error(inst.pos, `(${n}) strict mode requires higher_prio_send_advert to be clear. resetting`);
    inst.higher_prio_send_advert = false;
  } else inst.higher_prio_send_advert = raw.higher_prio_send_advert;

  // owner_ignore_adverts, as vrrp_complete_instance() has it (note: the last branch applies
  // whether or not strict mode is on).
  const oia = raw.owner_ignore_adverts;
  if (oia === true && !owner) {
    cx.error(at('owner_ignore_adverts'), `(${n}) ignoring owner_ignore_adverts since priority is not ${VRRP_PRIO_OWNER}`);
    inst.owner_ignore_adverts = false;
  } else if (oia === undefined) inst.owner_ignore_adverts = owner ? strict || g.vrrp_owner_ignore_adverts : false;
  else if (owner && !oia) {
    cx.error(at('owner_ignore_adverts'), `(${n}) strict_mode with priority ${VRRP_PRIO_OWNER} requires owner_ignore_adverts`);
    inst.owner_ignore_adverts = true;
  } else inst.owner_ignore_adverts = oia;

  if (inst.garp_extra_if === undefined && g.vrrp_garp_extra_if) inst.garp_extra_if = { ...g.vrrp_garp_extra_if };
}

/** RFC 3768: whole seconds, 8 bits. RFC 5798: centiseconds, 12 bits. */
function completeAdvertInt(inst: VrrpInstance, cx: Cx, pos: SourcePos): void {
  const HZ = 1_000_000;
  const CENTI = HZ / 100;
  let us = instanceRaw(inst).advert_int_us ?? HZ;
  const secs = (v: number) => (v / HZ).toFixed(6);
  if (inst.version === 2) {
    if (us >= 256 * HZ) {
      cx.error(pos, `(${inst.name}) VRRPv2 advertisement interval ${(us / HZ).toFixed(2)}s is out of range. Must be less than 256s. Setting to 255s`);
      us = 255 * HZ;
    } else if (us % HZ) {
      cx.warn(pos, `(${inst.name}) VRRPv2 advertisement interval ${secs(us)}s must be an integer. rounding`);
      us += HZ / 2;
      us -= us % HZ;
      if (us === 0) us = HZ;
    }
  } else if (us >= 4096 * CENTI) {
    cx.error(pos, `(${inst.name}) VRRPv3 advertisement interval ${(us / HZ).toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
    us = 4095 * CENTI;
  } else if (us % CENTI) {
    cx.warn(pos, `(${inst.name}) VRRPv3 advertisement interval ${secs(us)}s must be in units of 10ms - rounding`);
    us += CENTI / 2;
    us -= us % CENTI;
    if (us === 0) us = CENTI;
    else if (us === 4096 * CENTI) us = 4095 * CENTI;
  }
  inst.advert_int = us / HZ;
}

function completeVmac(inst: VrrpInstance, strict: boolean, cx: Cx): void {
  const n = inst.name;
  if (inst.use_vmac && strict && inst.vmac_xmit_base) {
    cx.error(inst.use_vmac.pos, `(${n}) xmit_base is incompatible with strict mode - resetting`);
    inst.vmac_xmit_base = false;
  }
  if ((inst.use_vmac || inst.use_ipvlan) && inst.promote_secondaries) {
    cx.warn(inst.pos, `(${n}) promote_secondaries is automatically set for vmacs - ignoring`);
    inst.promote_secondaries = false;
  }
  if (inst.use_ipvlan && inst.family === 'inet' && inst.use_ipvlan.address === undefined) {
    cx.error(inst.use_ipvlan.pos, `(${n}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`);
  } else if (inst.use_ipvlan?.address !== undefined && isIPv6(inst.use_ipvlan.address.split('/')[0]!) !== (inst.family === 'inet6')) {
    cx.error(inst.use_ipvlan.pos, `(${n}) IPv4 ipvlan address family does not match instance. setting instance to fault state`);
  }
  if (inst.vmac_xmit_base && !inst.use_vmac) {
    cx.error(inst.pos, `(${n}) vmac_xmit_base is only valid with a vmac`);
    inst.vmac_xmit_base = false;
  }
}

/**
 * In a sync group (unless sync_group_tracking_weight) or as address owner, an instance's own
 * tracked objects may not change its priority (keepalived.conf(5) "VRRP synchronization
 * group(s)"): weighted interfaces become unweighted in a group (and are dropped for an owner),
 * weighted scripts and BFDs are dropped, a track_file with its default weight becomes unweighted.
 */
function ignoreWeights(inst: VrrpInstance, sync: SyncGroup | undefined, owner: boolean, cx: Cx): void {
  const syncNoWeight = sync !== undefined && !sync.sync_group_tracking_weight;
  if (!syncNoWeight && !owner) return;
  const n = inst.name;
  const why = syncNoWeight ? 'SYNC group' : 'address_owner';
  inst.track_interface = inst.track_interface.filter((t) => {
    if (!t.weight) return true;
    cx.warn(t.pos, `(${n}) ignoring ${t.name} tracked interface ${syncNoWeight ? 'weight ' : ''}due to ${syncNoWeight ? 'SYNC group' : 'address owner'}`);
    if (syncNoWeight) t.weight = 0;
    return syncNoWeight;
  });
  inst.track_script = inst.track_script.filter((t) => {
    if (!t.weight) return true;
    cx.warn(t.pos, `(${n}) ignoring tracked script ${t.name} with weights due to ${why}`);
    return false;
  });
  inst.track_file = inst.track_file.filter((t) => {
    if (t.weight === 1) {
      // 1 is track_file's default weight.
      cx.warn(t.pos, `(${n}) ignoring weight from tracked file ${t.name} due to ${why}. specify weight 0`);
      t.weight = 0;
      return true;
    }
    if (!t.weight) return true;
    cx.warn(t.pos, `(${n}) ignoring tracked file ${t.name} with weight ${t.weight} due to ${why}`);
    return false;
  });
  inst.track_bfd = inst.track_bfd.filter((t) => {
    if (!t.weight) return true;
    cx.warn(t.pos, `(${n}) ignoring tracked bfd ${t.name} with weight ${t.weight} due to ${why}`);
    return false;
  });
}
