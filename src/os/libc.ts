/**
 * The few libc socket calls Node has no API for (raw IP sockets, AF_PACKET, ancillary data),
 * bound through koffi. Failing calls throw a SyscallError carrying errno, so callers never test
 * return codes; constants are Linux's (the only OS keepalived-ts runs on).
 *
 * Memory the kernel reads or writes after a call returns must not be a JS buffer (V8 may move or
 * free it), so message headers for sendmsg/recvmsg live in a native `MsgArena` with fixed
 * addresses; short, synchronous arguments (socket options, sockaddrs) are plain Buffers.
 */
import koffi from 'koffi';
import { endianness } from 'node:os';

const lib = koffi.load('libc.so.6');

koffi.struct('kts_timespec', { tv_sec: 'int64_t', tv_nsec: 'int64_t' });

const c = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
  bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
  sendto: lib.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
  sendmsg: lib.func('intptr_t sendmsg(int fd, void *msg, int flags)'),
  recvmsg: lib.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
  recv: lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
  close: lib.func('int close(int fd)'),
  ifNameToIndex: lib.func('uint32_t if_nametoindex(const char *name)'),
  strerror: lib.func('const char *strerror(int errnum)'),
  poll: lib.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  clockGettime: lib.func('int clock_gettime(int clockid, _Out_ kts_timespec *ts)'),
  setns: lib.func('int setns(int fd, int nstype)'),
};

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_BINDTODEVICE = 25;
/** SO_TIMESTAMPNS_OLD (64-bit time_t on this ABI): each datagram's kernel arrival time, CLOCK_REALTIME. */
export const SO_TIMESTAMPNS = 35;
export const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
export const IPPROTO_IP = 0;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_VRRP = 112;
export const IPPROTO_AH = 51;
export const IP_HDRINCL = 3;
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_PKTINFO = 8;
export const IP_MTU_DISCOVER = 10;
export const IP_PMTUDISC_DONT = 0;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_TCLASS = 67;
export const IPV6_AUTOFLOWLABEL = 70;
export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;
export const ETH_P_ARP = 0x0806;
export const EAGAIN = koffi.os.errno.EAGAIN ?? 11;
export const EINTR = koffi.os.errno.EINTR ?? 4;

const ERRNO_NAMES = new Map(Object.entries(koffi.os.errno).map(([k, v]) => [v, k]));

/** A failed system call, with Node's usual `code` (EPERM, ENODEV...) and `errno`. */
export class SyscallError extends Error {
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, context = '') {
    super(`${syscall}${context ? ` ${context}` : ''}: ${c.strerror(errno) as string}`);
    this.name = 'SyscallError';
    this.code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  }
}

/** strerror(3): the text Keepalived's "%m" and strerror(errno) log. */
export function errnoText(errno: number): string {
  return c.strerror(errno) as string;
}

function check(syscall: string, r: number, context?: string): number {
  if (r < 0) throw new SyscallError(syscall, koffi.errno(), context);
  return r;
}

/** A non-blocking, close-on-exec socket. */
export function socket(domain: number, type: number, protocol: number): number {
  return check('socket', c.socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol) as number);
}

export function setsockopt(fd: number, level: number, name: number, value: Uint8Array, what = `option ${level}/${name}`): void {
  check('setsockopt', c.setsockopt(fd, level, name, value, value.length) as number, what);
}

export function setsockoptInt(fd: number, level: number, name: number, value: number, what?: string): void {
  setsockopt(fd, level, name, int32(value), what);
}

// C structs hold integers in host byte order (network order only where the field says so).
const LE = endianness() === 'LE';

const CLOCK_REALTIME = 0;

/** CLOCK_REALTIME in nanoseconds, the clock socket timestamps are in. */
export function realtimeNs(): bigint {
  const ts: { tv_sec?: number | bigint; tv_nsec?: number | bigint } = {};
  check('clock_gettime', c.clockGettime(CLOCK_REALTIME, ts) as number);
  return BigInt(ts.tv_sec!) * 1_000_000_000n + BigInt(ts.tv_nsec!);
}

/** An SCM_TIMESTAMPNS cmsg's struct timespec (two 64-bit fields) in nanoseconds. */
export function timespecNs(b: Uint8Array): bigint {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getBigInt64(0, true) * 1_000_000_000n + v.getBigInt64(8, true);
}

