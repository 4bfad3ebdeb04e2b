/**
 * The address, route and rule lines shared by virtual_ipaddress(_excluded), virtual_routes,
 * virtual_rules and static_ipaddress / static_routes / static_rules (keepalived.conf(5),
 * Keepalived vrrp/vrrp_ipaddress.c alloc_ipaddress(), vrrp_iproute.c alloc_route(),
 * vrrp_iprule.c alloc_rule()).
 *
 * This file reads address lines; routes and rules live in ip-route.ts and ip-rule.ts and are
 * re-exported here so that sections import one module. What Keepalived checks against the host
 * (does the interface exist, the default interface, /etc/iproute2 names) is not checked here.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';
import { findScope, parseIp, parseUnsigned, U32_MAX, Words } from './ip-words.js';

export { readRouteLine, type Nexthop, type Route, type RouteEncap } from './ip-route.js';
export { readRuleLine, type Rule } from './ip-rule.js';
export type { IpPrefix } from './ip-words.js';

export interface IpAddress {
  pos: SourcePos;
  address: string;
  prefixlen: number;
  family: Family;
  /** Absent: the VRRP instance's interface (VIPs) or the default interface (static). */
  dev?: string;
  /** rt_scope number; 0 (global) unless `scope` says otherwise. Always 0 for IPv6. */
  scope: number;
  /** `brd` / `broadcast`, with `+`/`-` already resolved to an address (IPv4 only). */
  broadcast?: string;
  /** IPv4 only; at most 15 characters. */
  label?: string;
  /** With a peer, prefixlen is the host length. */
  peer?: string;
  home: boolean;
  nodad: boolean;
  mngtmpaddr: boolean;
  noprefixroute: boolean;
  autojoin: boolean;
  no_track: boolean;
  /** VIPs only. */
  use_vmac: boolean;
  /** Seconds. IPv6 default as Keepalived: 0 (deprecated) for a /128, otherwise forever. */
  preferred_lft: number | 'forever';
  /** Static addresses only: the track_group whose instances go to fault when it is lost. */
  track_group?: string;
}

/** `static`: a static_ipaddress line (track_group allowed, use_vmac not); otherwise a VIP/eVIP. */
export type IpLineKind = 'static' | 'virtual';

const IFNAMSIZ = 16;

