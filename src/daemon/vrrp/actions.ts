/**
 * The takeover path's hands: the engine's actions carried out. Adverts are encoded and sent, VIPs
 * added and removed (addresses.ts), gratuitous ARP / unsolicited NA paced (garp-pacer.ts,
 * garp-extra.ts), state changes logged as Keepalived logs them ("(VI_1) Entering MASTER STATE")
 * and handed to the child for notify scripts. Keepalived does the same in vrrp_state_become_master()
 * and vrrp_send_adv(); the decisions stay the engine's.
 */
import { ahBecameMaster, ahNextSend, buildAhDatagram } from '../../vrrp/ah.js';
import type { KeepalivedConfig } from '../../config/model.js';
import type { Announcer, NetConfig, VrrpSocket } from '../../os/types.js';
import { encodeAdvertisement } from '../../vrrp/packet.js';
import type { RouterAction } from '../../vrrp/router.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { AddressQueue } from './addresses.js';
import { ExtraGarp } from './garp-extra.js';
import { GarpPacer } from './garp-pacer.js';
import type { Runtime } from './runtime.js';

/** The parts of VrrpDeps (driver.ts) the actions use. */
export interface ActionDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly announcer: Announcer;
  readonly net: Pick<NetConfig, 'addAddressesNow'>;
  readonly onAction?: (a: RouterAction, rt: Runtime | undefined) => void;
  readonly trace?: (what: string) => void;
}

/**
 * An advert's bytes depend only on the runtime (rebuilt at each reload), the priority and, for
 * v3, the destination its checksum covers: encoded once and sent as they are afterwards, so that
 * a master's every advert costs one sendmsg, not an encoding, address parsing and garbage.
 */
const encoded = new WeakMap<Runtime, Map<number, Map<string, Uint8Array>>>();
const ENCODED_MAX = 64;

export function advertBytes(rt: Runtime, priority: number, dst: string): Uint8Array {
  let byPriority = encoded.get(rt);
  if (!byPriority) encoded.set(rt, (byPriority = new Map()));
  let byKey = byPriority.get(priority);
  if (!byKey) {
    if (byPriority.size >= ENCODED_MAX) byPriority.clear(); // tracking can walk the priority through many values
    byPriority.set(priority, (byKey = new Map()));
  }
  // v2's checksum covers the message only: one encoding serves every destination. (Keys looked
  // up by value, not a string built per advert.)
  const key = rt.inst.version === 2 ? '' : dst;
  let bytes = byKey.get(key);
  if (!bytes) {
    // v3's checksum covers the destination: each unicast peer gets its own (the first one may
    // be checksummed as v2 by v3_checksum_as_v2).
    const asV2 = rt.inst.v3_checksum_as_v2 && dst === rt.destinations[0];
    bytes = encodeAdvertisement({ ...rt.advertTemplate, priority }, { src: rt.src, dst, ...(asV2 ? { v3ChecksumAsV2: true } : {}) });
    byKey.set(key, bytes);
  }
  return bytes;
}

/** What the actions read of the driver, at the time they run. */
export interface ActionView {
  readonly config: KeepalivedConfig;
  readonly runtimes: ReadonlyMap<string, Runtime>;
  /** False only while stopping with -V: addresses stay. */
  readonly releasing: boolean;
}

/**
 * A step's actions in the order they are carried out: as the engine gave them, except that GARP
 * batches wait until the step's other actions are done, and so does what follows a batch for its
 * instance (or for a sync group), bar adverts. A step that wakes many masters at once can also owe
 * them their delayed GARP batch (garp_master_delay after they all became master together), which
 * the engine gives before each advert: carried out in that order, 100 instances' 500 GARPs went
 * out between the adverts, and the last advert of that batch left 6-12 ms late (bench/vrrp-load,
 * tcpdump on the peer). An advert does not depend on its instance's GARPs; an address removal,
 * say, still follows them.
 */
export function garpsLast(actions: readonly RouterAction[]): readonly RouterAction[] {
  let later: RouterAction[] | undefined;
  let waiting: Set<string> | undefined;
  let now: RouterAction[] | undefined;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    const inst = a.kind === 'group_transition' ? undefined : a.instance;
    if (a.kind === 'send_garp' || (later && a.kind !== 'send_advert' && (inst === undefined || waiting!.has(inst)))) {
      if (!later) now = actions.slice(0, i);
      (later ??= []).push(a);
      if (inst !== undefined) (waiting ??= new Set()).add(inst);
    } else now?.push(a);
  }
  return later ? [...now!, ...later] : actions;
}

export class ActionRunner {
  private extraGarpOf: ExtraGarp | undefined;
  private pacer: GarpPacer | undefined;

  constructor(
    private readonly deps: ActionDeps,
    private readonly addresses: AddressQueue,
    private readonly socketFor: (rt: Runtime) => VrrpSocket,
    private readonly view: () => ActionView,
  ) {}

