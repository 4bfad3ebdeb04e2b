/**
 * static_ipaddress, static_routes, static_rules (keepalived.conf(5) "Static routes/addresses/rules")
 * and the cross-check of their track_group against the track_group blocks.
 *
 * Static lines take `track_group` (VIP/virtual route lines do not) and VIP-only `use_vmac` is
 * refused. Keepalived looks a track_group up as it reads the line, so it must come first there;
 * we check after the whole file is read and report at the line that names it.
 */
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readIpAddressLine, readRouteLine, readRuleLine, type IpAddress, type Route, type Rule } from './ip.js';

export type { IpAddress, Route, Rule } from './ip.js';

function readLines<T>(node: ConfNode, cx: Cx, read: (n: ConfNode, cx: Cx) => T | undefined): T[] {
  const out: T[] = [];
  for (const line of node.block ?? []) {
    if (line.block) cx.error(line, `${line.keyword}: unexpected '{' in ${node.keyword}`);
    const item = read(line, cx);
    if (item !== undefined) out.push(item);
  }
  return out;
}

export function readStaticAddresses(node: ConfNode, cx: Cx): IpAddress[] {
  return readLines(node, cx, (n, c) => readIpAddressLine(n, c, 'static'));
}

export function readStaticRoutes(node: ConfNode, cx: Cx): Route[] {
  return readLines(node, cx, (n, c) => readRouteLine(n, c, 'static'));
}

export function readStaticRules(node: ConfNode, cx: Cx): Rule[] {
  return readLines(node, cx, (n, c) => readRuleLine(n, c, 'static'));
}

/**
 * Drops a track_group that names no track_group block, that cannot be tracked (no interface), or
 * that no_track contradicts, in the order Keepalived checks them.
 */
export function finishStatic(
  draft: { track_group: readonly { name: string }[]; static_ipaddress: IpAddress[]; static_routes: Route[]; static_rules: Rule[] },
  cx: Cx,
): void {
  const groups = new Set(draft.track_group.map((g) => g.name));
  type Tracked = { pos: ConfNode['pos']; track_group?: string; no_track: boolean };
  const check = <T extends Tracked>(what: string, items: T[], noInterface?: (item: T) => string | undefined) => {
    for (const item of items) {
      if (item.track_group === undefined) continue;
      const why = noInterface?.(item);
      if (!groups.has(item.track_group)) cx.warn(item.pos, `track_group ${item.track_group} not found`);
      else if (why !== undefined) cx.warn(item.pos, why);
      else if (item.no_track) cx.warn(item.pos, `Static ${what} has both track_group and no_track set - not tracking`);
      else continue;
      delete item.track_group;
    }
  };
  check('address', draft.static_ipaddress);
  check('route', draft.static_routes, (r) => (r.dev === undefined ? 'Static route cannot have track group if no oif specified' : undefined));
  check('rule', draft.static_rules, (r) => (r.iif === undefined ? 'Static rule cannot have track_group if dev/iif not specified' : undefined));
}
