/**
 * What the VRRP side sets up on the host besides an instance's own addresses: static_ipaddress /
 * static_routes / static_rules (set at start, removed at stop, as Keepalived does), use_vmac's
 * macvlans, and the nftables table behind no_accept (accept-mode.ts). Housekeeping at start,
 * reload and stop; never on the takeover path.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { NetConfig, Vmacs, VmacSpec } from '../../os/types.js';
import type { VipFirewall } from '../../os/vip-firewall.js';
import type { Logger } from '../../base/log.js';
import { acceptModeFirewall } from './accept-mode.js';
import type { Runtime } from './runtime.js';

export interface HostSetupDeps {
  readonly log: Logger;
  readonly net: NetConfig;
  readonly vmacs?: Vmacs;
  readonly firewall?: VipFirewall;
}

export class HostSetup {
  /** The table installed (its name), if any. */
  private firewallTable: string | undefined;

  constructor(private readonly deps: HostSetupDeps) {}

  /** no_accept instances' VIPs behind the daemon's nftables table (accept-mode.ts). */
  async syncFirewall(config: KeepalivedConfig, runtimes: ReadonlyMap<string, Runtime>): Promise<void> {
    const fw = this.deps.firewall;
    if (!fw) return;
    const spec = acceptModeFirewall(config, runtimes.values());
    try {
      if (this.firewallTable !== undefined && (!spec || this.firewallTable !== spec.table)) await fw.remove(this.firewallTable);
      this.firewallTable = undefined;
      if (spec) {
        await fw.install(spec);
        this.firewallTable = spec.table;
        this.deps.log.info(`nftables table ${spec.table}: dropping traffic to ${spec.inet.length + spec.inet6.length} address(es) of no_accept instances`);
      }
    } catch (e) {
      this.deps.log.error(`nftables (accept mode): ${(e as Error).message}`);
    }
  }

  /** Removes the accept-mode table, if one is installed (at stop). */
  async removeFirewall(): Promise<void> {
    if (this.firewallTable !== undefined) {
      await this.deps.firewall?.remove(this.firewallTable).catch((e: Error) => this.deps.log.error(`nftables: ${e.message}`));
      this.firewallTable = undefined;
    }
  }

  /** Deletes the VMACs of `before` that `after` does not have, and creates `after`'s new ones. */
  async syncVmacs(before: ReadonlyMap<string, Runtime>, after: ReadonlyMap<string, Runtime>, ops = { create: true, remove: true }): Promise<void> {
    const specs = (m: ReadonlyMap<string, Runtime>) => new Map([...m.values()].flatMap((r) => (r.vmac ? [[r.vmac.name, r.vmac] as const] : [])));
    const was = specs(before);
    const now = specs(after);
    if (ops.create && now.size > 0 && !this.deps.vmacs) this.deps.log.error(`use_vmac: no VMAC support here - ${[...now.keys()].join(', ')} not created`);
    const vmacs = this.deps.vmacs;
    if (!vmacs) return;
    const same = (a: VmacSpec, b: VmacSpec) => a.base === b.base && a.mac === b.mac && a.family === b.family;
    // A name `after` still has was kept, or replaced by create().
    for (const name of ops.remove ? was.keys() : []) {
      if (now.has(name)) continue;
      await vmacs.remove(name).catch((e: Error) => this.deps.log.error(`VMAC ${name}: ${e.message}`));
    }
    for (const [name, spec] of ops.create ? now : []) {
      if (was.has(name) && same(was.get(name)!, spec)) continue;
      try {
        await vmacs.create(spec);
        this.deps.log.info(`VMAC ${name} (${spec.mac}) created on ${spec.base}`);
      } catch (e) {
        this.deps.log.error(`VMAC ${name}: ${(e as Error).message}`);
      }
    }
  }

  /** static_ipaddress / static_routes / static_rules: set at start, removed at stop (Keepalived). */
  async staticConfig(c: KeepalivedConfig, op: 'add' | 'remove'): Promise<void> {
    const { net, log } = this.deps;
    const dev = c.global_defs.default_interface;
    try {
      if (op === 'add') {
        if (c.static_ipaddress.length > 0) await net.addAddresses(c.static_ipaddress, dev);
        if (c.static_routes.length > 0) await net.addRoutes(c.static_routes, dev);
        if (c.static_rules.length > 0) await net.addRules(c.static_rules);
      } else {
        if (c.static_rules.length > 0) await net.removeRules(c.static_rules);
        if (c.static_routes.length > 0) await net.removeRoutes(c.static_routes, dev);
        if (c.static_ipaddress.length > 0) await net.removeAddresses(c.static_ipaddress, dev);
      }
    } catch (e) {
      log.error(`static addresses/routes/rules (${op}): ${(e as Error).message}`);
    }
  }
}
