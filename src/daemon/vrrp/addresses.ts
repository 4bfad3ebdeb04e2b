/**
 * A VRRP instance's address changes (VIPs, virtual_routes, virtual_rules), run one after another
 * per instance in the engine's order: a master that resigns while its addresses are still being
 * added removes them after, never before. Keepalived does these synchronously in vrrp_state_*();
 * we queue them because `ip` and netlink answer asynchronously.
 */
import type { Announcer, NetConfig } from '../../os/types.js';
import type { Logger } from '../../base/log.js';
import type { Runtime } from './runtime.js';

export interface AddressDeps {
  readonly net: NetConfig;
  readonly log: Logger;
  readonly announcer: Announcer;
}

export class AddressQueue {
  /** Address changes run one after another per instance, in the engine's order. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Instances with work on their queue, and how many of those operations change addresses. */
  private readonly queued = new Map<string, number>();
  private readonly addressOps = new Map<string, number>();

  constructor(private readonly deps: AddressDeps) {}

  /** The instance has work on its queue. */
  busy(name: string): boolean {
    return this.queued.has(name);
  }

  /** An address change of the instance's is queued. */
  changingAddresses(name: string): boolean {
    return (this.addressOps.get(name) ?? 0) > 0;
  }

  /** Every queue's work so far, done. */
  settled(): Promise<void[]> {
    return Promise.all(this.queues.values());
  }

  enqueue(name: string, op: () => Promise<void>, changesAddresses = false): void {
    const bump = (m: Map<string, number>, by: number) => {
      const n = (m.get(name) ?? 0) + by;
      if (n === 0) m.delete(name);
      else m.set(name, n);
    };
    bump(this.queued, 1);
    if (changesAddresses) bump(this.addressOps, 1);
    const prev = this.queues.get(name) ?? Promise.resolve();
    const next = prev
      .then(op)
      .catch((e: Error) => this.deps.log.error(`(${name}) ${e.message}`))
      .finally(() => {
        bump(this.queued, -1);
        if (changesAddresses) bump(this.addressOps, -1);
      });
    this.queues.set(name, next);
  }

  async addAddresses(rt: Runtime): Promise<void> {
    await this.deps.net.addAddresses(rt.addresses, rt.ifname);
    await this.addRoutesAndRules(rt);
  }

  async addRoutesAndRules(rt: Runtime): Promise<void> {
    const { net } = this.deps;
    if (rt.inst.virtual_routes.length > 0) await net.addRoutes(rt.inst.virtual_routes, rt.ifname);
    if (rt.inst.virtual_rules.length > 0) await net.addRules(rt.inst.virtual_rules);
  }

  async removeAddresses(rt: Runtime): Promise<void> {
    const { net } = this.deps;
    if (rt.inst.virtual_rules.length > 0) await net.removeRules(rt.inst.virtual_rules);
    if (rt.inst.virtual_routes.length > 0) await net.removeRoutes(rt.inst.virtual_routes, rt.ifname);
    await net.removeAddresses(rt.addresses, rt.ifname);
  }

  /** A master across a reload: only the addresses that changed come and go. */
  moveAddresses(before: Runtime, after: Runtime): void {
    const key = (a: { address: string; prefixlen: number; dev?: string }, dev: string) => `${a.address}/${a.prefixlen} ${a.dev ?? dev}`;
    const was = new Map(before.addresses.map((a) => [key(a, before.ifname), a]));
    const now = new Map(after.addresses.map((a) => [key(a, after.ifname), a]));
    const gone = [...was].filter(([k]) => !now.has(k)).map(([, a]) => a);
    const come = [...now].filter(([k]) => !was.has(k)).map(([, a]) => a);
    this.enqueue(after.inst.name, async () => {
      if (gone.length > 0) await this.deps.net.removeAddresses(gone, before.ifname);
      if (come.length > 0) await this.deps.net.addAddresses(come, after.ifname);
      if (come.length > 0) this.deps.announcer.announce(after.vipIfname, come.map((a) => a.address));
    });
  }
}
