/**
 * After all sections are read: references between sections and Keepalived's derived values.
 * Each part lives with its section; this only fixes the order.
 */
import type { ConfigDraft } from './model.js';
import type { Cx } from './schema.js';
import { finishGlobalDefs } from './sections/global.js';
import { finishLvs } from './sections/lvs-finish.js';
import { finishStatic } from './sections/static.js';
import { finishTrackGroups } from './sections/track-group.js';
import { finishVrrp } from './sections/vrrp-finish.js';

export function finishConfig(draft: ConfigDraft, cx: Cx): void {
  finishGlobalDefs(draft.global_defs);
  finishTrackGroups(draft, cx);
  finishStatic(draft, cx);
  finishVrrp(draft, cx);
  finishLvs(draft, cx);
  void draft;
  void cx;
}
