/**
 * Route encapsulation: `encap ip|ip6 ...` (lightweight IP tunnels) and `encap mpls ...`, for a
 * route or one of its nexthops (Keepalived vrrp_iproute.c parse_encap(); ip-route(8) ENCAP).
 */
import type { Family } from '../values.js';
import { findDsfield, parseIp, parseUnsigned } from './ip-words.js';
import type { RouteReader } from './ip-route-reader.js';
import type { RouteEncap } from './ip-route-types.js';

/** `encap ip|ip6 [id N] [dst A] [src A] [tos|tc T] [ttl|hoplimit N] [flags N]` or `encap mpls L[/L...]`. */
export function readEncap(rd: RouteReader): RouteEncap | undefined {
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
