/**
 * The state of one route line being read (Keepalived vrrp_iproute.c alloc_route()'s locals): the
 * words, the family agreed so far, the route filling in, and `fail()` for Keepalived's `goto err`.
 * The helpers read the value forms route options share: u32 numbers, `lock`, rtt-style times.
 */
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';
import { parseUnsigned, RTPROT_KEEPALIVED, Words, type RouteTarget } from './ip-words.js';
import type { Lockable, Route } from './ip-route-types.js';

const RT_TABLE_MAIN = 254;

/** Reading one route; `fail()` drops it (Keepalived's `goto err`). */
export class RouteReader {
  readonly w: Words;
  family: Family | undefined;
  dst: RouteTarget | undefined;
  dest = '';
  failed = false;
  protocolSet = false;
  readonly r: Omit<Route, 'family' | 'to'>;

  constructor(
    readonly node: ConfNode,
    readonly cx: Cx,
  ) {
    this.w = new Words(node, cx);
    this.r = {
      pos: node.pos,
      type: 'unicast',
      table: RT_TABLE_MAIN,
      scope: 0,
      protocol: RTPROT_KEEPALIVED,
      onlink: false,
      features: [],
      lock: [],
      install: 'prepend',
      nexthop: [],
      no_track: false,
    };
  }

  fail(message: string): undefined {
    this.cx.error(this.node, message);
    this.failed = true;
    return undefined;
  }

  /** Agrees the line's family with `f`; false (after reporting) on a mix. */
  setFamily(f: Family | undefined, message = 'Cannot mix IPv4 and IPv6 addresses for route'): boolean {
    if (f === undefined) return true;
    if (this.family === undefined) this.family = f;
    else if (this.family !== f) {
      this.fail(message);
      return false;
    }
    return true;
  }

  /** A u32-style value: `what` names it in Keepalived's message "Invalid W V specified for route". */
  num(keyword: string, max: number, what: string): number | undefined {
    const v = this.w.take(keyword);
    if (v === undefined) return undefined;
    const n = parseUnsigned(v, max);
    if (n === undefined) return this.fail(`Invalid ${what} ${v} specified for route`);
    return n;
  }

  locked(keyword: Lockable): void {
    if (this.w.peek() === 'lock') {
      this.w.next();
      this.r.lock.push(keyword);
    }
  }

  /** rtt/rttvar/rto_min: `N` in the kernel's units (1/unitsPerMs ms), or `Ns`/`Nms`. */
  time(keyword: 'rtt' | 'rttvar' | 'rto_min', unitsPerMs: number): number | undefined {
    this.locked(keyword);
    const v = this.w.take(keyword);
    if (v === undefined) return undefined;
    const m = /^(\d+(?:\.\d*)?|\.\d+)(s|sec|secs|ms|msec|msecs)?$/i.exec(v);
    const label = keyword === 'rto_min' ? 'rto_min value' : keyword;
    if (!m) return this.fail(`Invalid ${label} ${v} for route`);
    const n = Number(m[1]);
    const unit = m[2]?.toLowerCase();
    if (unit === undefined) return n / unitsPerMs / 1000;
    return unit.startsWith('m') ? n / 1000 : n;
  }
}
