/**
 * The sockets of the checkers that listen for ICMP: PING_CHECK's echo (Keepalived check_ping.c)
 * and the connected UDP socket of UDP_CHECK and DNS_CHECK (layer4.c udp_bind_connect() and
 * socket_bind_connect()), on which an ICMP destination unreachable comes back as an error.
 *
 * Why libc and not node:dgram: dgram can set neither SO_MARK (fwmark), SO_BINDTODEVICE (bind_if)
 * nor IP_RECVERR. Without IP_RECVERR Linux reports only "hard" ICMP errors (port unreachable) on a
 * connected UDP socket; Keepalived sets it so that host and network unreachable count as well.
 *
 * PING uses a raw socket (root), not Keepalived's unprivileged ICMP datagram socket: that one needs
 * net.ipv4.ping_group_range to include our group, a host-wide sysctl Keepalived rewrites and we
 * leave alone. Raw sockets see every echo reply the host receives, so replies are matched by the
 * caller (identifier, sequence, source). IPv4 raw sockets deliver the IP header; it is stripped here.
 */
import koffi from 'koffi';
import { isIPv6 } from 'node:net';
import { addressBytes } from '../base/addr.js';
import { AF_INET, AF_INET6, bind, close, ifNameToIndex, IPPROTO_IP, IPPROTO_IPV6, MsgArena, pollReadable, sendto, setsockopt, setsockoptInt, SO_BINDTODEVICE, SOCK_DGRAM, SOCK_RAW, sockaddr, socket, SOL_SOCKET, SyscallError } from './libc.js';

const libc = koffi.load('libc.so.6');
// Declared here rather than in libc.ts: only these sockets connect from native code.
const native = {
  connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  send: libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
};

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const SO_MARK = 36;
const IP_RECVERR = 11;
const IPV6_RECVERR = 25;
const MSG_DONTWAIT = 0x40;

/**
 * Datagrams read per wake-up. A raw ICMP socket sees every echo the host gets: a flood would keep
 * the read loop going while timers and other sockets wait. After this many the loop yields; the
 * poll is level-triggered, so the rest is read on the next turn.
 */
export const MAX_READS_PER_WAKE = 64;

/** Where a checker's packets come from (bindto, bind_port, bind_if, fwmark). */
export interface SourceOptions {
  readonly bindto?: string;
  readonly bindPort?: number;
  readonly bindIf?: string;
  readonly fwmark?: number;
}

/** `struct sockaddr_in(6)` for `ip` and `port`; a link-local IPv6 address takes bind_if's scope. */
function sockaddrOf(ip: string, port: number, bindIf: string | undefined): Buffer {
  const scope = isIPv6(ip) && /^fe[89ab]/i.test(ip) && bindIf ? ifNameToIndex(bindIf) : 0;
  const sa = sockaddr(addressBytes(ip), scope);
  sa.writeUInt16BE(port, 2);
  return sa;
}

