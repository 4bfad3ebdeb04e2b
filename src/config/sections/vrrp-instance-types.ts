/**
 * The vrrp_instance model (keepalived.conf(5) "VRRP instance(s)"; Keepalived vrrp/vrrp_parser.c,
 * vrrp/vrrp_data.c alloc_vrrp(), vrrp/vrrp.c vrrp_complete_instance()).
 *
 * Keys are Keepalived's keywords. After loading, every field holds the effective value: the
 * keyword's, else the one Keepalived derives (from global_defs, strict mode, the priority, the
 * address family...). Times are seconds as numbers (advert_int 0.1 is 100 ms).
 *
 * Keepalived tells "not configured" apart from a configured value for many fields (its
 * PARAMETER_UNSET). We keep that distinction out of the model: while reading, what was written
 * goes to an `InstanceRaw` beside the instance, and vrrp-finish.ts fills the model from it.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Family, Script } from '../values.js';
import type { IpAddress, Route, Rule } from './ip.js';

export interface TrackedInterface {
  name: string;
  weight: number;
  reverse: boolean;
  pos: SourcePos;
}

/** A tracked vrrp_script, track_file, vrrp_track_process or bfd_instance, by name. */
export interface TrackedObject {
  name: string;
  weight: number;
  reverse: boolean;
  /** True when the line gave `weight N` (Keepalived treats a default track_file weight apart). */
  weight_set: boolean;
  pos: SourcePos;
}

export type VrrpState = 'MASTER' | 'BACKUP';

export interface UnicastPeer {
  address: string;
  min_ttl?: number;
  max_ttl?: number;
  pos: SourcePos;
}

/** authentication { auth_type PASS|AH; auth_pass X } (VRRPv2 only). */
export interface Authentication {
  auth_type: 'PASS' | 'AH';
  /** At most 8 characters, as Keepalived keeps them. */
  auth_pass: string;
  pos: SourcePos;
}

export interface UseVmac {
  name?: string;
  /** MAC address as written; five octets means the VRID is the sixth. */
  mac?: string;
  netlink_notify_msg: boolean;
  group?: string;
  pos: SourcePos;
}

export interface UseIpvlan {
  name?: string;
  address?: string;
  mode: 'bridge' | 'private' | 'vepa';
  group?: string;
  pos: SourcePos;
}

export interface GarpExtraIf {
  interval: number;
  all: boolean;
}

export interface VrrpInstance {
  name: string;
  pos: SourcePos;
  /** Initial state: `state` as written, reconciled with the priority as Keepalived does. */
  state: VrrpState;
  interface?: string;
  vrf?: string;
  family: Family;
  version: 2 | 3;
  virtual_router_id: number;
  priority: number;
  /** Seconds; v2: whole seconds (1..255), v3: centiseconds (0.01..40.95). */
  advert_int: number;
  dont_track_primary: boolean;
  track_interface: TrackedInterface[];
  track_script: TrackedObject[];
  track_file: TrackedObject[];
  track_process: TrackedObject[];
  track_bfd: TrackedObject[];
  mcast_src_ip?: string;
  unicast_src_ip?: string;
  mcast_dst_ip?: string;
  track_src_ip: boolean;
  unicast_peer: UnicastPeer[];
  /** True when adverts go to unicast_peer (some unicast keyword and at least one peer). */
  unicast: boolean;
  /** TTL of sent unicast adverts; IPv4 default 255, absent for IPv6 (the kernel's default). */
  unicast_ttl?: number;
  unicast_fault_no_peer: boolean;
  old_unicast_checksum?: 'config' | 'never';
  check_unicast_src: boolean;
  v3_checksum_as_v2: boolean;
  accept: boolean;
  nopreempt: boolean;
  /** Seconds. */
  preempt_delay: number;
  skip_check_adv_addr: boolean;
  strict_mode: boolean;
  notify_master?: Script;
  notify_backup?: Script;
  notify_fault?: Script;
  notify_stop?: Script;
  /** notify_deleted given: DELETED (not FAULT) is sent when a reload removes the instance. */
  notify_deleted: boolean;
  notify_deleted_script?: Script;
  notify?: Script;
  notify_master_rx_lower_pri?: Script;
  notify_priority_changes: boolean;
  smtp_alert: boolean;
  authentication?: Authentication;
  virtual_ipaddress: IpAddress[];
  virtual_ipaddress_excluded: IpAddress[];
  virtual_routes: Route[];
  virtual_rules: Rule[];
  no_virtual_ipaddress: boolean;
  promote_secondaries: boolean;
  /** Seconds. */
  garp_master_delay: number;
  garp_master_repeat: number;
  /** Seconds; 0: no refresh. */
  garp_master_refresh: number;
  garp_master_refresh_repeat: number;
  /** Seconds. */
  garp_lower_prio_delay: number;
  garp_lower_prio_repeat: number;
  garp_extra_if?: GarpExtraIf;
  lower_prio_no_advert: boolean;
  higher_prio_send_advert: boolean;
  owner_ignore_adverts: boolean;
  down_timer_adverts: number;
  /** Highest priority of the other routers (timer_expired_backup); only with nopreempt. */
  timer_expired_backup?: number;
  use_vmac?: UseVmac;
  use_vmac_addr: boolean;
  vmac_xmit_base: boolean;
  use_ipvlan?: UseIpvlan;
  native_ipv6: boolean;
  kernel_rx_buf_size?: number;
  debug: number;
  linkbeat_use_polling: boolean;
  lvs_sync_daemon_interface?: string;
  /** The vrrp_sync_group this instance belongs to. */
  sync_group?: string;
}