export function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  writeInt32(b, v, 0);
  return b;
}

export function writeInt32(b: Buffer, v: number, o: number): void {
  if (LE) b.writeInt32LE(v, o);
  else b.writeInt32BE(v, o);
}

export function writeUInt16(b: Buffer, v: number, o: number): void {
  if (LE) b.writeUInt16LE(v, o);
  else b.writeUInt16BE(v, o);
}

export function readInt32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset + o, 4).getInt32(0, LE);
}

export function bind(fd: number, addr: Uint8Array): void {
  check('bind', c.bind(fd, addr, addr.length) as number);
}

/** Bytes sent, or -1 with errno EAGAIN when the socket buffer is full. */
export function sendto(fd: number, data: Uint8Array, addr: Uint8Array): number {
  const r = c.sendto(fd, data, data.length, 0, addr, addr.length) as number;
  if (fd === -1) return -1; // a rehearsal (see MsgArena.send)
  if (r < 0 && koffi.errno() === EAGAIN) return -1;
  return check('sendto', r);
}

/** Blocks until `fd` is readable or `timeoutMs` passes; true when readable. */
export function waitReadable(fd: number, timeoutMs: number): boolean {
  // struct pollfd { int fd; short events; short revents; }, POLLIN = 1.
  const p = Buffer.alloc(8);
  writeInt32(p, fd, 0);
  writeUInt16(p, 1, 4);
  let r: number;
  do r = c.poll(p, 1, timeoutMs) as number;
  while (r < 0 && koffi.errno() === EINTR);
  return check('poll', r) > 0;
}

/** One datagram into `buf` (its length), or -1 when none is waiting (the socket is non-blocking). */
export function recv(fd: number, buf: Buffer): number {
  const r = c.recv(fd, buf, buf.length, 0) as number;
  if (r < 0 && koffi.errno() === EAGAIN) return -1;
  return check('recv', r);
}

/** Moves the calling thread (Node's main thread here) into the namespace `fd` names. */
export function setns(fd: number, nstype: number): void {
  check('setns', c.setns(fd, nstype) as number);
}

export function close(fd: number): void {
  c.close(fd);
}

export function ifNameToIndex(name: string): number {
  const i = c.ifNameToIndex(name) as number;
  if (i === 0) throw new SyscallError('if_nametoindex', koffi.errno(), name);
  return i;
}

/** `struct sockaddr_in` / `sockaddr_in6` (port 0) from address bytes. */
export function sockaddr(addr: Uint8Array, scopeId = 0): Buffer {
  const v4 = addr.length === 4;
  const b = Buffer.alloc(v4 ? 16 : 28);
  writeUInt16(b, v4 ? AF_INET : AF_INET6, 0);
  b.set(addr, v4 ? 4 : 8);
  if (!v4) writeInt32(b, scopeId, 24);
  return b;
}

// Declared for their layout only (offsets and sizes differ between 32- and 64-bit ABIs).
const iovec = koffi.struct('kts_iovec', { base: 'void *', len: 'size_t' });
const msghdr = koffi.struct('kts_msghdr', {
  name: 'void *', namelen: 'uint32_t', iov: 'void *', iovlen: 'size_t', control: 'void *', controllen: 'size_t', flags: 'int',
});
const cmsghdr = koffi.struct('kts_cmsghdr', { len: 'size_t', level: 'int', type: 'int' });
const ALIGN = koffi.sizeof('size_t');
const cmsgAlign = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const CMSG_HDR = cmsgAlign(koffi.sizeof(cmsghdr));
/**
 * Field offsets of the three structs, from koffi's layout (so the same on every 64-bit ABI it
 * knows); the size_t and pointer fields are 8 bytes, written as little-endian 64-bit numbers.
 */
