/**
 * The userspace proxy data plane, for hosts without nftables or root: each virtual server's
 * address is listened on, every new connection (TCP) or client (UDP) is given a real server by
 * the configured scheduler with live connection counts, and bytes are piped between the two by
 * Node's streams (no copying in JavaScript). The client's address can be passed on with the PROXY
 * protocol (v1 or v2) when asked. A server that leaves the pool, or drops to weight 0, takes no
 * new connections; those it has run to their end (drain).
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Logger } from '../../base/log.js';
import { reusePortListener } from '../../os/reuseport.js';
import type { Dest, Scheduler } from '../scheduler.js';
import { ProxyCounters, proxyScheduler, syncDests, type DestStats } from './proxy-pool.js';
import { proxyHeader } from './proxy-protocol.js';
import type { DataPlane, ServicePool } from './types.js';

export const DEFAULT_UDP_IDLE_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_UDP_MAX_SESSIONS = 4096;

export interface ProxyOptions {
  readonly log: Logger;
  /** Send a PROXY protocol header to the real servers (TCP). */
  readonly proxyProtocol?: 'v1' | 'v2';
  /**
   * How long a UDP client's session lives without traffic, ms (default 60 s; IPVS's udp timeout
   * is 300 s, but each session here holds a socket).
   */
  readonly udpIdleMs?: number;
  /**
   * UDP sessions kept per service at most (default 4096): each holds a socket, and any source
   * address and port, spoofed or not, opens one; beyond, the least recently used is closed.
   */
  readonly udpMaxSessions?: number;
  /** TCP: a server that has not answered the handshake by then gets the client reset, ms (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** TCP: a connection without traffic either way for this long is ended, ms (default 15 min). */
  readonly idleTimeoutMs?: number;
  /** Time for schedulers that use it (lblc); default Date.now. */
  readonly now?: () => number;
  /**
   * Opens the listening socket for a TCP service (default reusePortListener: the multi-worker
   * proxy gives each worker its own SO_REUSEPORT socket on the same address).
   */
  readonly listenFd?: (ip: string, port: number) => number;
  /** Serve UDP services (false in all workers but one: UDP sessions must stay in one place). */
  readonly udp?: boolean;
  /** Serve TCP services (false beside relay workers, which serve them). */
  readonly tcp?: boolean;
}

interface Service {
  readonly key: string;
  readonly scheduler: Scheduler;
  /** By `ip:port`: kept across applies so connection counts and drains survive a pool change. */
  readonly dests: Map<string, Dest & { ip: string; port: number }>;
  close(): Promise<void>;
}

export class ProxyDataPlane implements DataPlane {
  private readonly services = new Map<string, Service>();
  /** Connections running now, for close() and tests. */
  readonly open = new Set<net.Socket>();
  private readonly counters = new ProxyCounters();

  constructor(private readonly opts: ProxyOptions) {}

  stats(): DestStats[] {
    return this.counters.stats(this.services.values());
  }

  async apply(pools: readonly ServicePool[]): Promise<void> {
    const wanted = new Set<string>();
    for (const p of pools) {
      if (p.vs.ip === undefined || p.vs.port === undefined) {
        this.opts.log.error(`VS ${p.key}: the proxy serves address:port virtual servers only - not forwarded`);
        continue;
      }
      wanted.add(p.key);
      let s = this.services.get(p.key);
      if (!s) {
        s = await this.listen(p);
        this.services.set(p.key, s);
      }
      syncDests(s.dests, s.scheduler, p);
    }
    for (const [key, s] of this.services) {
      if (wanted.has(key)) continue;
      this.services.delete(key);
      await s.close();
    }
  }

