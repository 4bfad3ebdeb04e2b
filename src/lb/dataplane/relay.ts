/**
 * The relay: the userspace proxy's TCP path without Node's streams. One loop per worker thread
 * blocks in epoll_wait and moves bytes between client and server sockets through one native
 * buffer (read, then write): no JavaScript buffer, stream or socket object per connection, which
 * is what made new connections cost about twice HAProxy's (bench/dataplane). The scheduler and
 * the live connection counts stay the same JavaScript objects as the stream proxy's
 * (proxy-pool.ts), so every scheduler, drain and the PROXY protocol work as there.
 *
 * Per connection: accept4, pick a server (none: close with a reset, as IPVS refuses), connect
 * without blocking, then at once the PROXY header if asked and what the client has sent: on a
 * local network the handshake is usually over by then. If not (EAGAIN), those bytes wait parked
 * for EPOLLOUT. Then both sides read. A write that cannot take everything parks the rest in
 * native memory, stops reading the other side and waits for EPOLLOUT: the kernel's buffers are
 * the only queue. A FIN is passed on as shutdown(SHUT_WR) once nothing is parked; the connection
 * ends when both ways are done.
 *
 * The caller drives the loop: wait() returns the fds it asked to watch (the worker's wake-up
 * eventfd) when they become readable, and apply() and close() run between waits.
 *
 * Limits, as IPVS's timeouts and HAProxy's maxconn: a server that does not answer the handshake
 * within the connect timeout, and a connection idle past the idle timeout, end with a reset to
 * the client (both checked by a sweep about every second while there are connections). At the
 * maximum of connections, or when accept meets EMFILE/ENFILE, the listeners are taken out of the
 * epoll set (the backlog holds new clients): until a connection ends, or for a short back-off.
 *
 * Over 400 lines on purpose: this is one event loop, and a connection's life (accept, connect,
 * relay, park, half-close, error, timeout) reads top to bottom here; split, the hot path would
 * jump between files. The service table is relay-services.ts, the counters proxy-pool.ts.
 */
import { isIPv6 } from 'node:net';
import { addressBytes, readAddress } from '../../base/addr.js';
import { AF_INET, AF_INET6, EAGAIN, sockaddr } from '../../os/libc.js';
import koffi from 'koffi';
import {
  EINPROGRESS, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, Epoll, SHUT_WR, accept, at, closeFd, connect, copy, errno, nativeBuffer,
  noDelay, read, resetOnClose, sendMore, shutdown, tcpSocket, write, writeBytes, type NativeBuffer,
} from '../../os/stream-io.js';
import type { Scheduler } from '../scheduler.js';
import { ProxyCounters, type DestStats, type ProxyDest } from './proxy-pool.js';
import { RelayServices, type RelayService } from './relay-services.js';
import { proxyHeader, unmapped } from './proxy-protocol.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from './proxy.js';
import type { ServicePool } from './types.js';

const IO_SIZE = 65536;
const MAX_EVENTS = 256;
const ACCEPTS_PER_WAKE = 64;
const EMFILE = koffi.os.errno.EMFILE ?? 24;
const ENFILE = koffi.os.errno.ENFILE ?? 23;
const ENOBUFS = koffi.os.errno.ENOBUFS ?? 105;
const ENOMEM = koffi.os.errno.ENOMEM ?? 12;
/** How long accepting pauses when the process (or host) is out of descriptors, ms. */
const ACCEPT_BACKOFF_MS = 250;

/** One direction's bytes that the receiving socket could not take yet. */
interface Parked {
  buf: NativeBuffer;
  off: number;
  len: number;
}

interface Conn {
  readonly client: number;
  readonly server: number;
  readonly dest: ProxyDest;
  connected: boolean;
  header?: Uint8Array;
  /** Bytes parked towards the server / the client. */
  toServer?: Parked;
  toClient?: Parked;
  /** EOF read from the client / the server. */
  clientEof: boolean;
  serverEof: boolean;
  /** The side bytes went to with MSG_MORE (held for the FIN that should follow them). */
  corkedTo?: number;
  /** When it was opened, and when bytes last moved (the loop's coarse clock, ms). */
  readonly opened: number;
  last: number;
  /**
   * Taken out of the epoll set: the side hung up (EPOLLHUP, which no interest mask silences)
   * while its reads wait for parked bytes; put back when they may resume.
   */
  clientOut?: boolean;
  serverOut?: boolean;
}

