/**
 * --bgp-table in the Healthcheck child: keeps the table's `proto keepalived` routes equal to what
 * lb/announce.ts wants, one change at a time, and logs each announcement and withdrawal. The
 * first change starts from what the table holds (a crashed run's routes included), so a route
 * left behind is removed and one still wanted stays without a flap.
 */
import type { Logger } from '../../base/log.js';
import type { KeepalivedConfig } from '../../config/model.js';
import { routeChanges, wantedPrefixes } from '../../lb/announce.js';
import type { BgpRoutes } from '../../os/bgp-routes.js';

export class BgpAnnouncer {
  /** What the table holds, as far as we know; read from the kernel by the first change. */
  private present: Set<string> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly routes: BgpRoutes,
    private readonly table: number,
    private readonly log: Logger,
  ) {}

  /** Brings the table to `wanted` (queued behind any change under way). */
  set(wanted: readonly string[]): Promise<void> {
    const want = [...wanted];
    this.chain = this.chain.then(() => this.apply(want)).catch((e: Error) => this.log.error(`bgp table ${this.table}: ${e.message}`));
    return this.chain;
  }

  private async apply(wanted: readonly string[]): Promise<void> {
    if (this.present === undefined) {
      const found = await this.routes.list();
      this.present = new Set(found);
      const stale = found.filter((p) => !wanted.includes(p));
      if (stale.length > 0) this.log.info(`BGP table ${this.table}: removing ${stale.length} route(s) left from an earlier run`);
    }
    const { add, remove } = routeChanges(this.present, wanted);
    // Withdrawals first: a director stopping or losing a pool should stop attracting flows soonest.
    for (const p of remove) {
      await this.routes.remove(p);
      this.present.delete(p);
      this.log.info(`BGP table ${this.table}: withdrawing ${p}`);
    }
    for (const p of add) {
      await this.routes.add(p);
      this.present.add(p);
      this.log.info(`BGP table ${this.table}: announcing ${p}`);
    }
  }
}

/** What the announcement reads of a configuration and the pools' quorum. */
export function announcementOf(config: KeepalivedConfig, quorumUp: (v: number) => boolean, vrrpStates: Readonly<Record<string, string>>, stopping: boolean): string[] {
  return wantedPrefixes({
    services: config.virtual_server.map((vs, v) => ({
      ip: vs.ip,
      ...(vs.group !== undefined ? { ranges: (config.virtual_server_group.find((g) => g.name === vs.group)?.address_range ?? []).map((e) => ({ from: e.ip, to: e.ip_end, family: e.family })) } : {}),
      quorumUp: quorumUp(v),
    })),
    instances: config.vrrp_instance.map((i) => ({ name: i.name, addresses: [...i.virtual_ipaddress, ...i.virtual_ipaddress_excluded].map((a) => a.address) })),
    vrrpStates,
    stopping,
  });
}
