/**
 * Multipath routes: the `nexthop ...` groups that end a route line (Keepalived vrrp_iproute.c
 * parse_nexthops(); ip-route(8) NEXTHOP).
 */
import { findRealms, parseIp, parseUnsigned } from './ip-words.js';
import { readEncap } from './ip-route-encap.js';
import type { RouteReader } from './ip-route-reader.js';
import type { Nexthop } from './ip-route-types.js';

/** `nexthop [via [inet|inet6] A] [dev IF] [weight N] [onlink] [realms R] [encap ...]`, repeated. */
export function readNexthops(rd: RouteReader): boolean {
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