export interface RelayOptions {
  readonly proxyProtocol?: 'v1' | 'v2';
  /** Opens the listening socket for a service (SO_REUSEPORT in workers). */
  readonly listenFd: (ip: string, port: number) => number;
  readonly log: (message: string) => void;
  readonly now?: () => number;
  /** A server that has not answered the handshake by then: the client is reset, ms (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** A connection without traffic either way for this long is ended, ms (default 15 min). */
  readonly idleTimeoutMs?: number;
  /** Connections this loop carries at most; beyond, new clients wait in the backlog (default: no limit). */
  readonly maxConns?: number;
}

export class Relay {
  private readonly ep = new Epoll();
  private readonly events = nativeBuffer(Epoll.bufferSize(MAX_EVENTS));
  private readonly ready = new Int32Array(MAX_EVENTS * 2);
  private readonly io = nativeBuffer(IO_SIZE);
  private readonly peer = nativeBuffer(128);
  private readonly peerLen = nativeBuffer(4);
  private readonly services: RelayServices;
  private readonly conns = new Map<number, Conn>();
  private readonly now: () => number;
  /** Extra fds the caller watches (its wake-up eventfd): their readiness ends wait(). */
  private readonly external = new Set<number>();
  /** Fds closed while handling this wait's events: their later events belong to no one. */
  private readonly closedNow = new Set<number>();
  private readonly counters = new ProxyCounters();
  /** Connections (pairs) open. */
  private pairs = 0;
  /** The loop's clock, read once per wake-up. */
  private clock: number;
  private nextSweep = 0;
  /** Accepting is paused: at the maximum, or (until `acceptAgain`) out of descriptors. */
  private full = false;
  private acceptAgain = 0;
  /** accept has met EMFILE/ENFILE since its last success (logged once). */
  private outOfFds = false;
  private readonly connectMs: number;
  private readonly idleMs: number;
  private readonly maxConns: number;

  constructor(private readonly opts: RelayOptions) {
    this.now = opts.now ?? Date.now;
    this.clock = this.now();
    this.connectMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.maxConns = opts.maxConns ?? Infinity;
    // A listener added while accepting is paused joins paused.
    this.services = new RelayServices(this.ep, { ...opts, events: () => (this.accepts() ? EPOLLIN : 0) });
  }

  /** How often connections are checked for the timeouts, ms. */
  private sweepEvery(): number {
    return Math.max(20, Math.min(1000, this.connectMs / 4, this.idleMs / 4));
  }

  stats(): DestStats[] {
    return this.counters.stats(this.services.values());
  }

  /** The loop's own descriptors: its epoll and listening sockets (not the connections'). */
  fds(): number[] {
    return [this.ep.fd, ...this.services.listeners.keys()];
  }

  watch(fd: number): void {
    this.external.add(fd);
    this.ep.add(fd, EPOLLIN);
  }

  apply(pools: readonly ServicePool[]): void {
    this.services.apply(pools);
  }

  /**
   * Waits up to `timeoutMs` (-1: for ever) and handles what is ready. Returns the external fds
   * that became readable (the caller's to read).
   */
  wait(timeoutMs: number): number[] {
    const due = this.dueIn();
    const n = this.ep.wait(this.events, MAX_EVENTS, due < 0 ? timeoutMs : timeoutMs < 0 ? due : Math.min(due, timeoutMs), this.ready);
    this.clock = this.now();
    const woke: number[] = [];
    this.closedNow.clear();
    // After the clear: this batch's events for what the sweep closes are skipped too.
    if (due >= 0) this.timers();
    for (let i = 0; i < n; i++) {
      const ev = this.ready[2 * i]!;
      const fd = this.ready[2 * i + 1]!;
      // A number closed (and maybe reused by an accept) earlier in this batch.
      if (this.closedNow.has(fd)) continue;
      if (this.external.has(fd)) woke.push(fd);
      else if (this.services.listeners.has(fd)) this.accepting(this.services.listeners.get(fd)!);
      else {
        const c = this.conns.get(fd);
        if (c) this.event(c, fd, ev);
      }
    }
    return woke;
  }

  /** Ms until the next sweep or the end of an accept back-off; -1: nothing due (wait for ever). */
  private dueIn(): number {
    const at = Math.min(this.conns.size > 0 ? this.nextSweep : Infinity, this.acceptAgain > 0 ? this.acceptAgain : Infinity);
    return at === Infinity ? -1 : Math.max(0, at - this.now());
  }

