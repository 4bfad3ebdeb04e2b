/**
 * Route lines of static_routes and virtual_routes: `ip route add` syntax without abbreviations
 * (keepalived.conf(5) "Static routes/addresses/rules"; Keepalived vrrp_iproute.c alloc_route()
 * and parse_nexthops(); the words of ip-route(8)).
 *
 * Where Keepalived 2.2.7 deviates from its own manual we follow the manual and say so:
 * `inet`/`inet6` there also swallow the word after them, so `inet6 default` fails.
 *
 * This is the entry point: the line's destination, addresses, table and the words that change
 * how it is installed. Metrics are ip-route-metrics.ts's, nexthops ip-route-nexthop.ts's,
 * encapsulation ip-route-encap.ts's; the types are in ip-route-types.ts.
 */
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';
import {
  findDsfield,
  findProto,
  findRealms,
  findRouteType,
  findScope,
  findTable,
  parseIp,
  parseRouteTarget,
  resolveTarget,
  routeTypeName,
  RTPROT_KEEPALIVED,
  U32_MAX,
} from './ip-words.js';
import { readEncap } from './ip-route-encap.js';
import { readRouteMetric } from './ip-route-metrics.js';
import { readNexthops } from './ip-route-nexthop.js';
import { RouteReader } from './ip-route-reader.js';
import type { Route } from './ip-route-types.js';

export type { Nexthop, Route, RouteEncap } from './ip-route-types.js';

