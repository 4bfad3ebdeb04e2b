/**
 * A proxied service's servers and scheduler, shared by the stream proxy (proxy.ts) and the relay
 * (relay.ts): servers that stay keep their Dest objects across pool changes, so live connection
 * counts and drains carry over.
 */
import { createScheduler, type Dest, type Scheduler } from '../scheduler.js';
import type { ServicePool, VirtualServerModel } from './types.js';

export type ProxyDest = Dest & { ip: string; port: number };

export function proxyScheduler(vs: VirtualServerModel): Scheduler {
  return createScheduler(vs.lvs_sched, { flags: { 'sh-port': vs['sh-port'], 'sh-fallback': vs['sh-fallback'], 'mh-port': vs['mh-port'], 'mh-fallback': vs['mh-fallback'] } });
}

/** Makes `dests` the pool's servers with its weights and tells the scheduler. */
export function syncDests(dests: Map<string, ProxyDest>, scheduler: Scheduler, p: ServicePool): void {
  const next = new Map<string, ProxyDest>();
  for (const e of p.entries) {
    const id = `${e.ip}:${e.port}`;
    const d = dests.get(id) ?? { key: id, ip: e.ip, port: e.port, weight: 0, activeConns: 0, inactiveConns: 0 };
    d.weight = e.weight;
    next.set(id, d);
  }
  dests.clear();
  for (const [k, d] of next) dests.set(k, d);
  scheduler.update([...dests.values()]);
}

/** What a proxy has done for one server of one service since it started. */
export interface DestStats {
  readonly service: string;
  /** `ip:port` */
  readonly dest: string;
  conns: number;
  /** Client to server, and back. */
  inBytes: number;
  outBytes: number;
  active: number;
  inactive: number;
}

/** Counters per server, beside the scheduler's Dest (which keeps the live counts). */
export class ProxyCounters {
  private readonly byDest = new WeakMap<ProxyDest, { conns: number; inBytes: number; outBytes: number }>();

  of(d: ProxyDest): { conns: number; inBytes: number; outBytes: number } {
    let c = this.byDest.get(d);
    if (!c) this.byDest.set(d, (c = { conns: 0, inBytes: 0, outBytes: 0 }));
    return c;
  }

  /** The servers of `services` now in their pools, with their counts. */
  stats(services: Iterable<{ readonly key: string; readonly dests: ReadonlyMap<string, ProxyDest> }>): DestStats[] {
    const out: DestStats[] = [];
    for (const s of services) {
      for (const [id, d] of s.dests) out.push({ service: s.key, dest: id, ...this.of(d), active: d.activeConns, inactive: d.inactiveConns });
    }
    return out;
  }
}
