/**
 * vrrp_sync_group (keepalived.conf(5) "VRRP synchronization group(s)"; Keepalived
 * vrrp/vrrp_parser.c, vrrp/vrrp_sync.c).
 *
 * Members are names of vrrp_instances; they are resolved in vrrp-finish.ts, after every instance
 * is read (Keepalived does it in vrrp_complete_init(), so order does not matter there).
 */
import { byName } from '../name-index.js';
import type { ConfigDraft } from '../model.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readScript } from '../values.js';
import { optBool } from './vrrp-instance-reading.js';
import { readTrackInterfaces, readTrackObjects, trackTargets } from './vrrp-instance-track.js';
import type { SyncGroup } from './vrrp-sync-group-types.js';

/** What was configured before defaults: smtp_alert is settled in vrrp-finish.ts. */
const configuredSmtp = new WeakMap<SyncGroup, boolean>();

export function syncGroupSmtpAlert(g: SyncGroup): boolean | undefined {
  return configuredSmtp.get(g);
}

interface Reading {
  readonly g: SyncGroup;
  readonly draft: ConfigDraft | undefined;
  hadGroup: boolean;
}

const block = 'required' as const;

function notify(key: 'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify') {
  return ({ g }: Reading, node: ConfNode, cx: Cx) => {
    if (g[key]) {
      cx.error(node, `vrrp group ${g.name}: ${key === 'notify' ? 'notify' : key} script already specified - ignoring ${node.args[0] ?? ''}`);
      return;
    }
    const s = readScript(cx, node);
    if (s) g[key] = s;
  };
}

function track(kind: 'script' | 'file' | 'process' | 'bfd', key: 'track_script' | 'track_file' | 'track_process' | 'track_bfd') {
  return ({ g, draft }: Reading, node: ConfNode, cx: Cx) => readTrackObjects(g.name, kind, node, cx, trackTargets(draft, kind), g[key]);
}

export const syncGroupTable: KeywordTable<Reading> = {
  group: {
    block,
    run: (r, node, cx) => {
      if (r.hadGroup) {
        cx.error(node, `Group list already specified for sync group ${r.g.name}`);
        return;
      }
      r.hadGroup = true;
      for (const line of node.block ?? []) {
        for (const name of [line.keyword, ...line.args]) r.g.members.push({ name, pos: line.pos });
      }
      if (r.g.members.length === 0) cx.error(node.end ?? node.pos, `Warning - sync group ${r.g.name} has empty group block`);
    },
  },
  track_interface: { block, run: ({ g }, node, cx) => readTrackInterfaces(g.name, node, cx, g.track_interface) },
  track_script: { block, run: track('script', 'track_script') },
  track_file: { block, run: track('file', 'track_file') },
  track_process: { block, run: track('process', 'track_process') },
  track_bfd: { block, run: track('bfd', 'track_bfd') },
  notify_backup: notify('notify_backup'),
  notify_master: notify('notify_master'),
  notify_fault: notify('notify_fault'),
  notify_stop: notify('notify_stop'),
  notify: notify('notify'),
  smtp_alert: ({ g }, node, cx) => {
    const v = optBool(node, cx, (w) => `Invalid vrrp_group smtp_alert parameter ${w}`);
    if (v !== undefined) configuredSmtp.set(g, v);
  },
  global_tracking: ({ g }, node, cx) => {
    cx.warn(node, `(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`);
    g.sync_group_tracking_weight = true;
  },
  sync_group_tracking_weight: ({ g }, node, cx) => {
    cx.noExtra(node, 0);
    g.sync_group_tracking_weight = true;
  },
  notify_priority_changes: ({ g }, node, cx) => {
    const v = optBool(node, cx, (w) => `(${g.name}) Invalid value '${w}' for sync group notify_priority_changes specified`);
    if (v !== undefined) g.notify_priority_changes = v;
  },
};

/**
 * Reads `vrrp_sync_group NAME { ... }`; a group without members is reported and dropped, as
 * Keepalived does at the end of the block.
 */
export function readSyncGroup(node: ConfNode, cx: Cx, draft?: ConfigDraft): SyncGroup | undefined {
  if (node.args.length !== 1) {
    cx.error(node, 'vrrp_sync_group must have a name - skipping');
    return undefined;
  }
  const name = node.args[0]!;
  if (draft && byName(draft.vrrp_sync_group).has(name)) {
    cx.error(node, `vrrp sync group ${name} already defined`);
    return undefined;
  }
  const g: SyncGroup = {
    name,
    pos: node.pos,
    group: [],
    members: [],
    track_interface: [],
    track_script: [],
    track_file: [],
    track_process: [],
    track_bfd: [],
    smtp_alert: false,
    sync_group_tracking_weight: false,
  };
  cx.apply<Reading>({ g, draft, hadGroup: false }, node.block, syncGroupTable);
  if (g.members.length === 0) {
    // Keepalived 2.2.7's words (newer versions say "has no members").
    cx.error(node, `Sync group ${name} has no virtual router(s). removing`);
    return undefined;
  }
  return g;
}
