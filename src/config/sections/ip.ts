/**
 * The address, route and rule lines shared by virtual_ipaddress(_excluded), virtual_routes,
 * virtual_rules and static_ipaddress / static_routes / static_rules (keepalived.conf(5),
 * Keepalived vrrp/vrrp_ipaddress.c, vrrp_iproute.c, vrrp_iprule.c).
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { parsePrefix, type Family } from '../values.js';

export interface IpAddress {
  pos: SourcePos;
  address: string;
  prefixlen: number;
  family: Family;
  dev?: string;
}

export interface Route {
  pos: SourcePos;
  to: string;
}

export interface Rule {
  pos: SourcePos;
}

/** One line of an address block: `ADDR[/LEN] [dev IF] [brd X] [scope S] [label L] ...`. */
export function readIpAddressLine(node: ConfNode, cx: Cx): IpAddress | undefined {
  const p = parsePrefix(node.keyword);
  if (typeof p === 'string') {
    cx.error(node, p);
    return undefined;
  }
  return { pos: node.pos, address: p.address, prefixlen: p.prefixlen, family: p.family };
}

/** One line of a route block. */
export function readRouteLine(node: ConfNode, cx: Cx): Route | undefined {
  void cx;
  return { pos: node.pos, to: node.keyword };
}

/** One line of a rule block. */
export function readRuleLine(node: ConfNode, cx: Cx): Rule | undefined {
  void cx;
  return { pos: node.pos };
}
