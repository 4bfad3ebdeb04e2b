/**
 * garp_extra_if / vrrp_garp_extra_if (formerly vmac_garp_intvl): while master, every `interval`
 * seconds, one gratuitous ARP / NA per extra interface carrying the instance's addresses - the
 * first address on each - starting garp_master_delay + interval after becoming master
 * (Keepalived vrrp.c vrrp_send_vmac_update, vrrp_gratuitous_arp_vmac_update_thread).
 *
 * Which interfaces (vrrp_complete_instance): those of VIPs / eVIPs other than the one the
 * instance announces on (its VMAC, else its interface). Keepalived sends on its own VMACs there,
 * and on other interfaces only with `all`; keepalived-ts makes no VMAC per address
 * (use_vmac_addr), so without `all` nothing is sent, as Keepalived disables the timer when there
 * is no extra interface. The instance's own interface gets them only with vmac_xmit_base (its
 * adverts then leave from the base interface and do not refresh the VMAC), and only when some
 * extra interface makes the timer run at all.
 */
import type { Clock } from '../../base/clock.js';
import type { Runtime } from './runtime.js';

export interface ExtraGarpTarget {
  readonly ifname: string;
  readonly address: string;
}

const US = 1_000_000;

/** One address per interface, in configuration order; empty when the timer would not run. */
export function extraGarpTargets(rt: Runtime): ExtraGarpTarget[] {
  const cfg = rt.inst.garp_extra_if;
  if (!cfg || cfg.interval <= 0 || !cfg.all) return [];
  const out = new Map<string, string>();
  for (const a of rt.addresses) {
    const ifname = a.dev ?? rt.ifname;
    if (ifname !== rt.vipIfname && !out.has(ifname)) out.set(ifname, a.address);
  }
  if (out.size === 0) return [];
  if (rt.inst.vmac_xmit_base && rt.vmac) {
    const own = rt.addresses.find((a) => (a.dev ?? rt.ifname) === rt.vipIfname);
    if (own) out.set(rt.vipIfname, own.address);
  }
  return [...out].map(([ifname, address]) => ({ ifname, address }));
}

/** The periodic announcements of the instances that are master. */
export class ExtraGarp {
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly send: (rt: Runtime, t: ExtraGarpTarget) => void,
  ) {}

  /** `rt` became master. */
  start(rt: Runtime): void {
    this.stop(rt.inst.name);
    const targets = extraGarpTargets(rt);
    if (targets.length === 0) return;
    const intervalUs = Math.round(rt.inst.garp_extra_if!.interval * US);
    const tick = (at: number) => {
      this.timers.set(rt.inst.name, this.clock.at(at, () => {
        for (const t of targets) this.send(rt, t);
        tick(at + intervalUs);
      }));
    };
    tick(this.clock.now() + Math.round(rt.inst.garp_master_delay * US) + intervalUs);
  }

  /** The instance is no longer master. */
  stop(name: string): void {
    const h = this.timers.get(name);
    if (h !== undefined) this.clock.cancel(h);
    this.timers.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.timers.keys()]) this.stop(name);
  }
}
