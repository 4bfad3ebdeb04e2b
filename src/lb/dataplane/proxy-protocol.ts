/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that tells a real
 * server behind the userspace proxy who the client really was.
 */
import * as net from 'node:net';
import { addressBytes } from '../../base/addr.js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface Endpoints {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** A v4 client on a dual-stack socket shows as ::ffff:a.b.c.d: its IPv4 address. */
export const unmapped = (a: string): string => (a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a);

/** The four endpoints as a header carries them, or undefined when any is unknown. */
interface Known {
  readonly v6: boolean;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

const validPort = (p: number | undefined): p is number => p !== undefined && Number.isInteger(p) && p >= 0 && p <= 0xffff;

/**
 * Node reports a link-local peer as fe80::1%eth0; the header has no room for the zone (v1's
 * receivers run inet_pton on the text). One IPv4 and one IPv6 end go as IPv6, the IPv4 one
 * v4-mapped, as HAProxy's make_proxy_line_v2() does: TCP4 says both are IPv4.
 */
function known(c: Endpoints): Known | undefined {
  const src = unmapped((c.remoteAddress ?? '').replace(/%.*$/, ''));
  const dst = unmapped((c.localAddress ?? '').replace(/%.*$/, ''));
  if (!(net.isIP(src) && net.isIP(dst) && validPort(c.remotePort) && validPort(c.localPort))) return undefined;
  const v6 = net.isIPv6(src) || net.isIPv6(dst);
  const as6 = (a: string) => (v6 && net.isIPv4(a) ? `::ffff:${a}` : a);
  return { v6, src: as6(src), dst: as6(dst), sport: c.remotePort, dport: c.localPort };
}

/**
 * The header for the connection `c`. Endpoints a socket cannot tell (one closed before we asked:
 * remoteAddress undefined) make v1's UNKNOWN and v2's LOCAL command, which tell the server to use
 * the connection's own endpoints; the header never throws, since it is written from a
 * connection handler.
 */
export function proxyHeader(version: 'v1' | 'v2', c: Endpoints): Buffer {
  const k = known(c);
  if (version === 'v1') {
    if (!k) return Buffer.from('PROXY UNKNOWN\r\n');
    return Buffer.from(`PROXY ${k.v6 ? 'TCP6' : 'TCP4'} ${k.src} ${k.dst} ${k.sport} ${k.dport}\r\n`);
  }
  const head = Buffer.alloc(4);
  if (!k) {
    head[0] = 0x20; // version 2, LOCAL command
    head[1] = 0x00; // AF_UNSPEC, no address block
    return Buffer.concat([V2_SIGNATURE, head]);
  }
  const addr = Buffer.concat([addressBytes(k.src), addressBytes(k.dst), Buffer.alloc(4)]);
  addr.writeUInt16BE(k.sport, addr.length - 4);
  addr.writeUInt16BE(k.dport, addr.length - 2);
  head[0] = 0x21; // version 2, PROXY command
  head[1] = k.v6 ? 0x21 : 0x11; // AF_INET6 / AF_INET, STREAM
  head.writeUInt16BE(addr.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, addr]);
}