function applySource(fd: number, v6: boolean, o: SourceOptions): void {
  if (o.fwmark) setsockoptInt(fd, SOL_SOCKET, SO_MARK, o.fwmark, 'SO_MARK');
  if (o.bindIf) setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${o.bindIf}\0`), 'SO_BINDTODEVICE');
  if (o.bindto !== undefined || o.bindPort !== undefined) {
    bind(fd, sockaddrOf(o.bindto ?? (v6 ? '::' : '0.0.0.0'), o.bindPort ?? 0, o.bindIf));
  }
}

export interface IcmpReply {
  /** The ICMP message, header included. */
  readonly message: Uint8Array;
  /** The sender's address bytes (4 or 16). */
  readonly from: Uint8Array;
}

export interface IcmpSocket {
  send(to: string, message: Uint8Array): void;
  close(): void;
}

/** Throws a SyscallError when the socket cannot be made (no privilege, unknown bind_if...). */
export function openIcmpSocket(family: 'inet' | 'inet6', onReply: (r: IcmpReply) => void, onError: (e: Error) => void, source: SourceOptions = {}): IcmpSocket {
  const v6 = family === 'inet6';
  const fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  try {
    applySource(fd, v6, { ...source, bindPort: undefined });
  } catch (e) {
    close(fd);
    throw e;
  }
  const arena = new MsgArena(2048);
  let open = true;
  const readable = () => {
    // A reply handler may close the socket: the arena is freed then and must not be read again.
    for (let n = 0; open && n < MAX_READS_PER_WAKE; n++) {
      let r;
      try {
        r = arena.receive(fd);
      } catch (e) {
        onError(e as Error);
        return;
      }
      if (!r) return;
      const from = v6 ? r.name.slice(8, 24) : r.name.slice(4, 8);
      const data = v6 ? r.data : r.data.subarray((r.data[0]! & 0x0f) * 4);
      onReply({ message: Uint8Array.from(data), from });
    }
  };
  const poller = pollReadable(fd, readable, onError);
  return {
    send(to, message) {
      sendto(fd, message, sockaddrOf(to, 0, source.bindIf));
    },
    close() {
      if (!open) return;
      open = false;
      poller.stop();
      arena.free();
      close(fd);
    },
  };
}

export interface UdpTarget extends SourceOptions {
  readonly ip: string;
  readonly port: number;
  /** IP_RECVERR: every ICMP error, not only port unreachable, fails the next receive (UDP_CHECK). */
  readonly recvErr?: boolean;
  /** Largest datagram kept whole; longer ones are reported with their full length, truncated. */
  readonly maxDatagram?: number;
}

export interface UdpSocket {
  /** Sends one datagram to the connected peer; throws a SyscallError on failure. */
  send(data: Uint8Array): void;
  close(): void;
}

export interface UdpDatagram {
  readonly data: Uint8Array;
  /** The datagram's length, or maxDatagram + 1 for any longer one (data then holds maxDatagram bytes). */
  readonly length: number;
}

/**
 * A UDP socket connected to `t`: datagrams from that peer only, and the errors ICMP brings back
 * (ECONNREFUSED for port unreachable; with recvErr also EHOSTUNREACH, ENETUNREACH...) through
 * `onError`. Throws a SyscallError when it cannot be set up (bind, SO_MARK, connect).
 */
export function openUdpSocket(t: UdpTarget, onMessage: (d: UdpDatagram) => void, onError: (e: Error) => void): UdpSocket {
  const v6 = isIPv6(t.ip);
  const fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  let arena: MsgArena | undefined;
  try {
    if (t.recvErr) setsockoptInt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, 1, 'IP_RECVERR');
    applySource(fd, v6, t);
    const peer = sockaddrOf(t.ip, t.port, t.bindIf);
    if ((native.connect(fd, peer, peer.length) as number) < 0) throw new SyscallError('connect', koffi.errno(), `${t.ip}:${t.port}`);
    arena = new MsgArena(Math.max(1, t.maxDatagram ?? 65536));
  } catch (e) {
    close(fd);
    throw e;
  }
  const mem = arena;
  let open = true;
  const readable = () => {
    for (let n = 0; open && n < MAX_READS_PER_WAKE; n++) {
      let r;
      try {
        r = mem.receive(fd);
      } catch (e) {
        onError(e as Error);
        return;
      }
      if (!r) return;
      // A datagram longer than the buffer is known only to be longer.
      onMessage({ data: Uint8Array.from(r.data), length: r.truncated ? mem.capacity + 1 : r.data.length });
    }
  };
  // libuv's poll reports POLLERR as a bare EBADF and stops: the socket's pending error (what ICMP
  // brought back) is what a receive returns, so that is what we report.
  const pollError = (e: Error) => {
    if (!open) return;
    try {
      mem.receive(fd);
    } catch (pending) {
      return onError(pending as Error);
    }
    onError(e);
  };
  const poller = pollReadable(fd, readable, pollError);
  return {
    send(data) {
      const n = native.send(fd, data, data.length, MSG_DONTWAIT) as number;
      if (n < 0) throw new SyscallError('send', koffi.errno());
      if (n !== data.length) throw new Error(`sent ${n} of ${data.length} bytes`);
    },
    close() {
      if (!open) return;
      open = false;
      poller.stop();
      mem.free();
      close(fd);
    },
  };
}
