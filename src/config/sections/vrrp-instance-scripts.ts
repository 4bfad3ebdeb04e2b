/**
 * vrrp_instance keywords of what the instance watches and whom it tells: tracked interfaces,
 * scripts, files, processes and BFD (their priority weights), and the notify scripts, SMTP alerts
 * and priority-change notices run on its state changes (Keepalived vrrp/vrrp_parser.c).
 */
import type { KeywordTable } from '../schema.js';
import { readScript, type Script } from '../values.js';
import { readTrackInterfaces, readTrackObjects, trackTargets } from './vrrp-instance-track.js';
import { block, flag, optBool, type H, type Reading } from './vrrp-instance-reading.js';

/** notify_* (one script each; a second one is reported and ignored). */
function notifyHandler(key: 'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify' | 'notify_master_rx_lower_pri'): H {
  return ({ inst }, node, cx) => {
    if (inst[key]) {
      cx.error(node, `(${inst.name}) ${key === 'notify' ? 'notify' : key} script already specified - ignoring ${node.args[0] ?? ''}`);
      return;
    }
    const s = readScript(cx, node);
    if (s) inst[key] = s;
  };
}

function trackObjects(kind: 'script' | 'file' | 'process' | 'bfd', key: 'track_script' | 'track_file' | 'track_process' | 'track_bfd'): H {
  return ({ inst, draft }, node, cx) => readTrackObjects(inst.name, kind, node, cx, trackTargets(draft, kind), inst[key]);
}

export const scriptKeywords: KeywordTable<Reading> = {
  dont_track_primary: flag((r) => void (r.inst.dont_track_primary = true)),
  track_interface: { block, run: (r, node, cx) => readTrackInterfaces(r.inst.name, node, cx, r.inst.track_interface) },
  track_script: { block, run: trackObjects('script', 'track_script') },
  track_file: { block, run: trackObjects('file', 'track_file') },
  track_process: { block, run: trackObjects('process', 'track_process') },
  track_bfd: { block, run: trackObjects('bfd', 'track_bfd') },
  notify_backup: notifyHandler('notify_backup'),
  notify_master: notifyHandler('notify_master'),
  notify_fault: notifyHandler('notify_fault'),
  notify_stop: notifyHandler('notify_stop'),
  notify: notifyHandler('notify'),
  notify_master_rx_lower_pri: notifyHandler('notify_master_rx_lower_pri'),
  notify_deleted: ({ inst }, node, cx) => {
    if (inst.notify_deleted) {
      cx.error(node, `(${inst.name}) notify_deleted already specified - ignoring ${node.args[0] ?? ''}`);
      return;
    }
    if (node.args.length > 0) {
      const s: Script | undefined = readScript(cx, node);
      if (s) inst.notify_deleted_script = s;
    }
    inst.notify_deleted = true;
  },
  smtp_alert: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `Invalid vrrp_instance smtp_alert parameter ${w}`);
    if (v !== undefined) r.raw.smtp_alert = v;
  },
  notify_priority_changes: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) Invalid value '${w}' for notify_priority_changes specified`);
    if (v !== undefined) r.raw.notify_priority_changes = v;
  },
};