  /** An AH advert: the next sequence number and IP ID, one ICV per destination (it covers the IP header). */
  private sendAh(rt: Runtime, priority: number): void {
    const ah = rt.ah!;
    ah.counter = ahNextSend(ah.counter);
    ah.ipId = (ah.ipId % 0xffff) + 1;
    const bytes = encodeAdvertisement({ ...rt.advertTemplate, priority }, { src: rt.src, dst: rt.destinations[0]! });
    for (const dst of rt.destinations) {
      try {
        const datagram = buildAhDatagram(bytes, { src: rt.src, dst, id: ah.ipId, ttl: rt.ttl, seq: ah.counter.seq, unicast: rt.inst.unicast }, ah.key);
        const s = this.socketFor(rt);
        if (!s.sendDatagram) throw new Error('this socket cannot send AH datagrams');
        s.sendDatagram(datagram, dst);
        this.deps.trace?.('advert sent');
      } catch (e) {
        this.deps.log.error(`(${rt.inst.name}) cannot send advert to ${dst}: ${(e as Error).message}`);
      }
    }
  }

  execute(a: RouterAction): void {
    const rt = a.kind === 'group_transition' ? undefined : this.view().runtimes.get(a.instance);
    this.deps.onAction?.(a, rt);
    if (a.kind === 'group_transition') {
      this.deps.log.info(`VRRP_Group(${a.group}) Syncing instances to ${a.to} state`);
      return;
    }
    if (!rt) return;
    const name = rt.inst.name;
    switch (a.kind) {
      case 'send_advert': {
        if (rt.ah) {
          this.sendAh(rt, a.priority);
          break;
        }
        for (const dst of rt.destinations) {
          const payload = advertBytes(rt, a.priority, dst);
          try {
            this.socketFor(rt).send(payload, dst, rt.src, rt.ttl);
            this.deps.trace?.('advert sent');
          } catch (e) {
            this.deps.log.error(`(${name}) cannot send advert to ${dst}: ${(e as Error).message}`);
          }
        }
        break;
      }
      case 'add_addresses': {
        // Keepalived adds the VIPs and announces them in the same breath as the advert; so do
        // we when nothing is queued before (rtnetlink answers synchronously). Routes and rules
        // go through `ip` and follow on the queue.
        const { net } = this.deps;
        if (net.addAddressesNow && !this.addresses.busy(name)) {
          try {
            net.addAddressesNow(rt.addresses, rt.ifname);
          } catch (e) {
            this.deps.log.error(`(${name}) ${(e as Error).message}`);
          }
          this.deps.trace?.('addresses added');
          if (rt.inst.virtual_routes.length > 0 || rt.inst.virtual_rules.length > 0) this.addresses.enqueue(name, () => this.addresses.addRoutesAndRules(rt));
        } else {
          this.addresses.enqueue(name, () => this.addresses.addAddresses(rt), true);
        }
        break;
      }
      case 'remove_addresses':
        this.garp.cancel(name);
        // -V (--dont-release-vrrp): a stopping daemon leaves its addresses where they are.
        if (this.view().releasing) this.addresses.enqueue(name, () => this.addresses.removeAddresses(rt), true);
        break;
      case 'send_garp': {
        const send = () => {
          for (const g of rt.announce) {
            // One interface failing (say, removed) does not silence the others.
            try {
              this.garp.send(name, g.pace, g.ifname, g.addresses, a.count);
            } catch (e) {
              this.deps.log.error(`(${name}) ${(e as Error).message}`);
            }
          }
          this.deps.trace?.('announced');
        };
        // Announced once the addresses are in place: at once unless an address change is queued.
        if (this.addresses.changingAddresses(name)) this.addresses.enqueue(name, async () => send());
        else send();
        break;
      }
      case 'transition':
        // A counter that reached its end starts again from 0 (Keepalived's vrrp_state_goto_master).
        if (a.to === 'MASTER' && rt.ah) rt.ah.counter = ahBecameMaster(rt.ah.counter);
        if (a.to === 'MASTER') this.extraGarp.start(rt);
        else if (a.from === 'MASTER') this.extraGarp.stop(name);
        this.deps.trace?.(`reported ${a.to}`);
        this.deps.log.info(`(${name}) Entering ${a.to} STATE${a.reason === 'init' ? ' (init)' : ''}${a.reason !== 'init' ? ` (${a.reason})` : ''}`);
        break;
      case 'master_rx_lower_pri':
      case 'priority_change':
        break;
      case 'log':
        this.deps.log.info(a.message);
        break;
    }
  }

  /** garp_extra_if (garp-extra.ts), through the pacer like every other announcement. */
  private get extraGarp(): ExtraGarp {
    return (this.extraGarpOf ??= new ExtraGarp(this.deps.clock, (rt, t) => {
      try {
        // A VMAC's messages count against its base interface's pace; others against their own.
        this.garp.send(rt.inst.name, t.ifname === rt.vipIfname ? rt.ifname : t.ifname, t.ifname, [t.address], 1);
      } catch (e) {
        this.deps.log.error(`(${rt.inst.name}) ${(e as Error).message}`);
      }
    }));
  }

  /** vrrp_garp_interval / vrrp_gna_interval / garp_group spacing (garp-pacer.ts). */
  private get garp(): GarpPacer {
    return (this.pacer ??= new GarpPacer(this.deps.clock, this.deps.announcer, () => this.view().config));
  }

  /** At stop: no more announcements. */
  stopAnnouncing(): void {
    this.extraGarp.stopAll();
    this.garp.cancelAll();
  }
}
