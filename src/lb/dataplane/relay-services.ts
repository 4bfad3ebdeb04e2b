/**
 * The relay's service table: which virtual servers it listens for. apply() opens a listening
 * socket per new address:port service and closes those no longer wanted; the connections
 * themselves (relay.ts) never look here again once accepted, so running ones drain as IPVS's do.
 * The scheduler and destinations are the stream proxy's (proxy-pool.ts).
 */
import { EPOLLIN, closeFd, noDelay, type Epoll } from '../../os/stream-io.js';
import type { Scheduler } from '../scheduler.js';
import { proxyScheduler, syncDests, type ProxyDest } from './proxy-pool.js';
import type { ServicePool } from './types.js';

export interface RelayService {
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  readonly listenFd: number;
  readonly scheduler: Scheduler;
  readonly dests: Map<string, ProxyDest>;
}

export interface RelayServiceOptions {
  /** Opens the listening socket for a service (SO_REUSEPORT in workers). */
  readonly listenFd: (ip: string, port: number) => number;
  readonly log: (message: string) => void;
  /** The epoll events a new listener starts with (0 while the relay is not accepting). */
  readonly events?: () => number;
}

export class RelayServices {
  private readonly services = new Map<string, RelayService>();
  /** The services by listening fd: the relay's loop tells accepts from connection events by it. */
  readonly listeners = new Map<number, RelayService>();

  constructor(private readonly ep: Epoll, private readonly opts: RelayServiceOptions) {}

  values(): IterableIterator<RelayService> {
    return this.services.values();
  }

  apply(pools: readonly ServicePool[]): void {
    const wanted = new Set<string>();
    for (const p of pools) {
      const vs = p.vs;
      if (vs.protocol === 'UDP') continue; // the stream proxy serves UDP
      if (vs.ip === undefined || vs.port === undefined) {
        this.opts.log(`VS ${p.key}: the proxy serves address:port virtual servers only - not forwarded`);
        continue;
      }
      wanted.add(p.key);
      let s = this.services.get(p.key);
      if (!s) {
        const listenFd = this.opts.listenFd(vs.ip, vs.port);
        // Accepted sockets inherit TCP_NODELAY from the listener: one call per service, not per connection.
        noDelay(listenFd);
        s = { key: p.key, ip: vs.ip, port: vs.port, listenFd, scheduler: proxyScheduler(vs), dests: new Map() };
        this.services.set(p.key, s);
        this.listeners.set(listenFd, s);
        this.ep.add(listenFd, this.opts.events?.() ?? EPOLLIN);
      }
      syncDests(s.dests, s.scheduler, p);
    }
    for (const [key, s] of this.services) {
      if (wanted.has(key)) continue;
      // Stops new connections only: running ones drain.
      this.services.delete(key);
      this.listeners.delete(s.listenFd);
      closeFd(s.listenFd);
    }
  }

  /** Stops listening for every service. */
  close(): void {
    for (const s of this.services.values()) closeFd(s.listenFd);
    this.services.clear();
    this.listeners.clear();
  }
}
