/**
 * A listening TCP socket with SO_REUSEPORT, for the proxy's workers: each worker listens on its
 * own socket bound to the same address and port, and the kernel spreads new connections over
 * them. Node 20 cannot set SO_REUSEPORT itself, so the socket is made through libc and handed to
 * net.Server.listen({ fd }).
 *
 * IP_FREEBIND: a backup director listens on its virtual servers' addresses before VRRP has put
 * them on the host (Keepalived's IPVS needs no socket; a proxy does). Without it bind fails with
 * EADDRNOTAVAIL and the service would never be listened on; with it the socket takes connections
 * as soon as the address arrives.
 */
import koffi from 'koffi';
import { isIPv6 } from 'node:net';
import { addressBytes } from '../base/addr.js';
import { AF_INET, AF_INET6, IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET, bind, close, setsockoptInt, sockaddr, socket } from './libc.js';

const SOCK_STREAM = 1;
const SO_REUSEADDR = 2;
const SO_REUSEPORT = 15;
const IP_FREEBIND = 15;
const IPV6_FREEBIND = 78;
const listenFn = koffi.load('libc.so.6').func('int listen(int fd, int backlog)');

export function reusePortListener(ip: string, port: number, backlog = 511): number {
  const fd = socket(isIPv6(ip) ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  try {
    setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1, 'SO_REUSEADDR');
    setsockoptInt(fd, SOL_SOCKET, SO_REUSEPORT, 1, 'SO_REUSEPORT');
    if (isIPv6(ip)) setsockoptInt(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1, 'IPV6_FREEBIND');
    else setsockoptInt(fd, IPPROTO_IP, IP_FREEBIND, 1, 'IP_FREEBIND');
    const sa = sockaddr(addressBytes(ip));
    sa.writeUInt16BE(port, 2);
    bind(fd, sa);
    if ((listenFn(fd, backlog) as number) < 0) throw new Error(`listen on ${ip}:${port} failed`);
    return fd;
  } catch (e) {
    close(fd);
    throw e;
  }
}
