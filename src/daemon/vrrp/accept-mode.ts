/**
 * Which addresses the accept-mode firewall drops traffic to (os/vip-firewall.ts): the VIPs and
 * eVIPs of every instance without `accept` (no_accept, the default under vrrp_strict), except
 * the address owner's (priority 255), which always accepts - Keepalived's
 * vrrp_handle_accept_mode. Undefined when no instance needs the table: none is created then.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { VipFirewallSpec } from '../../os/vip-firewall.js';
import type { Runtime } from './runtime.js';

export function acceptModeFirewall(config: KeepalivedConfig, runtimes: Iterable<Runtime>): VipFirewallSpec | undefined {
  const g = config.global_defs;
  const inet: string[] = [];
  const inet6: string[] = [];
  for (const rt of runtimes) {
    if (rt.inst.accept || rt.inst.priority === 255) continue;
    for (const a of rt.addresses) (a.family === 'inet' ? inet : inet6).push(a.address);
  }
  if (inet.length + inet6.length === 0) return undefined;
  return { table: g.nftables ?? 'keepalived', priority: g.nftables_priority, counters: g.nftables_counters, inet, inet6 };
}
