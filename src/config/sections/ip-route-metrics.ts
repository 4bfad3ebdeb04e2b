/**
 * A route's metrics and per-route tunables: mtu, advmss, rtt, cwnd, ... (RTA_METRICS, with
 * `lock`), and expires, pref, ttl-propagate (Keepalived vrrp_iproute.c alloc_route(); ip-route(8)
 * "OPTIONS"). One word of a route line at a time; the rest of the line is ip-route.ts's.
 */
import { U32_MAX } from './ip-words.js';
import type { RouteReader } from './ip-route-reader.js';

const PREF: Readonly<Record<string, number>> = { low: 3, medium: 0, high: 1 };

/** Reads the option `word` (already taken) if it is one of these; false if it is not. */
export function readRouteMetric(rd: RouteReader, word: string): boolean {
  const { w, r, cx, node } = rd;
  switch (word) {
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
    default:
      return false;
  }
  return true;
}
