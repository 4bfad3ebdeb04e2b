/**
 * After all sections are read: references between sections and Keepalived's derived values.
 * Each part lives with its section; this only fixes the order.
 */
import type { ConfigDraft } from './model.js';
import type { Cx } from './schema.js';

export function finishConfig(draft: ConfigDraft, cx: Cx): void {
  void draft;
  void cx;
}
