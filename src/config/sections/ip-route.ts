/**
 * Route lines of static_routes and virtual_routes: `ip route add` syntax without abbreviations
 * (keepalived.conf(5) "Static routes/addresses/rules"; Keepalived vrrp_iproute.c alloc_route()
 * and parse_nexthops(); the words of ip-route(8)).
 *
 * Where Keepalived 2.2.7 deviates from its own manual we follow the manual and say so:
 * `inet`/`inet6` there also swallow the word after them, so `inet6 default` fails.
 */
import type { SourcePos } from '../diagnostics.js';
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
  parseUnsigned,
  resolveTarget,
  routeTypeName,
  RTPROT_KEEPALIVED,
  U32_MAX,
  Words,
  type IpPrefix,
  type RouteTarget,
} from './ip-words.js';

export type RouteEncap =
  | { type: 'ip' | 'ip6'; /** Decimal: a u64 does not fit a number. */ id?: string; dst?: string; src?: string; tos?: number; ttl?: number; flags?: number }
  | { type: 'mpls'; labels: number[] };

export interface Nexthop {
  via?: string;
  dev?: string;
  /** 1..256, as ip route. */
  weight?: number;
  onlink: boolean;
  realms?: number;
  encap?: RouteEncap;
}

/** Route metrics whose value may be preceded by `lock`. */
type Lockable = 'mtu' | 'advmss' | 'rtt' | 'rttvar' | 'reordering' | 'cwnd' | 'ssthresh' | 'rto_min' | 'congctl';

export interface Route {
  pos: SourcePos;
  family: Family;
  /** The destination; `default`/`any`/`all` is 0.0.0.0/0 or ::/0. */
  to: IpPrefix;
  /** rtm_type by name: unicast unless a type (blackhole, unreachable, ...) precedes the prefix. */
  type: string;
  /** Preferred source address (`src`). */
  src?: string;
  /** Source prefix (`from`, IPv6 only). */
  from?: IpPrefix;
  /** `via`, or the deprecated `gw`. */
  via?: string;
  /** `dev` / `oif`. */
  dev?: string;
  table: number;
  scope: number;
  /** Always RTPROT_KEEPALIVED (18) for a tracked route. */
  protocol: number;
  /** `metric` / `priority` / `preference`. */
  metric?: number;
  /** `tos` / `dsfield`. */
  tos?: number;
  onlink: boolean;
  realms?: number;
  expires?: number;
  mtu?: number;
  hoplimit?: number;
  advmss?: number;
  /** Seconds (rtt, rttvar, rto_min). */
  rtt?: number;
  rttvar?: number;
  rto_min?: number;
  reordering?: number;
  window?: number;
  cwnd?: number;
  ssthresh?: number;
  initcwnd?: number;
  initrwnd?: number;
  features: string[];
  quickack?: number;
  congctl?: string;
  /** IPv6 router preference: low 3, medium 0, high 1, or a number. */
  pref?: number;
  'ttl-propagate'?: boolean;
  fastopen_no_cookie?: boolean;
  /** Metrics given as `METRIC lock VALUE`. */
  lock: Lockable[];
  encap?: RouteEncap;
  /** `vrf NAME`: the route goes into that VRF's table (resolved on the host). */
  vrf?: string;
  /** `prepend` (Keepalived's and the kernel's default), `add` or `append`. */
  install: 'prepend' | 'add' | 'append';
  nexthop: Nexthop[];
  no_track: boolean;
  /** Static routes only. */
  track_group?: string;
}

const RT_TABLE_MAIN = 254;
const PREF: Readonly<Record<string, number>> = { low: 3, medium: 0, high: 1 };

