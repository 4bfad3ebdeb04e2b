/**
 * Link and address notifications straight from the kernel: a NETLINK_ROUTE socket subscribed to
 * the link and IPv4/IPv6 address groups, as Keepalived's netlink monitor reads them, where we used
 * to keep an `ip -o monitor` child (a process and about 2.7 MB of resident memory).
 *
 * Only which link a message is about is taken from it (its index, and its name when it carries
 * one): the caller re-reads the link for its state, so the parser stays small. It trusts no
 * length: a message that does not fit its datagram or its own header is dropped and counted, and
 * the caller is told that something may have been missed, exactly as when the kernel drops
 * events because our queue was full (ENOBUFS). Either way the cure is one full re-read.
 */
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import { bind, close, pollReadable, recv, setns, setsockoptInt, socket, SyscallError, writeInt32, writeUInt16, SOCK_RAW, SOL_SOCKET } from './libc.js';

const AF_NETLINK = 16;
const NETLINK_ROUTE = 0;
const AF_INET = 2;
const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_IFADDR = 0x10;
const RTMGRP_IPV6_IFADDR = 0x100;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const IFLA_IFNAME = 3;
const IFA_LABEL = 3;
const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
const IFADDRMSG_LEN = 8;
const RTA_HDRLEN = 4;
const CLONE_NEWNET = 0x40000000;
const SO_RCVBUF = 8;
const ENOBUFS = 105;
/** Datagrams read per wake-up: a burst of events must not hold up VRRP timers. */
const MAX_PER_WAKE = 64;
/** Larger than any rtnetlink notification the kernel builds (one page, or a few). */
const BUF_BYTES = 65536;

const LE = endianness() === 'LE';
const align4 = (n: number) => (n + 3) & ~3;

export interface LinkEvent {
  readonly kind: 'link' | 'address';
  readonly deleted: boolean;
  readonly index: number;
  /** IFLA_IFNAME of a link message. */
  readonly name?: string;
  /** IFA_LABEL of an IPv4 address: the link's name, or an alias of it such as `eth0:1`. */
  readonly label?: string;
}

export interface Walk {
  readonly events: LinkEvent[];
  /** Messages (or trailing bytes) dropped because a length did not fit. */
  readonly malformed: number;
}

/** The first attribute of `type` in [from, to) as a string up to its NUL; null when the attributes do not fit. */
function stringAttr(data: Uint8Array, dv: DataView, from: number, to: number, type: number): string | undefined | null {
  let found: string | undefined;
  for (let a = from; a + RTA_HDRLEN <= to; ) {
    const len = dv.getUint16(a, LE);
    if (len < RTA_HDRLEN || len > to - a) return null;
    if (found === undefined && dv.getUint16(a + 2, LE) === type) {
      const payload = data.subarray(a + RTA_HDRLEN, a + len);
      const nul = payload.indexOf(0);
      const s = Buffer.from(payload.subarray(0, nul < 0 ? payload.length : nul)).toString('utf8');
      if (s !== '') found = s;
    }
    a += align4(len);
  }
  return found;
}

/** The link events in one datagram of rtnetlink messages; never throws, whatever the bytes. */
export function walkMessages(data: Uint8Array): Walk {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const events: LinkEvent[] = [];
  let malformed = 0;
  let off = 0;
  while (off + NLMSG_HDRLEN <= data.length) {
    const len = dv.getUint32(off, LE);
    // A length shorter than its header would never advance; one past the end cannot be trusted,
    // nor can anything after it be found.
    if (len < NLMSG_HDRLEN || len > data.length - off) {
      malformed++;
      off = data.length;
      break;
    }
    const type = dv.getUint16(off + 4, LE);
    const body = off + NLMSG_HDRLEN;
    const end = off + len;
    if (type === RTM_NEWLINK || type === RTM_DELLINK) {
      const index = end - body >= IFINFOMSG_LEN ? dv.getInt32(body + 4, LE) : 0;
      const name = index > 0 ? stringAttr(data, dv, body + IFINFOMSG_LEN, end, IFLA_IFNAME) : null;
      if (index <= 0 || name === null) malformed++;
      else events.push({ kind: 'link', deleted: type === RTM_DELLINK, index, ...(name !== undefined && { name }) });
    } else if (type === RTM_NEWADDR || type === RTM_DELADDR) {
      const index = end - body >= IFADDRMSG_LEN ? dv.getUint32(body + 4, LE) : 0;
      const label = index > 0 ? stringAttr(data, dv, body + IFADDRMSG_LEN, end, IFA_LABEL) : null;
      if (index <= 0 || label === null) malformed++;
      else {
        // IFA_LABEL means a label only for IPv4; other families do not define attribute 3 so.
        const v4Label = data[body] === AF_INET ? label : undefined;
        events.push({ kind: 'address', deleted: type === RTM_DELADDR, index, ...(v4Label !== undefined && { label: v4Label }) });
      }
    }
    off += align4(len);
  }
  if (off < data.length) malformed++;
  return { events, malformed };
}