  private timers(): void {
    const now = this.clock;
    if (this.acceptAgain > 0 && now >= this.acceptAgain) {
      this.acceptAgain = 0;
      this.listening();
    }
    if (this.conns.size === 0 || now < this.nextSweep) return;
    this.nextSweep = now + this.sweepEvery();
    for (const [fd, c] of this.conns) {
      if (fd !== c.client) continue;
      if (!c.connected ? now - c.opened >= this.connectMs : now - c.last >= this.idleMs) this.end(c, true);
    }
  }

  /** Whether new connections are taken now. */
  private accepts(): boolean {
    return !this.full && this.acceptAgain === 0;
  }

  /** Watches the listeners or not, as accepts() says. */
  private listening(): void {
    const ev = this.accepts() ? EPOLLIN : 0;
    for (const fd of this.services.listeners.keys()) this.ep.mod(fd, ev);
  }

  private accepting(s: RelayService): void {
    for (let i = 0; i < ACCEPTS_PER_WAKE; i++) {
      if (!this.accepts()) return;
      const fd = accept(s.listenFd, this.peer, this.peerLen);
      if (fd < 0) {
        const e = errno();
        // Out of descriptors (or memory): the connection stays queued and the listener readable,
        // so epoll would wake at once for ever. Pause, as HAProxy does, and try again shortly.
        if (e === EMFILE || e === ENFILE || e === ENOBUFS || e === ENOMEM) {
          if (!this.outOfFds) this.opts.log(`proxy: accept failed (errno ${e}: out of descriptors or memory) - new connections wait ${ACCEPT_BACKOFF_MS} ms`);
          this.outOfFds = true;
          this.acceptAgain = this.now() + ACCEPT_BACKOFF_MS;
          this.listening();
        }
        return; // EAGAIN, or an error the next wake-up meets again
      }
      this.outOfFds = false;
      const p = this.peer.bytes;
      const v6 = (p[0]! | (p[1]! << 8)) === AF_INET6;
      const saddr = unmapped(readAddress(p, v6 ? 8 : 4, v6 ? 'inet6' : 'inet'));
      const sport = (p[2]! << 8) | p[3]!;
      const d = s.scheduler.schedule({ saddr, sport, daddr: s.ip, dport: s.port }, this.now()) as ProxyDest | undefined;
      if (!d) {
        // IPVS answers a service without servers with a refusal; the nearest for TCP is a reset.
        resetOnClose(fd);
        closeFd(fd);
        continue;
      }
      this.openPair(fd, d, saddr, sport, s);
    }
  }

  private openPair(client: number, d: ProxyDest, saddr: string, sport: number, s: RelayService): void {
    const server = tcpSocket(isIPv6(d.ip) ? AF_INET6 : AF_INET);
    if (server < 0) {
      resetOnClose(client);
      closeFd(client);
      return;
    }
    noDelay(server);
    const r = connect(server, serverAddress(d));
    if (r < 0 && errno() !== EINPROGRESS) {
      resetOnClose(client);
      closeFd(client);
      closeFd(server);
      return;
    }
    d.activeConns++;
    const counts = this.counters.of(d);
    counts.conns++;
    const c: Conn = { client, server, dest: d, connected: false, clientEof: false, serverEof: false, opened: this.clock, last: this.clock };
    if (this.conns.size === 0) this.nextSweep = this.clock + this.sweepEvery();
    this.conns.set(client, c);
    this.conns.set(server, c);
    if (++this.pairs >= this.maxConns && !this.full) {
      this.full = true;
      this.listening();
    }
    // Over veth and loopback the handshake is usually over before connect() returns, and the
    // client's first bytes are usually in by the time it is accepted: both are tried now, which
    // spares a wait for EPOLLOUT and an epoll_ctl per connection. A write that meets EAGAIN means
    // still connecting (sk_stream_wait_connect): what was read is parked until EPOLLOUT.
    let up = false;
    if (this.opts.proxyProtocol) {
      const header = proxyHeader(this.opts.proxyProtocol, { remoteAddress: saddr, remotePort: sport, localAddress: s.ip, localPort: s.port });
      const w = writeBytes(server, header);
      if (w < 0 && errno() !== EAGAIN) return this.end(c, true);
      // A few dozen bytes into an empty socket buffer are taken whole or not at all.
      if (w >= 0 && w !== header.length) return this.end(c, true);
      if (w < 0) c.header = header;
      else up = true;
    }
    const n = read(client, this.io.ptr, IO_SIZE);
    if (n < 0 && errno() !== EAGAIN) return this.end(c, true);
    if (n === 0) c.clientEof = true;
    if (n > 0) {
      counts.inBytes += n;
      const w = c.header ? -1 : write(server, this.io.ptr, n);
      if (w < 0 && !c.header && errno() !== EAGAIN) return this.end(c, true);
      if (w > 0) up = true;
      if (w !== n) this.park(c, true, Math.max(0, w), n);
    }
    if (!up) {
      this.ep.add(server, EPOLLOUT);
      return;
    }
    this.established(c, false, false);
  }