/** Reading one route; `fail()` drops it (Keepalived's `goto err`). */
class RouteReader {
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

/** One line of a route block; `static` allows track_group. */
export function readRouteLine(node: ConfNode, cx: Cx, kind: 'static' | 'virtual' = 'virtual'): Route | undefined {
  const rd = new RouteReader(node, cx);
  const { w, r } = rd;
  let doNexthop = false;
  let stop = false;
  while (!w.done && !rd.failed && !stop) {
    const word = w.next()!;
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
      case 'expires':
        if (!rd.setFamily('inet6', 'expires is only valid for IPv6')) break;
        r.expires = rd.num(word, U32_MAX, 'expires time');
        break;
      case 'mtu':
        rd.locked(word);
        r.mtu = rd.num(word, U32_MAX, 'MTU');
        break;
      case 'hoplimit':
        r.hoplimit = rd.num(word, 255, 'hoplimit');
        break;
      case 'advmss':
        rd.locked(word);
        r.advmss = rd.num(word, U32_MAX, 'advmss');
        break;
      case 'rtt':
        r.rtt = rd.time(word, 8);
        break;
      case 'rttvar':
        r.rttvar = rd.time(word, 4);
        break;
      case 'rto_min':
        r.rto_min = rd.time(word, 1);
        break;
      case 'reordering':
        rd.locked(word);
        r.reordering = rd.num(word, U32_MAX, 'reordering value');
        break;
      case 'window':
        r.window = rd.num(word, U32_MAX, 'window value');
        break;
      case 'cwnd':
        rd.locked(word);
        r.cwnd = rd.num(word, U32_MAX, 'cwnd value');
        break;
      case 'ssthresh':
        rd.locked(word);
        r.ssthresh = rd.num(word, U32_MAX, 'ssthresh value');
        break;
      case 'realms': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findRealms(v);
        if (n === undefined) rd.fail(`Invalid realms ${v} for route`);
        else if (rd.setFamily('inet', 'realms are only valid for IPv4')) r.realms = n;
        break;
      }
      case 'initcwnd':
        r.initcwnd = rd.num(word, U32_MAX, 'initcwnd value');
        break;
      case 'initrwnd':
        r.initrwnd = rd.num(word, U32_MAX, 'initrwnd value');
        break;
      case 'features': {
        const v = w.take(word);
        if (v === undefined) break;
        if (v === 'ecn') r.features.push(v);
        else cx.warn(node, `feature ${v} not supported`);
        break;
      }
      case 'quickack':
        r.quickack = rd.num(word, 1, 'quickack value');
        break;
      case 'congctl':
        rd.locked(word);
        r.congctl = w.take(word);
        break;
      case 'pref': {
        if (!rd.setFamily('inet6', 'pref is only valid for IPv6')) break;
        const v = w.peek();
        if (v !== undefined && v in PREF) {
          w.next();
          r.pref = PREF[v];
        } else r.pref = rd.num(word, 255, 'pref value');
        break;
      }
      case 'ttl-propagate': {
        const v = w.take(word);
        if (v === 'enabled' || v === 'disabled') r['ttl-propagate'] = v === 'enabled';
        else if (v !== undefined) cx.warn(node, `ttl-propagate value ${v} not recognised`);
        break;
      }
      case 'fastopen_no_cookie': {
        const n = rd.num(word, 1, 'fastopen_no_cookie value');
        if (n !== undefined) r.fastopen_no_cookie = n === 1;
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

/** `nexthop [via [inet|inet6] A] [dev IF] [weight N] [onlink] [realms R] [encap ...]`, repeated. */
function readNexthops(rd: RouteReader): boolean {
  const { w, cx, node, r } = rd;
  while (w.peek() === 'nexthop' && !rd.failed) {
    w.next();
    const nh: Nexthop = { onlink: false };
    let more = true;
    while (more && !w.done && !rd.failed) {
      const word = w.peek()!;
      switch (word) {
        case 'via': {
          w.next();
          let v = w.take(word);
          if (v === 'inet' || v === 'inet6') {
            if (!rd.setFamily(v, 'IPv4/6 mismatch for nexthop')) break;
            v = w.take(v);
          }
          if (v === undefined) break;
          const p = parseIp(cx, node, v, false);
          if (!p) rd.fail(`invalid nexthop address ${v}`);
          else if (rd.setFamily(p.family, 'Address family mismatch for next hop')) nh.via = p.address;
          break;
        }
        case 'dev':
          w.next();
          nh.dev = w.take(word);
          break;
        case 'weight': {
          w.next();
          const v = w.take(word);
          if (v === undefined) break;
          const n = parseUnsigned(v, 256);
          if (n === undefined) rd.fail(`Invalid weight ${v} specified for route`);
          else if (n === 0) rd.fail('Invalid weight 0 specified for route');
          else nh.weight = n;
          break;
        }
        case 'onlink':
          w.next();
          nh.onlink = true;
          break;
        case 'encap': {
          w.next();
          const e = readEncap(rd);
          if (e) nh.encap = e;
          break;
        }
        case 'realms': {
          w.next();
          const v = w.take(word);
          if (v === undefined) break;
          const n = findRealms(v);
          if (n === undefined) rd.fail(`Invalid realms ${v} for route`);
          else if (rd.setFamily('inet', 'realms are only supported for IPv4')) nh.realms = n;
          break;
        }
        case 'as':
          w.next();
          if (w.take(word) === 'to') w.take('to');
          rd.fail("'as [to]' (nat) not supported");
          break;
        default:
          more = false;
      }
    }
    if (!rd.failed && !w.missing) r.nexthop.push(nh);
  }
  if (rd.failed || w.missing) return false;
  if (!w.done) {
    rd.fail(`Route has trailing nonsense after nexthops - ${w.peek()}`);
    return false;
  }
  return true;
}

/** `encap ip|ip6 [id N] [dst A] [src A] [tos|tc T] [ttl|hoplimit N] [flags N]` or `encap mpls L[/L...]`. */
function readEncap(rd: RouteReader): RouteEncap | undefined {
  const { w, cx, node } = rd;
  const type = w.take('encap');
  if (type === undefined) return undefined;
  if (type === 'mpls') {
    const v = w.take(type);
    if (v === undefined) return undefined;
    const labels = v.split('/').map((l) => parseUnsigned(l, 0xfffff, true));
    if (labels.length > 16 || labels.some((l) => l === undefined)) {
      cx.warn(node, `invalid mpls address ${v} for encapsulation`);
      return undefined;
    }
    return { type, labels: labels as number[] };
  }
  if (type !== 'ip' && type !== 'ip6') {
    cx.warn(node, `Unknown encap type - ${type}`);
    return undefined;
  }
  const e: RouteEncap & { type: 'ip' | 'ip6' } = { type };
  const want: Family = type === 'ip' ? 'inet' : 'inet6';
  const bad = (msg: string) => {
    cx.warn(node, msg);
    return undefined;
  };
  while (w.peek(1) !== undefined) {
    const k = w.peek()!;
    const v = w.peek(1)!;
    if (k === 'id') {
      if (!/^\d+$/.test(v) || BigInt(v) > 0xffffffffffffffffn) return bad(`encap id ${v} value is invalid`);
      e.id = BigInt(v).toString();
    } else if (k === 'dst' || k === 'src') {
      const p = parseIp(cx, node, v, false);
      if (!p) return bad(`Invalid encap ${type} ${k} ${v}`);
      if (p.family !== want) return bad(`${want === 'inet' ? 'IPv6' : 'IPv4'} address ${v} not valid for ${type} encapsulation`);
      e[k] = p.address;
    } else if (k === (type === 'ip' ? 'tos' : 'tc')) {
      const n = findDsfield(v);
      if (n === undefined) return bad(`dsfield ${v} not valid for ${type} encapsulation`);
      e.tos = n;
    } else if (k === (type === 'ip' ? 'ttl' : 'hoplimit')) {
      const n = parseUnsigned(v, 255);
      if (n === undefined) return bad(`${k} ${v} is not valid for ${type} encapsulation`);
      e.ttl = n;
    } else if (k === 'flags') {
      const n = parseUnsigned(v, 0xffff);
      if (n === undefined) return bad(`flags ${v} is not valid for ${type} encapsulation`);
      e.flags = n;
    } else break;
    w.i += 2;
  }
  if (e.dst === undefined && e.id === undefined) return bad(`address or id missing for ${type} encapsulation`);
  return e;
}