export interface LinkEventsOptions {
  /** A named network namespace (/run/netns/NAME) to subscribe in; the current one when absent. */
  readonly netns?: string;
  /** SO_RCVBUF of the socket (Keepalived's vrrp_netlink_monitor_rcv_bufs); the system default when absent. */
  readonly rcvbufBytes?: number;
  readonly onEvent: (e: LinkEvent) => void;
  /** Events were lost (the kernel's ENOBUFS, or a message we could not read), as `why`: re-read everything. */
  readonly onLost: (why: string) => void;
  /** The socket failed; it is closed and delivers nothing more. */
  readonly onError: (e: Error) => void;
}

export interface LinkEvents {
  readonly fd: number;
  /** Messages dropped as malformed, and ENOBUFS overruns, since the socket opened. */
  readonly counts: { readonly malformed: number; readonly overruns: number };
  close(): void;
}

/**
 * Runs `make` with this thread in namespace `netns`, and always back home afterwards. Node's
 * JavaScript thread is the one switched, and nothing else runs on it meanwhile; a socket stays
 * in the namespace it was created in.
 */
function inNamespace(netns: string, make: () => number): number {
  if (netns.includes('/')) throw new Error(`bad namespace name ${JSON.stringify(netns)}`);
  const target = fs.openSync(`/run/netns/${netns}`, 'r');
  let home: number | undefined;
  try {
    home = fs.openSync('/proc/thread-self/ns/net', 'r');
    setns(target, CLONE_NEWNET);
    let fd: number | undefined;
    try {
      fd = make();
      return fd;
    } finally {
      try {
        setns(home, CLONE_NEWNET);
      } catch (e) {
        if (fd !== undefined) close(fd);
        // Staying in the test's namespace would make every later socket wrong.
        throw new Error(`could not return from namespace ${netns}: ${(e as Error).message}`);
      }
    }
  } finally {
    if (home !== undefined) fs.closeSync(home);
    fs.closeSync(target);
  }
}

function openSocket(o: LinkEventsOptions): number {
  const fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  try {
    if (o.rcvbufBytes !== undefined) setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, o.rcvbufBytes, 'SO_RCVBUF');
    // struct sockaddr_nl { u16 family; u16 pad; u32 pid (0: the kernel picks); u32 groups; }
    const sa = Buffer.alloc(12);
    writeUInt16(sa, AF_NETLINK, 0);
    writeInt32(sa, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, 8);
    bind(fd, sa);
    return fd;
  } catch (e) {
    close(fd);
    throw e;
  }
}

/** Subscribes to link and address events; throws if the socket cannot be opened. */
export function openLinkEvents(o: LinkEventsOptions): LinkEvents {
  const fd = o.netns === undefined ? openSocket(o) : inNamespace(o.netns, () => openSocket(o));
  const buf = Buffer.alloc(BUF_BYTES);
  const counts = { malformed: 0, overruns: 0 };
  let closed = false;
  let again: NodeJS.Immediate | undefined;

  const shut = (): void => {
    if (closed) return;
    closed = true;
    clearImmediate(again);
    // libuv must stop watching a descriptor before it is closed.
    poller.stop();
    close(fd);
  };
  const fail = (e: Error): void => {
    if (closed) return;
    shut();
    o.onError(e);
  };

  const readable = (): void => {
    clearImmediate(again);
    again = undefined;
    for (let i = 0; i < MAX_PER_WAKE; i++) {
      if (closed) return;
      let n: number;
      try {
        n = recv(fd, buf);
      } catch (e) {
        if (e instanceof SyscallError && e.errno === ENOBUFS) {
          // The socket stays usable; what it lost, a re-read finds.
          counts.overruns++;
          o.onLost('the kernel dropped link events (netlink receive queue full, ENOBUFS)');
          continue;
        }
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (n < 0) return;
      const w = walkMessages(buf.subarray(0, n));
      for (const e of w.events) o.onEvent(e);
      if (w.malformed > 0) {
        counts.malformed += w.malformed;
        o.onLost(`${w.malformed} malformed netlink message(s) dropped`);
      }
    }
    // More may be queued: read on after the rest of the loop has had its turn.
    if (!closed) again = setImmediate(readable);
  };
  // The kernel flags an overrun as a pending socket error, which epoll reports as POLLERR; libuv
  // turns that into an EBADF status and stops watching. So a poll error is first taken for an
  // overrun: read (recv returns the ENOBUFS and clears it), and if that is what it was, watch
  // again; anything else fails the socket.
  const pollFailed = (e: Error): void => {
    if (closed) return;
    const overruns = counts.overruns;
    readable();
    if (closed) return;
    if (counts.overruns === overruns) {
      fail(e);
      return;
    }
    poller.stop();
    poller = pollReadable(fd, readable, pollFailed);
  };
  let poller: { stop(): void };
  try {
    poller = pollReadable(fd, readable, pollFailed);
  } catch (e) {
    close(fd);
    throw e;
  }

  return { fd, counts, close: shut };
}
