/**
 * virtual_server_group, virtual_server and real_server (keepalived.conf(5) "LVS CONFIGURATION";
 * Keepalived check/check_parser.c).
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface VirtualServerGroup {
  name: string;
  pos: SourcePos;
}

export interface VirtualServer {
  pos: SourcePos;
  real_server: RealServer[];
}

export interface RealServer {
  pos: SourcePos;
  ip: string;
  port: number;
}

export const virtualServerGroupTable: KeywordTable<VirtualServerGroup> = {};
export const virtualServerTable: KeywordTable<VirtualServer> = {};

export function readVirtualServerGroup(node: ConfNode, cx: Cx): VirtualServerGroup | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const g: VirtualServerGroup = { name, pos: node.pos };
  cx.apply(g, node.block, virtualServerGroupTable);
  return g;
}

export function readVirtualServer(node: ConfNode, cx: Cx): VirtualServer | undefined {
  const vs: VirtualServer = { pos: node.pos, real_server: [] };
  cx.apply(vs, node.block, virtualServerTable);
  return vs;
}