const F = {
  iovLen: koffi.offsetof(iovec, 'len'),
  name: koffi.offsetof(msghdr, 'name'), namelen: koffi.offsetof(msghdr, 'namelen'), control: koffi.offsetof(msghdr, 'control'),
  controllen: koffi.offsetof(msghdr, 'controllen'), flags: koffi.offsetof(msghdr, 'flags'),
  cmsgLen: koffi.offsetof(cmsghdr, 'len'), cmsgLevel: koffi.offsetof(cmsghdr, 'level'), cmsgType: koffi.offsetof(cmsghdr, 'type'),
};
/** A size_t or pointer field: two 32-bit halves, so that no BigInt is allocated per message. */
function u64(dv: DataView, at: number, n: number): void {
  dv.setUint32(at, n >>> 0, true);
  dv.setUint32(at + 4, Math.floor(n / 2 ** 32), true);
}
if (koffi.sizeof('size_t') !== 8 || koffi.sizeof('void *') !== 8 || !new Uint8Array(new Uint16Array([1]).buffer)[0]) {
  throw new Error('libc.ts: the message arena is laid out for 64-bit little-endian Linux only');
}

export interface Cmsg {
  readonly level: number;
  readonly type: number;
  readonly data: Uint8Array;
}

export interface Received {
  /** A view into the arena, valid until the next receive. */
  readonly data: Uint8Array;
  /** The sender's sockaddr, a view as `data`. */
  readonly name: Uint8Array;
  readonly cmsgs: readonly Cmsg[];
  readonly truncated: boolean;
}

/**
 * Native memory for one socket's sendmsg/recvmsg: the header, one iovec, the peer's sockaddr, the
 * ancillary data and the payload, at fixed addresses. One arena per socket, used synchronously.
 */
export class MsgArena {
  private static readonly NAME = 128;
  private static readonly CONTROL = 512;
  private readonly base: bigint;
  private readonly mem: Uint8Array;
  private readonly offs: { iov: number; name: number; control: number; data: number };
  /** The header's fields written in place (sendmsg runs for every advert; koffi.encode of an object allocates). */
  private readonly dv: DataView;
  /** The name and control buffers' addresses as numbers (user-space addresses fit in 53 bits): no BigInt per send. */
  private readonly addr: { name: number; control: number };
  private freed = false;
  /** The name and ancillary data the buffers hold from the last send (undefined after a receive). */
  private readonly sent: { name: Uint8Array | undefined; cmsgs: readonly Cmsg[] | undefined; controlLen: number } = { name: undefined, cmsgs: undefined, controlLen: 0 };

  constructor(readonly capacity = 65536) {
    const hdr = cmsgAlign(koffi.sizeof(msghdr));
    const iov = hdr;
    const name = iov + cmsgAlign(koffi.sizeof(iovec));
    const control = name + MsgArena.NAME;
    const data = control + MsgArena.CONTROL;
    this.offs = { iov, name, control, data };
    const size = data + capacity;
    this.base = koffi.alloc('uint8_t', size) as bigint;
    this.mem = new Uint8Array(koffi.view(this.base, size));
    this.mem.fill(0);
    this.dv = new DataView(this.mem.buffer, this.mem.byteOffset, this.mem.byteLength);
    this.addr = { name: Number(this.base + BigInt(name)), control: Number(this.base + BigInt(control)) };
    // The pointers never change: the iovec points at the payload, the header at the iovec.
    const at = (o: number) => this.base + BigInt(o);
    koffi.encode(this.base, this.offs.iov, iovec, { base: at(this.offs.data), len: 0 });
    koffi.encode(this.base, 0, msghdr, { name: at(name), namelen: 0, iov: at(iov), iovlen: 1, control: null, controllen: 0, flags: 0 });
  }

  private header(nameLen: number, dataLen: number, controlLen: number): void {
    const dv = this.dv;
    u64(dv, this.offs.iov + F.iovLen, dataLen);
    u64(dv, F.name, nameLen > 0 ? this.addr.name : 0);
    dv.setUint32(F.namelen, nameLen, true);
    u64(dv, F.control, controlLen > 0 ? this.addr.control : 0);
    u64(dv, F.controllen, controlLen);
    dv.setInt32(F.flags, 0, true);
  }

  /**
   * sendmsg with `cmsgs`; false when the socket buffer is full (EAGAIN). `fd` -1 is a rehearsal:
   * everything but the kernel's part runs (sendmsg fails with EBADF), so that the first real send
   * after a failover does not pay for V8's first compilation of this path.
   */
  send(fd: number, data: Uint8Array, name: Uint8Array, cmsgs: readonly Cmsg[]): boolean {
    const r = c.sendmsg(fd, this.write(data, name, cmsgs), MSG_DONTWAIT) as number;
    if (fd === -1) return false;
    if (r < 0 && koffi.errno() === EAGAIN) return false;
    check('sendmsg', r);
    return true;
  }

