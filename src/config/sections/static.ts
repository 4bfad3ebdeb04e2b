/**
 * static_ipaddress, static_routes, static_rules (keepalived.conf(5) "Static routes/addresses/rules").
 */
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readIpAddressLine, readRouteLine, readRuleLine, type IpAddress, type Route, type Rule } from './ip.js';

export type { IpAddress, Route, Rule } from './ip.js';

function readLines<T>(node: ConfNode, cx: Cx, read: (n: ConfNode, cx: Cx) => T | undefined): T[] {
  const out: T[] = [];
  for (const line of node.block ?? []) {
    const item = read(line, cx);
    if (item !== undefined) out.push(item);
  }
  return out;
}

export function readStaticAddresses(node: ConfNode, cx: Cx): IpAddress[] {
  return readLines(node, cx, readIpAddressLine);
}

export function readStaticRoutes(node: ConfNode, cx: Cx): Route[] {
  return readLines(node, cx, readRouteLine);
}

export function readStaticRules(node: ConfNode, cx: Cx): Rule[] {
  return readLines(node, cx, readRuleLine);
}
