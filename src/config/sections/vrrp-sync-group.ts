/**
 * vrrp_sync_group (keepalived.conf(5) "VRRP synchronization group(s)").
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface SyncGroup {
  name: string;
  pos: SourcePos;
  group: string[];
}

export const syncGroupTable: KeywordTable<SyncGroup> = {};

export function readSyncGroup(node: ConfNode, cx: Cx): SyncGroup | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const g: SyncGroup = { name, pos: node.pos, group: [] };
  cx.apply(g, node.block, syncGroupTable);
  return g;
}