/** What the configuration said, before Keepalived's defaults and derivations. */
export interface InstanceRaw {
  state?: VrrpState;
  priority?: number;
  version?: 2 | 3;
  /** Microseconds, as read. */
  advert_int_us?: number;
  family?: Family;
  unicast_configured: boolean;
  saddr_from_config: boolean;
  ttl?: number;
  accept?: boolean;
  strict_mode?: boolean;
  skip_check_adv_addr?: boolean;
  check_unicast_src?: boolean;
  v3_checksum_as_v2?: boolean;
  garp_master_delay?: number;
  garp_master_repeat?: number;
  garp_master_refresh?: number;
  garp_master_refresh_repeat?: number;
  garp_lower_prio_delay?: number;
  garp_lower_prio_repeat?: number;
  lower_prio_no_advert?: boolean;
  higher_prio_send_advert?: boolean;
  owner_ignore_adverts?: boolean;
  down_timer_adverts?: number;
  smtp_alert?: boolean;
  notify_priority_changes?: boolean;
  auth_type?: 'PASS' | 'AH';
  auth_pass?: string;
  auth_pos?: SourcePos;
  time_window?: number;
  /** Where each keyword was last seen, for messages about it after the block is read. */
  at: Partial<Record<string, SourcePos>>;
}

const raws = new WeakMap<VrrpInstance, InstanceRaw>();

export function instanceRaw(inst: VrrpInstance): InstanceRaw {
  let r = raws.get(inst);
  if (!r) {
    r = { unicast_configured: false, saddr_from_config: false, at: {} };
    raws.set(inst, r);
  }
  return r;
}

/**
 * A new instance with Keepalived's static defaults (alloc_vrrp()). Fields Keepalived derives
 * later hold placeholders until vrrp-finish.ts sets them.
 */
export function newVrrpInstance(name: string, pos: SourcePos): VrrpInstance {
  const inst: VrrpInstance = {
    name,
    pos,
    state: 'BACKUP',
    family: 'inet',
    version: 2,
    virtual_router_id: 0,
    priority: 100,
    advert_int: 1,
    dont_track_primary: false,
    track_interface: [],
    track_script: [],
    track_file: [],
    track_process: [],
    track_bfd: [],
    track_src_ip: false,
    unicast_peer: [],
    unicast: false,
    unicast_fault_no_peer: false,
    check_unicast_src: false,
    v3_checksum_as_v2: false,
    accept: true,
    nopreempt: false,
    preempt_delay: 0,
    skip_check_adv_addr: false,
    strict_mode: false,
    notify_deleted: false,
    notify_priority_changes: false,
    smtp_alert: false,
    virtual_ipaddress: [],
    virtual_ipaddress_excluded: [],
    virtual_routes: [],
    virtual_rules: [],
    no_virtual_ipaddress: false,
    promote_secondaries: false,
    garp_master_delay: 5,
    garp_master_repeat: 5,
    garp_master_refresh: 0,
    garp_master_refresh_repeat: 1,
    garp_lower_prio_delay: 5,
    garp_lower_prio_repeat: 5,
    lower_prio_no_advert: false,
    higher_prio_send_advert: false,
    owner_ignore_adverts: false,
    down_timer_adverts: 3,
    use_vmac_addr: false,
    vmac_xmit_base: false,
    native_ipv6: false,
    debug: 0,
    linkbeat_use_polling: false,
  };
  instanceRaw(inst);
  return inst;
}
