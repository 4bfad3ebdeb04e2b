/**
 * The typed configuration model: what every other part of keepalived-ts reads.
 *
 * Keys are named after Keepalived's keywords; Keepalived's defaults and derived values are
 * already applied; every object read from a block or line keeps `pos` (file and line). The loaded
 * model is deeply frozen.
 */
import type { DeepReadonly } from './schema.js';
import type { BfdInstance } from './sections/bfd.js';
import type { GarpGroup } from './sections/garp-group.js';
import type { GlobalDefs } from './sections/global.js';
import type { InterfaceUpDownDelay, LinkbeatInterface } from './sections/interfaces.js';
import type { VirtualServer, VirtualServerGroup } from './sections/lvs.js';
import type { SslConfig } from './sections/ssl.js';
import type { IpAddress, Route, Rule } from './sections/static.js';
import type { VrrpInstance } from './sections/vrrp-instance-types.js';
import type { SyncGroup } from './sections/vrrp-sync-group-types.js';
import type { TrackGroup } from './sections/track-group.js';
import type { TrackFile, TrackProcess, VrrpScript } from './sections/vrrp-track.js';

export type { BfdInstance } from './sections/bfd.js';
export type { GlobalDefs } from './sections/global.js';
export type { InterfaceUpDownDelay, LinkbeatInterface } from './sections/interfaces.js';
export type { Checker, RealServer, SorryServer, VirtualServer, VirtualServerGroup } from './sections/lvs.js';
export type { SslConfig } from './sections/ssl.js';
export type { IpAddress, Route, Rule } from './sections/static.js';
export type { VrrpInstance } from './sections/vrrp-instance-types.js';
export type { SyncGroup } from './sections/vrrp-sync-group-types.js';
export type { TrackFile, TrackProcess, VrrpScript } from './sections/vrrp-track.js';
export type { GarpGroup } from './sections/garp-group.js';
export type { TrackGroup } from './sections/track-group.js';
export type { IpPrefix, Nexthop, RouteEncap } from './sections/ip.js';
export type { Script } from './values.js';

export interface ConfigDraft {
  global_defs: GlobalDefs;
  /** Top-level options Keepalived takes outside global_defs. */
  net_namespace?: string;
  net_namespace_ipvs?: string;
  namespace_with_ipsets?: boolean;
  use_pid_dir?: boolean;
  instance?: string;
  child_wait_time?: number;
  linkbeat_use_polling?: boolean;
  linkbeat_interfaces: LinkbeatInterface[];
  interface_up_down_delays: InterfaceUpDownDelay[];
  bfd_instance: BfdInstance[];
  static_ipaddress: IpAddress[];
  static_routes: Route[];
  static_rules: Rule[];
  track_group: TrackGroup[];
  garp_group: GarpGroup[];
  vrrp_script: VrrpScript[];
  track_file: TrackFile[];
  vrrp_track_process: TrackProcess[];
  vrrp_sync_group: SyncGroup[];
  vrrp_instance: VrrpInstance[];
  /** The root `SSL { }` block (SSL_GET client context). */
  SSL?: SslConfig;
  virtual_server_group: VirtualServerGroup[];
  virtual_server: VirtualServer[];
}

export type KeepalivedConfig = DeepReadonly<ConfigDraft>;
