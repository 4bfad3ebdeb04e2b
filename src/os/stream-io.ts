/**
 * Non-blocking TCP and epoll through libc, for the relay (lb/dataplane/relay.ts): a proxy loop
 * that moves bytes between sockets in native memory, never through JavaScript buffers, and blocks
 * in epoll_wait on a thread of its own. Calls return what the system call returned; negative
 * results come with `errno()`; the relay decides what each means.
 */
import koffi from 'koffi';
import { EINTR, SOL_SOCKET } from './libc.js';

const lib = koffi.load('libc.so.6');
const f = {
  epollCreate1: lib.func('int epoll_create1(int flags)'),
  epollCtl: lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
  epollWait: lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
  accept4: lib.func('int accept4(int fd, void *addr, void *addrlen, int flags)'),
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  connect: lib.func('int connect(int fd, void *addr, uint32_t len)'),
  read: lib.func('intptr_t read(int fd, void *buf, size_t n)'),
  write: lib.func('intptr_t write(int fd, void *buf, size_t n)'),
  send: lib.func('intptr_t send(int fd, void *buf, size_t n, int flags)'),
  shutdown: lib.func('int shutdown(int fd, int how)'),
  close: lib.func('int close(int fd)'),
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
  eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
  memcpy: lib.func('void *memcpy(void *dst, void *src, size_t n)'),
};

export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDHUP = 0x2000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SO_LINGER = 13;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
export const SHUT_WR = 1;
const MSG_MORE = 0x8000;
export const EINPROGRESS = koffi.os.errno.EINPROGRESS ?? 115;

export const errno = (): number => koffi.errno();

/** Native memory of `size` bytes: its address (for calls) and a view of it (for JavaScript). */
export interface NativeBuffer {
  readonly ptr: unknown;
  readonly bytes: Uint8Array;
  free(): void;
}

export function nativeBuffer(size: number): NativeBuffer {
  const ptr = koffi.alloc('uint8_t', size);
  const bytes = new Uint8Array(koffi.view(ptr, size));
  let freed = false;
  return { ptr, bytes, free: () => void (freed || ((freed = true), koffi.free(ptr))) };
}

/** The address `offset` bytes into native memory. */
export const at = (ptr: unknown, offset: number): unknown => (offset === 0 ? ptr : (ptr as bigint) + BigInt(offset));

/**
 * Where `struct epoll_event { uint32_t events; epoll_data_t data; }` keeps its fields: the kernel
 * declares it packed on x86-64 only (EPOLL_PACKED in uapi/linux/eventpoll.h), so there it is 12
 * bytes with the data at 4; everywhere else the 64-bit union is aligned: 16 bytes, data at 8.
 * Only these two are known here; anything else is refused by name, at start.
 */
export function epollEventLayout(arch: string = process.arch): { size: number; data: number } {
  if (arch === 'x64') return { size: 12, data: 4 };
  if (arch === 'arm64') return { size: 16, data: 8 };
  throw new Error(`the relay proxy engine knows struct epoll_event on x64 and arm64 only, not on ${arch}`);
}

/** An epoll instance; each fd's data word is the fd itself (the lower half, little-endian). */
export class Epoll {
  readonly fd: number;
  private readonly layout = epollEventLayout();
  private readonly ev = nativeBuffer(this.layout.size);
  private readonly evView = new DataView(this.ev.bytes.buffer, this.ev.bytes.byteOffset, this.layout.size);

  constructor() {
    this.fd = f.epollCreate1(SOCK_CLOEXEC) as number;
    if (this.fd < 0) throw new Error(`epoll_create1: errno ${errno()}`);
  }

  private ctl(op: number, fd: number, events: number): number {
    this.ev.bytes.fill(0);
    this.evView.setUint32(0, events, true);
    this.evView.setUint32(this.layout.data, fd, true);
    return f.epollCtl(this.fd, op, fd, this.ev.ptr) as number;
  }

  add(fd: number, events: number): number {
    return this.ctl(EPOLL_CTL_ADD, fd, events);
  }

  mod(fd: number, events: number): number {
    return this.ctl(EPOLL_CTL_MOD, fd, events);
  }

  del(fd: number): number {
    return this.ctl(EPOLL_CTL_DEL, fd, 0);
  }

  /** The bytes `max` events take in wait()'s buffer. */
  static bufferSize(max: number): number {
    return max * epollEventLayout().size;
  }

  /** Waits; `out` receives [events, fd] pairs. Returns how many. */
  wait(buf: NativeBuffer, max: number, timeoutMs: number, out: Int32Array): number {
    const n = f.epollWait(this.fd, buf.ptr, max, timeoutMs) as number;
    if (n <= 0) return n < 0 && errno() !== EINTR ? -1 : 0;
    const { size, data } = this.layout;
    const v = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, max * size);
    for (let i = 0; i < n; i++) {
      out[2 * i] = v.getUint32(size * i, true);
      out[2 * i + 1] = v.getUint32(size * i + data, true);
    }
    return n;
  }

  close(): void {
    f.close(this.fd);
    this.ev.free();
  }
}

/** accept4 into `addr` (a 128-byte sockaddr buffer); the new fd (non-blocking) or -1. */
export function accept(fd: number, addr: NativeBuffer, lenBuf: NativeBuffer): number {
  new DataView(lenBuf.bytes.buffer, lenBuf.bytes.byteOffset, 4).setUint32(0, 128, true);
  return f.accept4(fd, addr.ptr, lenBuf.ptr, SOCK_NONBLOCK | SOCK_CLOEXEC) as number;
}

export function tcpSocket(family: number): number {
  return f.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
}

export function connect(fd: number, sa: Uint8Array): number {
  return f.connect(fd, sa, sa.length) as number;
}

export const read = (fd: number, ptr: unknown, n: number): number => f.read(fd, ptr, n) as number;
export const write = (fd: number, ptr: unknown, n: number): number => f.write(fd, ptr, n) as number;
/** send() with MSG_MORE: the bytes may wait for what follows (a FIN from shutdown or close). */
export const sendMore = (fd: number, ptr: unknown, n: number): number => f.send(fd, ptr, n, MSG_MORE) as number;
export const writeBytes = (fd: number, b: Uint8Array): number => f.write(fd, b, b.length) as number;
export const shutdown = (fd: number, how: number): number => f.shutdown(fd, how) as number;
export const closeFd = (fd: number): number => f.close(fd) as number;
export const copy = (dst: unknown, src: unknown, n: number): void => void f.memcpy(dst, src, n);

const one = Buffer.alloc(4);
one.writeInt32LE(1);

export function noDelay(fd: number): void {
  f.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, one, 4);
}

/** Closing after this sends a reset instead of a FIN (SO_LINGER with a zero timeout). */
export function resetOnClose(fd: number): void {
  const l = Buffer.alloc(8);
  l.writeInt32LE(1, 0);
  l.writeInt32LE(0, 4);
  f.setsockopt(fd, SOL_SOCKET, SO_LINGER, l, 8);
}

/** A non-blocking eventfd, to wake a thread blocked in epoll_wait. */
export function eventFd(): number {
  return f.eventfd(0, SOCK_NONBLOCK | SOCK_CLOEXEC) as number;
}

const eight = Buffer.alloc(8);
eight.writeBigUInt64LE(1n);

export function wake(fd: number): void {
  f.write(fd, eight, 8);
}