  /** Writes a message for a later sendmsg (os/uring.ts) and returns its msghdr's address, valid until the next write or receive. */
  write(data: Uint8Array, name: Uint8Array, cmsgs: readonly Cmsg[]): bigint {
    if (data.length > this.capacity) throw new RangeError(`${data.length} bytes exceed the ${this.capacity}-byte buffer`);
    this.mem.set(data, this.offs.data);
    // A master's adverts go to one name with the same ancillary data (vrrp-socket.ts caches both):
    // written again only when they are other objects, or after a receive wrote over them.
    if (name !== this.sent.name) {
      this.mem.set(name, this.offs.name);
      this.sent.name = name;
    }
    if (cmsgs !== this.sent.cmsgs) {
      let o = this.offs.control;
      for (const m of cmsgs) {
        const len = CMSG_HDR + m.data.length;
        this.mem.fill(0, o, o + cmsgAlign(len));
        u64(this.dv, o + F.cmsgLen, len);
        this.dv.setInt32(o + F.cmsgLevel, m.level, true);
        this.dv.setInt32(o + F.cmsgType, m.type, true);
        this.mem.set(m.data, o + CMSG_HDR);
        o += cmsgAlign(len);
      }
      this.sent.cmsgs = cmsgs;
      this.sent.controlLen = o - this.offs.control;
    }
    this.header(name.length, data.length, this.sent.controlLen);
    return this.base;
  }

  /** One non-blocking recvmsg; undefined when nothing is queued (EAGAIN). */
  receive(fd: number): Received | undefined {
    this.sent.name = this.sent.cmsgs = undefined;
    this.header(MsgArena.NAME, this.capacity, MsgArena.CONTROL);
    let r: number;
    do r = c.recvmsg(fd, this.base, MSG_DONTWAIT | MSG_TRUNC) as number;
    while (r < 0 && koffi.errno() === EINTR);
    if (r < 0 && koffi.errno() === EAGAIN) return undefined;
    check('recvmsg', r);
    const h = koffi.decode(this.base, 0, msghdr) as { namelen: number; controllen: number | bigint; flags: number };
    const cmsgs: Cmsg[] = [];
    const end = this.offs.control + Number(h.controllen);
    for (let o = this.offs.control; o + CMSG_HDR <= end; ) {
      const m = koffi.decode(this.base, o, cmsghdr) as { len: number | bigint; level: number; type: number };
      const len = Number(m.len);
      if (len < CMSG_HDR || o + len > end) break;
      cmsgs.push({ level: m.level, type: m.type, data: this.mem.subarray(o + CMSG_HDR, o + len) });
      o += cmsgAlign(len);
    }
    const truncated = r > this.capacity || (h.flags & MSG_TRUNC) !== 0;
    return {
      data: this.mem.subarray(this.offs.data, this.offs.data + Math.min(r, this.capacity)),
      name: this.mem.subarray(this.offs.name, this.offs.name + Math.min(h.namelen, MsgArena.NAME)),
      cmsgs,
      truncated,
    };
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    koffi.free(this.base);
  }
}

type PollEvents = { readable?: boolean; disconnect?: boolean };

/**
 * Readiness callbacks for `fd` on Node's event loop (libuv poll), until `stop()`. koffi 3.3 calls
 * back with (status, events) although its typings say (events): both shapes are accepted.
 */
export function pollReadable(fd: number, onReadable: () => void, onError: (e: Error) => void): { stop(): void } {
  const callback = (a: number | PollEvents, b?: PollEvents) => {
    const status = typeof a === 'number' ? a : 0;
    const ev = typeof a === 'number' ? b : a;
    if (status < 0) onError(new Error(`poll on fd ${fd}: libuv status ${status}`));
    else if (ev?.readable || ev?.disconnect) onReadable();
  };
  const h = koffi.node.poll(fd, { readable: true }, callback as unknown as (ev: PollEvents) => void);
  let open = true;
  return {
    stop: () => {
      if (!open) return;
      open = false;
      h.close();
    },
  };
}
