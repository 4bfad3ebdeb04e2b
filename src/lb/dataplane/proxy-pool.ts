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