/** One line of an address block: `ADDR[/LEN] [dev IF] [brd X] [scope S] [label L] ...`. */
export function readIpAddressLine(node: ConfNode, cx: Cx, kind: IpLineKind = 'virtual'): IpAddress | undefined {
  const w = new Words(node, cx, (keyword, first) => `No ${keyword} parameter specified for ${first}`);
  const first = w.next()!;
  const ip = parseIp(cx, node, first, true);
  if (!ip) return undefined;
  const a: IpAddress = {
    pos: node.pos,
    address: ip.address,
    prefixlen: ip.prefixlen,
    family: ip.family,
    scope: 0,
    home: false,
    nodad: false,
    mngtmpaddr: false,
    noprefixroute: false,
    autojoin: false,
    no_track: false,
    use_vmac: false,
    preferred_lft: 'forever',
  };
  let brd: string | undefined;
  let preferredSet = false;
  while (!w.done) {
    const word = w.next()!;
    switch (word) {
      case 'dev': {
        const v = w.take(word);
        if (v === undefined) break;
        if (a.dev !== undefined) {
          cx.error(node, `Cannot specify ipaddress device more than once for ${first}`);
          return undefined;
        }
        a.dev = v;
        break;
      }
      case 'scope': {
        const v = w.take(word);
        if (v === undefined) break;
        const s = findScope(v);
        if (s === undefined) cx.warn(node, `Invalid scope '${v}' specified for ${first} - ignoring`);
        else a.scope = s;
        break;
      }
      case 'brd':
      case 'broadcast': {
        const v = w.take(word);
        if (v === undefined) break;
        if (a.family === 'inet6') {
          cx.error(node, `VRRP is trying to assign a broadcast ${v} to the IPv6 address ${first} !!?? WTF... skipping VIP...`);
          return undefined;
        }
        if (v !== '+' && v !== '-' && !parseIpv4(v)) {
          cx.error(node, `VRRP is trying to assign invalid broadcast ${v}. skipping VIP...`);
          return undefined;
        }
        brd = v;
        break;
      }
      case 'label': {
        const v = w.take(word);
        if (v === undefined) break;
        if (v.length >= IFNAMSIZ) {
          cx.error(node, `Address label ${v} is longer than maximum length ${IFNAMSIZ - 1} - removing address`);
          return undefined;
        }
        a.label = v;
        break;
      }
      case 'peer': {
        const v = w.take(word);
        if (v === undefined) break;
        if (a.peer !== undefined) {
          cx.warn(node, `Peer ${v} - another peer has already been specified`);
          break;
        }
        const p = parseIp(cx, node, v, false);
        if (!p) cx.warn(node, `Invalid peer address ${v}`);
        else if (p.family !== a.family) cx.warn(node, `Peer address ${v} does not match address family`);
        else {
          if (ip.hasPrefix && ip.prefixlen !== (a.family === 'inet6' ? 128 : 32)) {
            cx.warn(node, 'Cannot specify address prefix when specifying peer address - ignoring');
          }
          a.peer = p.address;
          a.prefixlen = p.prefixlen;
        }
        break;
      }
      case 'home':
        a.home = true;
        break;
      case '-nodad':
        a.nodad = true;
        break;
      case 'mngtmpaddr':
        a.mngtmpaddr = true;
        break;
      case 'noprefixroute':
        a.noprefixroute = true;
        break;
      case 'autojoin':
        a.autojoin = true;
        break;
      case 'no_track':
        a.no_track = true;
        break;
      case 'preferred_lft': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = v === 'forever' ? 'forever' : parseUnsigned(v, U32_MAX);
        if (n === undefined) cx.warn(node, `preferred_lft ${v} is invalid`);
        else {
          a.preferred_lft = n === U32_MAX ? 'forever' : n;
          preferredSet = true;
        }
        break;
      }
      default:
        if (kind === 'static' && word === 'track_group') {
          const g = w.trackGroup(a.track_group);
          if (g !== undefined) a.track_group = g;
        } else if (kind === 'virtual' && word === 'use_vmac') {
          a.use_vmac = true;
        } else {
          cx.warn(node, `Unknown configuration entry '${word}' for ip address - ignoring`);
        }
    }
  }
  if (w.missing) return undefined;

  if (brd !== undefined && a.peer !== undefined) {
    cx.warn(node, 'Cannot specify broadcast and peer addresses - ignoring broadcast address');
  } else if (brd === '+' || brd === '-') {
    if (a.prefixlen <= 30) a.broadcast = broadcastOf(a.peer ?? a.address, a.prefixlen, brd === '+');
    else cx.warn(node, `Address prefix length ${a.prefixlen} too long for broadcast`);
  } else if (brd !== undefined) {
    a.broadcast = brd;
  }

  if (a.family === 'inet6') {
    if (a.scope !== 0) {
      cx.warn(node, `Cannot specify scope for IPv6 addresses (${first}) - ignoring scope`);
      a.scope = 0;
    }
    if (a.label !== undefined) {
      cx.warn(node, `Cannot specify label for IPv6 addresses (${first}) - ignoring label`);
      delete a.label;
    }
    if (!preferredSet) a.preferred_lft = a.prefixlen === 128 ? 0 : 'forever';
  }
  return a;
}

function parseIpv4(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** `brd +` sets, `brd -` clears the host bits of the address (ip-address(8)). */
function broadcastOf(address: string, prefixlen: number, set: boolean): string {
  const n = parseIpv4(address)!.reduce((acc, p) => acc * 256 + p, 0);
  const host = 2 ** (32 - prefixlen) - 1;
  const net = n - (n % (host + 1));
  const b = set ? net + host : net;
  return [24, 16, 8, 0].map((s) => Math.floor(b / 2 ** s) % 256).join('.');
}