  private listen(p: ServicePool): Promise<Service> {
    const vs = p.vs;
    const scheduler = proxyScheduler(vs);
    const dests = new Map<string, Dest & { ip: string; port: number }>();
    const now = this.opts.now ?? Date.now;
    const pick = (saddr: string, sport: number) => scheduler.schedule({ saddr, sport, daddr: vs.ip!, dport: vs.port! }, now()) as (Dest & { ip: string; port: number }) | undefined;
    if (vs.protocol === 'UDP') {
      if (this.opts.udp === false) return Promise.resolve({ key: p.key, scheduler, dests, close: async () => undefined });
      return Promise.resolve(this.listenUdp(p.key, vs.ip!, vs.port!, scheduler, dests, pick));
    }
    if (this.opts.tcp === false) return Promise.resolve({ key: p.key, scheduler, dests, close: async () => undefined });
    // Half-open both ways: a client's FIN is passed on and the server's answer still comes back.
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.connection(client, pick));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const ready = () => {
        server.off('error', reject);
        server.on('error', (e) => this.opts.log.error(`proxy ${p.key}: ${e.message}`));
        // Closing stops new connections only; running ones drain (or are ended by close()).
        resolve({ key: p.key, scheduler, dests, close: async () => void server.close() });
      };
      // Through libc by default too: its socket binds an address not on the host yet (IP_FREEBIND).
      let fd: number;
      try {
        fd = (this.opts.listenFd ?? reusePortListener)(vs.ip!, vs.port!);
      } catch (e) {
        return reject(e as Error);
      }
      server.listen({ fd }, ready);
    });
  }

  private connection(client: net.Socket, pick: (saddr: string, sport: number) => (Dest & { ip: string; port: number }) | undefined): void {
    const d = pick(client.remoteAddress ?? '', client.remotePort ?? 0);
    if (!d) {
      // IPVS answers a service without servers with a refusal; the nearest for TCP is a reset.
      client.resetAndDestroy();
      return;
    }
    d.activeConns++;
    const counts = this.counters.of(d as Dest & { ip: string; port: number });
    counts.conns++;
    this.open.add(client);
    const upstream = net.connect({ host: d.ip, port: d.port, noDelay: true, allowHalfOpen: true });
    if (this.opts.proxyProtocol) upstream.write(proxyHeader(this.opts.proxyProtocol, client));
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      d.activeConns--;
      counts.inBytes += client.bytesRead;
      counts.outBytes += client.bytesWritten;
      this.open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // As the relay's: a silent server's client is reset; an idle connection (no bytes either way
    // through the client's socket) ends.
    upstream.setTimeout(this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () => {
      client.resetAndDestroy();
      end();
    });
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      client.setTimeout(this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => {
        client.resetAndDestroy();
        end();
      });
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private listenUdp(key: string, ip: string, port: number, scheduler: Scheduler, dests: Service['dests'], pick: (saddr: string, sport: number) => (Dest & { ip: string; port: number }) | undefined): Service {
    let sock = dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');
    const sessions = new Map<string, { up: dgram.Socket; dest: Dest & { ip: string; port: number }; timer: NodeJS.Timeout }>();
    const idle = this.opts.udpIdleMs ?? DEFAULT_UDP_IDLE_MS;
    const max = Math.max(1, this.opts.udpMaxSessions ?? DEFAULT_UDP_MAX_SESSIONS);
    const drop = (id: string) => {
      const s = sessions.get(id)!;
      sessions.delete(id);
      clearTimeout(s.timer);
      s.dest.inactiveConns--;
      s.up.close();
    };
    const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      const id = `${rinfo.address}|${rinfo.port}`;
      let s = sessions.get(id);
      // A session whose server left the pool is forgotten: a client that keeps its port would
      // otherwise reach a server that is gone for as long as it keeps sending.
      if (s && dests.get(s.dest.key) !== s.dest) {
        drop(id);
        s = undefined;
      }
      // Most recently used last: the Map's order is the eviction order.
      if (s) {
        sessions.delete(id);
        sessions.set(id, s);
      } else {
        if (sessions.size >= max) drop(sessions.keys().next().value!);
        const d = pick(rinfo.address, rinfo.port);
        if (!d) return;
        const up = dgram.createSocket(net.isIPv6(d.ip) ? 'udp6' : 'udp4');
        const counts = this.counters.of(d);
        counts.conns++;
        up.on('message', (reply, from) => {
          if (from.address !== d.ip || from.port !== d.port) return;
          counts.outBytes += reply.length;
          sock.send(reply, rinfo.port, rinfo.address);
        });
        up.on('error', () => undefined);
        // UDP has no connection state: IPVS counts its entries as inactive.
        d.inactiveConns++;
        s = { up, dest: d, timer: setTimeout(() => undefined, 0) };
        sessions.set(id, s);
      }
      clearTimeout(s.timer);
      const session = s;
      s.timer = setTimeout(() => {
        if (sessions.get(id) === session) drop(id);
      }, idle);
      s.timer.unref();
      const d = session.dest;
      this.counters.of(d).inBytes += msg.length;
      session.up.send(msg, d.port, d.ip);
    };
    // Node's dgram cannot set IP_FREEBIND: an address not on the host yet (a backup director's
    // VIP) fails the bind with EADDRNOTAVAIL, which is tried again every second until it binds.
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    let waiting = false;
    const open = () => {
      sock.on('message', onMessage);
      sock.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EADDRNOTAVAIL' || e.syscall !== 'bind') return this.opts.log.error(`proxy ${key}: ${e.message}`);
        if (!waiting) this.opts.log.info(`proxy ${key}: ${ip} is not on this host yet - binding again every second`);
        waiting = true;
        sock.close();
        if (closed) return;
        retry = setTimeout(() => {
          sock = dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');
          open();
        }, 1000);
        retry.unref();
      });
      sock.on('listening', () => {
        if (waiting) this.opts.log.info(`proxy ${key}: listening on ${ip} now`);
        waiting = false;
      });
      sock.bind(port, ip);
    };
    open();
    return {
      key, scheduler, dests,
      close: async () => {
        for (const s of sessions.values()) {
          clearTimeout(s.timer);
          s.up.close();
        }
        closed = true;
        if (retry) clearTimeout(retry);
        try {
          sock.close();
        } catch {
          // closed already, between two binds
        }
      },
    };
  }

  /** Stops listening; running connections end now unless `keep`. */
  async close(keep = false): Promise<void> {
    for (const s of this.services.values()) await s.close();
    this.services.clear();
    if (!keep) for (const c of this.open) c.destroy();
  }
}
