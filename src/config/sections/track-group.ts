/**
 * track_group: the VRRP instances that track static addresses, routes and rules
 * (keepalived.conf(5) "Static track groups"; Keepalived vrrp_parser.c static_track_group_*).
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface TrackGroup {
  name: string;
  pos: SourcePos;
  /** Names of vrrp_instance blocks. */
  group: string[];
}

interface TrackGroupDraft extends Omit<TrackGroup, 'group'> {
  group?: string[];
}

export const trackGroupTable: KeywordTable<TrackGroupDraft> = {
  group: {
    block: 'optional',
    run: (g, n, cx) => {
      if (g.group) return cx.error(n, `Group list already specified for sync group ${g.name}`);
      // A value block: `group { A B }`, or Keepalived's one-line form `group A B`.
      const words = n.block ? cx.blockWords(n) : [...n.args];
      if (!words.length) cx.warn(n, `Warning - track group ${g.name} has empty group block`);
      else g.group = words;
    },
  },
};

export function readTrackGroup(node: ConfNode, cx: Cx, existing: readonly TrackGroup[]): TrackGroup | undefined {
  if (node.args.length !== 1) {
    cx.error(node, 'track_group must have a name - skipping');
    return undefined;
  }
  const name = node.args[0]!;
  if (existing.some((g) => g.name === name)) {
    cx.error(node, `track_group ${name} already defined`);
    return undefined;
  }
  const g: TrackGroupDraft = { name, pos: node.pos };
  cx.apply(g, node.block, trackGroupTable);
  if (!g.group) {
    cx.error(node.end ?? node.pos, `Static track group ${name} has no members - removing`);
    return undefined;
  }
  return { ...g, group: g.group };
}

/** Members must be vrrp_instance names (Keepalived drops unknown ones when it completes the config). */
export function finishTrackGroups(draft: { track_group: TrackGroup[]; vrrp_instance: readonly { name: string }[] }, cx: Cx): void {
  const instances = new Set(draft.vrrp_instance.map((i) => i.name));
  for (const g of draft.track_group) {
    g.group = g.group.filter((name) => {
      if (instances.has(name)) return true;
      cx.warn(g.pos, `track_group ${g.name} member ${name} is not a vrrp_instance - removing`);
      return false;
    });
  }
}
