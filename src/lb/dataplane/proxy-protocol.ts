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

export function proxyHeader(version: 'v1' | 'v2', c: Endpoints): Buffer {
  const src = unmapped(c.remoteAddress ?? '');
  const dst = unmapped(c.localAddress ?? '');
  const v6 = net.isIPv6(src) || net.isIPv6(dst);
  if (version === 'v1') {
    if (!src || !dst) return Buffer.from('PROXY UNKNOWN\r\n');
    return Buffer.from(`PROXY ${v6 ? 'TCP6' : 'TCP4'} ${src} ${dst} ${c.remotePort} ${c.localPort}\r\n`);
  }
  const addr = Buffer.concat([addressBytes(src), addressBytes(dst), Buffer.alloc(4)]);
  addr.writeUInt16BE(c.remotePort ?? 0, addr.length - 4);
  addr.writeUInt16BE(c.localPort ?? 0, addr.length - 2);
  const head = Buffer.alloc(4);
  head[0] = 0x21; // version 2, PROXY command
  head[1] = v6 ? 0x21 : 0x11; // AF_INET6 / AF_INET, STREAM
  head.writeUInt16BE(addr.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, addr]);
}
