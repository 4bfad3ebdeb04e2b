/**
 * vrrp_instance (keepalived.conf(5) "VRRP instance(s)"; Keepalived vrrp/vrrp_parser.c).
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface VrrpInstance {
  name: string;
  pos: SourcePos;
  interface?: string;
  virtual_router_id?: number;
  priority: number;
}

export function newVrrpInstance(name: string, pos: SourcePos): VrrpInstance {
  return { name, pos, priority: 100 };
}

export const vrrpInstanceTable: KeywordTable<VrrpInstance> = {};

export function readVrrpInstance(node: ConfNode, cx: Cx): VrrpInstance | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const inst = newVrrpInstance(name, node.pos);
  cx.apply(inst, node.block, vrrpInstanceTable);
  return inst;
}
