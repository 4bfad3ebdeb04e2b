/**
 * The typed configuration model: what every other part of keepalived-ts reads.
 *
 * Keys are named after Keepalived's keywords; Keepalived's defaults and derived values are
 * already applied; every object read from a block or line keeps `pos` (file and line). The loaded
 * model is deeply frozen.
 */
import type { DeepReadonly } from './schema.js';
import type { GlobalDefs } from './sections/global.js';
import type { VirtualServer, VirtualServerGroup } from './sections/lvs.js';
import type { IpAddress, Route, Rule } from './sections/static.js';
import type { VrrpInstance } from './sections/vrrp-instance.js';
import type { SyncGroup } from './sections/vrrp-sync-group.js';
import type { TrackFile, TrackProcess, VrrpScript } from './sections/vrrp-track.js';

export type { GlobalDefs } from './sections/global.js';
export type { RealServer, VirtualServer, VirtualServerGroup } from './sections/lvs.js';
export type { IpAddress, Route, Rule } from './sections/static.js';
export type { VrrpInstance } from './sections/vrrp-instance.js';
export type { SyncGroup } from './sections/vrrp-sync-group.js';
export type { TrackFile, TrackProcess, VrrpScript } from './sections/vrrp-track.js';
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
  linkbeat_interfaces: string[];
  static_ipaddress: IpAddress[];
  static_routes: Route[];
  static_rules: Rule[];
  vrrp_script: VrrpScript[];
  track_file: TrackFile[];
  vrrp_track_process: TrackProcess[];
  vrrp_sync_group: SyncGroup[];
  vrrp_instance: VrrpInstance[];
  virtual_server_group: VirtualServerGroup[];
  virtual_server: VirtualServer[];
}

export type KeepalivedConfig = DeepReadonly<ConfigDraft>;