  /**
   * The server side is connected: the PROXY header goes out if it waited, then both sides are
   * watched.
   * `watched`: the server is in the epoll set already (it waited for EPOLLOUT); `readNow`: the
   * client has not been read yet.
   */
  private established(c: Conn, watched: boolean, readNow: boolean): void {
    c.connected = true;
    if (c.header) {
      if (writeBytes(c.server, c.header) !== c.header.length) return this.end(c, true);
      delete c.header;
    }
    // Bytes parked while connecting leave through flush() on the EPOLLOUT the server reports at
    // once. The client's EOF was read only if nothing came before it: nothing is parked then.
    if (c.clientEof) shutdown(c.server, SHUT_WR);
    const serverEvents = this.interest(c, false) | (c.toServer ? EPOLLOUT : 0);
    if (watched) this.ep.mod(c.server, serverEvents);
    else this.ep.add(c.server, serverEvents);
    this.ep.add(c.client, this.interest(c, true));
    // The client's request is usually there already: passed on now, not one wait later.
    if (readNow) this.pass(c, true);
  }

  private event(c: Conn, fd: number, ev: number): void {
    if (!c.connected) {
      if (fd !== c.server) return;
      // A failed connect reports EPOLLERR (its error in SO_ERROR, which nothing here needs).
      if ((ev & (EPOLLERR | EPOLLHUP)) !== 0) return this.end(c, true);
      return this.established(c, true, !c.toServer && !c.clientEof);
    }
    c.last = this.clock;
    const fromClient = fd === c.client;
    // A reset (or any socket error) on a side whose reads wait for parked bytes (or are over):
    // the connection is over both ways. EPOLLERR and EPOLLHUP are reported whatever the interest,
    // so it would otherwise wake every epoll_wait at once, for ever. A side still read is read
    // on: what came before the reset is still there, and the read after it reports the error.
    if ((ev & EPOLLERR) !== 0 && this.interest(c, fromClient) === 0) return this.end(c, true);
    if ((ev & EPOLLHUP) !== 0 && this.interest(c, fromClient) === 0 && !(fromClient ? c.toClient : c.toServer)) {
      // Hung up both ways with bytes still to read once the other side takes what is parked.
      this.ep.del(fd);
      if (fromClient) c.clientOut = true;
      else c.serverOut = true;
      return;
    }
    if ((ev & EPOLLOUT) !== 0 && !this.flush(c, fromClient)) return;
    if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) === 0) return;
    // The peer's FIN is there (EPOLLRDHUP): read on to it in this wake-up, not the next; this is
    // the end of most connections that the server closes (its answer and FIN come together).
    if ((ev & EPOLLRDHUP) !== 0) while (this.pass(c, fromClient, true));
    else this.pass(c, fromClient);
  }

  /**
   * Reads what `fromClient`'s side has and writes it to the other side; true when all was
   * written and the side may have more. `finIn`: the side's FIN has arrived (EPOLLRDHUP), so
   * reads end in EOF, never EAGAIN: the bytes are sent with MSG_MORE and wait for that FIN, which
   * shutdown (or close) tacks on to them: one segment, not two, for most connections, whose
   * server answers and closes at once.
   */
  private pass(c: Conn, fromClient: boolean, finIn = false): boolean {
    const src = fromClient ? c.client : c.server;
    const dst = fromClient ? c.server : c.client;
    if (fromClient ? c.toServer : c.toClient) return false; // parked bytes first
    if (fromClient ? c.clientEof : c.serverEof) return false;
    const n = read(src, this.io.ptr, IO_SIZE);
    if (n < 0) {
      // Bytes just sent with MSG_MORE wait for what follows: a reset would throw them away, so
      // they leave with a FIN instead.
      if (errno() !== EAGAIN) this.end(c, !(finIn && c.corkedTo === dst));
      return false;
    }
    if (n === 0) {
      if (fromClient) c.clientEof = true;
      else c.serverEof = true;
      // Both ways done: close() sends the last FIN; no shutdown, no epoll change first.
      if (c.clientEof && c.serverEof) {
        this.end(c, false);
        return false;
      }
      shutdown(dst, SHUT_WR);
      this.watchRead(c, fromClient, false);
      return false;
    }
    const counts = this.counters.of(c.dest);
    if (fromClient) counts.inBytes += n;
    else counts.outBytes += n;
    const w = finIn ? sendMore(dst, this.io.ptr, n) : write(dst, this.io.ptr, n);
    if (w === n) {
      if (finIn) c.corkedTo = dst;
      return true;
    }
    if (w < 0 && errno() !== EAGAIN) {
      this.end(c, true);
      return false;
    }
    // Parked bytes leave by write(), without MSG_MORE: nothing waits behind a full socket.
    this.park(c, fromClient, Math.max(0, w), n);
    // Stop reading this side until the other takes what is parked.
    this.watchRead(c, fromClient, false);
    this.want(c, !fromClient, this.interest(c, !fromClient) | EPOLLOUT);
    return false;
  }

  /** Parks the io buffer's bytes [from, to) read from `fromClient`'s side. */
  private park(c: Conn, fromClient: boolean, from: number, to: number): void {
    const buf = nativeBuffer(to - from);
    copy(buf.ptr, at(this.io.ptr, from), to - from);
    const parked: Parked = { buf, off: 0, len: to - from };
    if (fromClient) c.toServer = parked;
    else c.toClient = parked;
  }

  /** Writes bytes parked towards `toClient ? client : server`; false when the connection ended. */
  private flush(c: Conn, toClient: boolean): boolean {
    const p = toClient ? c.toClient : c.toServer;
    const dst = toClient ? c.client : c.server;
    if (!p) {
      this.want(c, toClient, this.interest(c, toClient));
      return true;
    }
    const w = write(dst, at(p.buf.ptr, p.off), p.len);
    if (w < 0) {
      if (errno() === EAGAIN) return true;
      this.end(c, true);
      return false;
    }
    p.off += w;
    p.len -= w;
    if (p.len > 0) return true;
    p.buf.free();
    if (toClient) delete c.toClient;
    else delete c.toServer;
    this.want(c, toClient, this.interest(c, toClient));
    this.watchRead(c, !toClient, true);
    return true;
  }

  /** The read interest of `client ? client : server` (none once it has sent its FIN). */
  private interest(c: Conn, client: boolean): number {
    const eof = client ? c.clientEof : c.serverEof;
    const parkedFrom = client ? c.toServer : c.toClient;
    return eof || parkedFrom ? 0 : EPOLLIN | EPOLLRDHUP;
  }

  private watchRead(c: Conn, client: boolean, on: boolean): void {
    const out = (client ? c.toClient : c.toServer) ? EPOLLOUT : 0;
    this.want(c, client, (on ? this.interest(c, client) : 0) | out);
  }

  /** Sets the events watched on `client ? client : server`, putting a side hung up back when it has some. */
  private want(c: Conn, client: boolean, events: number): void {
    const fd = client ? c.client : c.server;
    if (!(client ? c.clientOut : c.serverOut)) {
      this.ep.mod(fd, events);
      return;
    }
    if (events === 0) return;
    this.ep.add(fd, events);
    if (client) c.clientOut = false;
    else c.serverOut = false;
  }

  /** Closes both sides; `reset`: the client gets a reset (an error), not a FIN. */
  private end(c: Conn, reset: boolean): void {
    if (!this.conns.has(c.client)) return;
    this.conns.delete(c.client);
    this.conns.delete(c.server);
    c.dest.activeConns--;
    c.toClient?.buf.free();
    c.toServer?.buf.free();
    if (reset) resetOnClose(c.client);
    closeFd(c.client);
    closeFd(c.server);
    this.closedNow.add(c.client).add(c.server);
    if (--this.pairs < this.maxConns && this.full) {
      this.full = false;
      this.listening();
    }
  }

  /** Stops listening; running connections end now unless `keep`. */
  close(keep = false): void {
    this.services.close();
    if (!keep) for (const c of [...this.conns.values()]) this.end(c, false);
  }

  /** Frees the loop's own memory (after close()). */
  free(): void {
    this.ep.close();
    for (const b of [this.events, this.io, this.peer, this.peerLen]) b.free();
  }
}

const addresses = new WeakMap<ProxyDest, Buffer>();

/** The server's sockaddr, made once per server. */
function serverAddress(d: ProxyDest): Buffer {
  let sa = addresses.get(d);
  if (!sa) {
    sa = sockaddr(addressBytes(d.ip));
    sa.writeUInt16BE(d.port, 2);
    addresses.set(d, sa);
  }
  return sa;
}

