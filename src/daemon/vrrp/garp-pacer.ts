/**
 * Spacing of gratuitous ARPs / unsolicited neighbour adverts on the wire (Keepalived's
 * vrrp_garp_interval / vrrp_gna_interval in global_defs, and garp_group per interface or group of
 * interfaces): each message on an interface waits until the previous one plus the interval, across
 * all the instances that share it, so that switches that rate-limit ARP do not drop them. With no
 * interval a batch goes out back to back, as before. Pending messages of an instance are dropped
 * when it stops being master (Keepalived takes its addresses off the interface's GARP list).
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { Announcer } from '../../os/types.js';
import type { Clock } from '../../base/clock.js';

const US = 1_000_000;

interface Pacing {
  /** Interfaces of one garp_group share one pace. */
  readonly key: string;
  readonly garpUs: number;
  readonly gnaUs: number;
}

/** The intervals that apply on `ifname`: its garp_group's, else the global ones. */
export function pacingFor(config: KeepalivedConfig, ifname: string): Pacing {
  const i = config.garp_group.findIndex((g) => g.interface === ifname || g.interfaces.includes(ifname));
  const g = config.garp_group[i];
  if (g) return { key: `group ${i}`, garpUs: Math.round((g.garp_interval ?? 0) * US), gnaUs: Math.round((g.gna_interval ?? 0) * US) };
  const d = config.global_defs;
  return { key: `if ${ifname}`, garpUs: Math.round(d.vrrp_garp_interval * US), gnaUs: Math.round(d.vrrp_gna_interval * US) };
}

export class GarpPacer {
  /** Pace key and family -> when the next message may leave. */
  private readonly nextAt = new Map<string, number>();
  /** Instance -> its messages waiting for their turn. */
  private readonly pending = new Map<string, Set<unknown>>();

  constructor(
    private readonly clock: Clock,
    private readonly announcer: Announcer,
    private readonly config: () => KeepalivedConfig,
  ) {}

  /**
   * `count` rounds of announcements of `addresses` out of `ifname`, for instance `owner`, paced
   * by `baseIfname`'s intervals (a VMAC's messages count against its physical interface).
   */
  send(owner: string, baseIfname: string, ifname: string, addresses: readonly string[], count: number): void {
    const pace = pacingFor(this.config(), baseIfname);
    const v4 = addresses.filter((a) => !a.includes(':'));
    const v6 = addresses.filter((a) => a.includes(':'));
    for (let round = 0; round < count; round++) {
      if (pace.garpUs === 0 && pace.gnaUs === 0) {
        this.announcer.announce(ifname, addresses);
        continue;
      }
      for (const [list, family, gap] of [[v4, 'inet', pace.garpUs], [v6, 'inet6', pace.gnaUs]] as const) {
        if (gap === 0) {
          if (list.length > 0) this.announcer.announce(ifname, list);
          continue;
        }
        for (const addr of list) this.paced(owner, `${pace.key} ${family}`, gap, () => this.announcer.announce(ifname, [addr]));
      }
    }
  }

  /** Forgets the instance's messages not yet sent. */
  cancel(owner: string): void {
    for (const h of this.pending.get(owner) ?? []) this.clock.cancel(h);
    this.pending.delete(owner);
  }

  cancelAll(): void {
    for (const owner of [...this.pending.keys()]) this.cancel(owner);
  }

  private paced(owner: string, key: string, gapUs: number, send: () => void): void {
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt.get(key) ?? now);
    this.nextAt.set(key, at + gapUs);
    if (at <= now) {
      send();
      return;
    }
    const mine = this.pending.get(owner) ?? new Set<unknown>();
    this.pending.set(owner, mine);
    const h = this.clock.at(at, () => {
      mine.delete(h);
      send();
    });
    mine.add(h);
  }
}
