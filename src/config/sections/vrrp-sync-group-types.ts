/**
 * The model of a vrrp_sync_group (keepalived.conf(5) "VRRP synchronization group(s)"), apart
 * from its reader (vrrp-sync-group.ts) so that config/model.ts can name it without importing a
 * reader that itself needs the model's ConfigDraft.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Script } from '../values.js';
import type { TrackedInterface, TrackedObject } from './vrrp-instance-types.js';

export interface SyncGroupMember {
  name: string;
  pos: SourcePos;
}

export interface SyncGroup {
  name: string;
  pos: SourcePos;
  /** The member instances, as resolved: unknown names and names already in a group are dropped. */
  group: string[];
  /** Every name of the group block with its line, as written. */
  members: SyncGroupMember[];
  track_interface: TrackedInterface[];
  track_script: TrackedObject[];
  track_file: TrackedObject[];
  track_process: TrackedObject[];
  track_bfd: TrackedObject[];
  notify_master?: Script;
  notify_backup?: Script;
  notify_fault?: Script;
  notify_stop?: Script;
  notify?: Script;
  smtp_alert: boolean;
  /** Members keep the weights of their own tracked objects (also set by global_tracking). */
  sync_group_tracking_weight: boolean;
  /** As configured; members without their own setting inherit it. */
  notify_priority_changes?: boolean;
}
