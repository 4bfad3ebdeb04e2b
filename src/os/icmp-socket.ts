/**
 * ICMP echo for PING_CHECK: a raw ICMP (IPv4) or ICMPv6 socket through libc, readiness from the
 * event loop. Raw sockets see every echo reply the host receives, so replies are matched by the
 * caller (identifier, sequence, source). IPv4 raw sockets deliver the IP header; it is stripped here.
 */
import { isIPv6 } from 'node:net';
import { addressBytes } from '../vrrp/addr.js';
import { AF_INET, AF_INET6, MsgArena, SOCK_RAW, close, pollReadable, sendto, sockaddr, socket } from './libc.js';

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

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

export function openIcmpSocket(family: 'inet' | 'inet6', onReply: (r: IcmpReply) => void, onError: (e: Error) => void): IcmpSocket {
  const v6 = family === 'inet6';
  const fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  const arena = new MsgArena(2048);
  let open = true;
  const readable = () => {
    // A reply handler may close the socket: the arena is freed then and must not be read again.
    while (open) {
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
      sendto(fd, message, sockaddr(addressBytes(to)));
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

