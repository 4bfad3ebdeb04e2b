/**
 * Per-interface root blocks (Keepalived vrrp/vrrp_parser.c):
 * - linkbeat_interfaces (keepalived.conf(5) "Linkbeat interfaces"): poll these interfaces' link
 *   state (MII, ETHTOOL or IOCTL) instead of trusting netlink;
 * - interface_up_down_delays ("Interface up/down status change debouncing"): how long a link
 *   state change must last before VRRP instances react.
 *
 * Keepalived rejects interfaces that do not exist (unless dynamic_interfaces); that needs the
 * host, so it is checked by the daemon, not here.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';

export type LinkbeatType = 'MII' | 'ETHTOOL' | 'IOCTL';

export interface LinkbeatInterface {
  interface: string;
  /** Absent: try each method in turn, as Keepalived does. */
  type?: LinkbeatType;
  pos: SourcePos;
}

export interface InterfaceUpDownDelay {
  interface: string;
  /** Seconds (microsecond resolution), 0..255. */
  down_delay: number;
  up_delay: number;
  pos: SourcePos;
}

const LINKBEAT_TYPES: readonly string[] = ['MII', 'ETHTOOL', 'IOCTL'];

export function readLinkbeatInterfaces(node: ConfNode, cx: Cx): LinkbeatInterface[] {
  if (node.args.length > 0) cx.warn(node, `Block linkbeat_interfaces has extra parameters ${node.args.join(' ')} ...`);
  const out: LinkbeatInterface[] = [];
  for (const line of node.block ?? []) {
    const [type, ...extra] = line.args;
    const item: LinkbeatInterface = { interface: line.keyword, pos: line.pos };
    if (type !== undefined) {
      // Keepalived still polls the interface, choosing the method itself.
      if (LINKBEAT_TYPES.includes(type)) item.type = type as LinkbeatType;
      if (!LINKBEAT_TYPES.includes(type) || extra.length > 0) cx.error(line, `extra characters ${type} in linkbeat interface`);
    }
    out.push(item);
  }
  return out;
}

export function readInterfaceUpDownDelays(node: ConfNode, cx: Cx): InterfaceUpDownDelay[] {
  if (node.args.length > 0) cx.warn(node, `Block interface_up_down_delays has extra parameters ${node.args.join(' ')} ...`);
  const out: InterfaceUpDownDelay[] = [];
  for (const line of node.block ?? []) {
    if (line.args.length === 0) {
      cx.warn(line, `No timeouts specified for ${line.keyword} up/down delays`);
      continue;
    }
    if (line.args.length > 2) cx.warn(line, `Too many parameters for ${line.keyword} up/down delays`);
    const down = cx.seconds(line, 0, 255, 0);
    if (down === undefined) continue;
    // Keepalived's source sets an omitted up delay to 0 (its man page says "the same as the
    // down delay"; the code is what runs).
    const up = line.args.length > 1 ? cx.seconds(line, 0, 255, 1) : 0;
    if (up === undefined) continue;
    out.push({ interface: line.keyword, down_delay: down, up_delay: up, pos: line.pos });
  }
  return out;
}
