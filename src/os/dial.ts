/**
 * Opening a checker's TCP connection. Node's sockets cover the address, the source address and
 * port and the timeout; SO_MARK (fwmark) and SO_BINDTODEVICE (bind_if) need the descriptor before
 * connect(), so such sockets are made through libc and handed to Node already configured.
 */
import * as net from 'node:net';
import type { Dialer, DialOptions } from '../check/types.js';
import { AF_INET, AF_INET6, close, SOL_SOCKET, SO_BINDTODEVICE, setsockopt, setsockoptInt, socket } from './libc.js';

const SOCK_STREAM = 1;

const SO_MARK = 36;

function preparedSocket(o: DialOptions): net.Socket | undefined {
  if (o.fwmark === undefined && o.bindIf === undefined) return undefined;
  const fd = socket(net.isIPv6(o.host) ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  try {
    if (o.fwmark !== undefined) setsockoptInt(fd, SOL_SOCKET, SO_MARK, o.fwmark, 'SO_MARK');
    if (o.bindIf !== undefined) setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${o.bindIf}\0`), 'SO_BINDTODEVICE');
  } catch (e) {
    // Not yet Node's: nobody else would ever close it (a bind_if naming a missing device, every delay_loop).
    close(fd);
    throw e;
  }
  return new net.Socket({ fd, readable: true, writable: true });
}

export const tcpDialer: Dialer = (o) =>
  new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(new Error('aborted'));
    let sock: net.Socket;
    try {
      sock = preparedSocket(o) ?? new net.Socket();
    } catch (e) {
      return reject(e as Error);
    }
    const timer = setTimeout(() => fail(new Error('timeout')), o.timeoutMs);
    const onAbort = () => fail(new Error('aborted'));
    o.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      sock.removeListener('error', fail);
    };
    function fail(e: Error) {
      done();
      sock.destroy();
      reject(e);
    }
    sock.once('error', fail);
    sock.connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}), ...(o.localPort ? { localPort: o.localPort } : {}) }, () => {
      done();
      // Once connected, errors reach whoever reads the stream.
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
