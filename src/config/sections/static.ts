/**
 * static_ipaddress, static_routes, static_rules (keepalived.conf(5) "Static routes/addresses/rules").
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface IpAddress {
  pos: SourcePos;
  address: string;
  prefixlen: number;
}

export interface Route {
  pos: SourcePos;
  to: string;
}

export interface Rule {
  pos: SourcePos;
}

export function readStaticAddresses(node: ConfNode, cx: Cx): IpAddress[] {
  void cx;
  return (node.block ?? []).map((n) => ({ pos: n.pos, address: n.keyword, prefixlen: 32 }));
}

export function readStaticRoutes(node: ConfNode, cx: Cx): Route[] {
  void cx;
  return (node.block ?? []).map((n) => ({ pos: n.pos, to: n.keyword }));
}

export function readStaticRules(node: ConfNode, cx: Cx): Rule[] {
  void cx;
  return (node.block ?? []).map((n) => ({ pos: n.pos }));
}