/** One line of a route block; `static` allows track_group. */
export function readRouteLine(node: ConfNode, cx: Cx, kind: 'static' | 'virtual' = 'virtual'): Route | undefined {
  const rd = new RouteReader(node, cx);
  const { w, r } = rd;
  let doNexthop = false;
  let stop = false;
  while (!w.done && !rd.failed && !stop) {
    const word = w.next()!;
    if (readRouteMetric(rd, word)) continue;
    switch (word) {
      case 'inet':
      case 'inet6': {
        const f: Family = word;
        rd.setFamily(f, `${word} specified for ${f === 'inet' ? 'IPv6' : 'IPv4'} route`);
        break;
      }
      case 'src': {
        const v = w.take(word);
        if (v === undefined) break;
        const p = parseIp(cx, node, v, false);
        if (!p) rd.fail(`invalid route src address ${v}`);
        else if (rd.setFamily(p.family)) r.src = p.address;
        break;
      }
      case 'as': {
        if (w.take(word) === 'to') w.take('to');
        cx.warn(node, '"as to" for MPLS only - ignoring');
        break;
      }
      case 'via':
      case 'gw': {
        // "gw" is kept for configurations of older Keepalived versions.
        if (word === 'gw') cx.warn(node, '"gw" for routes is deprecated. Please use "via"');
        let v = w.take(word);
        if (v === 'inet' || v === 'inet6') {
          if (!rd.setFamily(v)) break;
          v = w.take(v);
        }
        if (v === undefined) break;
        const p = parseIp(cx, node, v, false);
        if (!p) rd.fail(`invalid route via address ${v}`);
        else if (rd.setFamily(p.family)) r.via = p.address;
        break;
      }
      case 'from': {
        const v = w.take(word);
        if (v === undefined) break;
        const t = parseRouteTarget(cx, node, v);
        if (!t) rd.fail(`invalid route from address ${v}`);
        else if (t.family !== 'inet6') rd.fail(`route from address only supported with IPv6 (${v})`);
        else if (rd.setFamily(t.family)) r.from = resolveTarget(t, 'inet6');
        break;
      }
      case 'tos':
      case 'dsfield': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findDsfield(v);
        if (n === undefined) rd.fail(`TOS value ${v} is invalid`);
        else r.tos = n;
        break;
      }
      case 'table': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findTable(v);
        if (n === undefined) rd.fail(`Routing table ${v} not found for route`);
        else r.table = n;
        break;
      }
      case 'protocol': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findProto(v);
        if (n === undefined) rd.fail(`Protocol ${v} not found or invalid for route`);
        else {
          r.protocol = n;
          rd.protocolSet = true;
        }
        break;
      }
      case 'scope': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findScope(v);
        if (n === undefined) rd.fail(`Scope ${v} not found or invalid for route`);
        else r.scope = n;
        break;
      }
      case 'metric':
      case 'priority':
      case 'preference':
        r.metric = rd.num(word, U32_MAX, 'metric');
        break;
      case 'dev':
      case 'oif':
        r.dev = w.take(word);
        break;
      case 'onlink':
        r.onlink = true;
        break;
      case 'encap': {
        const e = readEncap(rd);
        if (e) r.encap = e;
        break;
      }
      case 'realms': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findRealms(v);
        if (n === undefined) rd.fail(`Invalid realms ${v} for route`);
        else if (rd.setFamily('inet', 'realms are only valid for IPv4')) r.realms = n;
        break;
      }
      case 'add':
      case 'prepend':
      case 'append':
        r.install = word;
        break;
      case 'or': {
        // Kept by Keepalived for old configurations: `via A or B` is two nexthops.
        cx.warn(node, '"or" for routes is deprecated. Please use "nexthop"');
        const v = w.take(word);
        if (v === undefined) break;
        if (r.nexthop.length) {
          cx.warn(node, '"or" route already specified - ignoring subsequent');
          break;
        }
        const p = parseIp(cx, node, v, false);
        if (!p) {
          rd.fail(`Invalid "or" address ${v}`);
          break;
        }
        r.nexthop.push({ ...(r.via !== undefined ? { via: r.via } : {}), onlink: false }, { via: p.address, onlink: false });
        delete r.via;
        break;
      }
      case 'nexthop':
        // The nexthops run to the end of the line; after an "or" they are trailing nonsense.
        w.i--;
        stop = true;
        if (r.nexthop.length) cx.warn(node, 'Cannot specify nexthops with "or" route');
        else doNexthop = true;
        break;
      case 'no_track':
        r.no_track = true;
        break;
      case 'vrf':
        r.vrf = w.take(word);
        break;
      default: {
        if (kind === 'static' && word === 'track_group') {
          const g = w.trackGroup(r.track_group);
          if (g !== undefined) r.track_group = g;
          break;
        }
        // `[to] [TYPE] PREFIX`. As in Keepalived, a type is only recognised without `to`.
        let dest: string | undefined = word;
        if (word === 'to') dest = w.take(word);
        else {
          const type = findRouteType(word);
          if (type !== undefined) {
            r.type = routeTypeName(type);
            dest = w.take(word);
          }
        }
        if (dest === undefined) break;
        const t = parseRouteTarget(cx, node, dest);
        if (!t) {
          rd.fail(`unknown route keyword ${dest}`);
          break;
        }
        rd.dst = t;
        rd.dest = dest;
        rd.setFamily(t.family, `Cannot mix IPv4 and IPv6 addresses for route (${dest})`);
      }
    }
  }
  if (w.missing || rd.failed) return undefined;

  if (doNexthop) {
    if (!readNexthops(rd)) return undefined;
  } else if (!w.done) {
    return rd.fail(`Route has trailing nonsense - ${w.peek()}`);
  }
  if (!rd.dst) return rd.fail('Route must have a destination');

  if (!r.no_track && r.dev === undefined) {
    cx.warn(node, `Warning - cannot track route ${rd.dest} with no interface specified, not tracking`);
    r.no_track = true;
  }
  if (!r.no_track) {
    if (rd.protocolSet && r.protocol !== RTPROT_KEEPALIVED) {
      cx.warn(node, `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    }
    r.protocol = RTPROT_KEEPALIVED;
  }
  // A route that could be either family is IPv4 (keepalived.conf(5)).
  const family = rd.family ?? 'inet';
  return { ...r, family, to: resolveTarget(rd.dst, family) };
}
