/**
 * Fakes of the OS interfaces, for tests of the daemon's wiring: a LAN that carries VRRP messages
 * between fake sockets under a clock, links whose state the test sets, and address / announce
 * recorders. The real kernel is exercised by the namespace tests; these test the glue.
 */
import type { Clock } from '../base/clock.js';
import type { Announcer, LinkInfo, Links, NetConfig, VmacSpec, Vmacs, VrrpSocket, VrrpSocketOptions } from './types.js';

interface Member {
  readonly node: string;
  readonly opts: VrrpSocketOptions;
  readonly addresses: () => readonly string[];
  open: boolean;
}

/** One broadcast domain. Multicast reaches every other member; unicast the member owning dst. */
export class FakeLan {
  private readonly members: Member[] = [];
  /** Set to drop everything (a cut cable between all members). */
  down = false;
  /** When each delivered packet reached its receiver's socket (before the read latency). */
  readonly arrivals: number[] = [];

  /**
   * `readLatencyUs`: how long after arrival a receiver reads a packet (a busy event loop); packets
   * then carry it as their age, as the kernel's receive timestamp tells a real socket.
   */
  constructor(
    private readonly clock: Clock,
    private readonly delayUs = 100,
    private readonly readLatencyUs = 0,
  ) {}

  /** The socket factory for `node`, whose own addresses are `addresses()`. */
  socketsFor(node: string, addresses: () => readonly string[]): (o: VrrpSocketOptions) => VrrpSocket {
    return (opts) => {
      const m: Member = { node, opts, addresses, open: true };
      this.members.push(m);
      const deliver = (bytes: Uint8Array, dst: string, src: string, ttl: number, ahDatagram?: Uint8Array) => {
        if (!m.open || this.down) return;
        const multicast = dst.startsWith('224.') || dst.startsWith('ff');
        for (const to of this.members) {
          // A socket hears its own IP protocol only: VRRP (112) or AH (51).
          if (to === m || !to.open || to.opts.family !== opts.family || (to.opts.protocol ?? 'vrrp') !== (opts.protocol ?? 'vrrp')) continue;
          if (!multicast && !to.addresses().includes(dst)) continue;
          const arrival = this.clock.now() + this.delayUs;
          this.clock.at(arrival + this.readLatencyUs, () => {
            if (!to.open || this.down) return;
            this.arrivals.push(arrival);
            to.opts.onPacket({ bytes, src, dst, ttl, ifindex: 1, ...(this.readLatencyUs ? { ageUs: this.readLatencyUs } : {}), ...(ahDatagram ? { ahDatagram } : {}) });
          });
        }
      };
      return {
        send: (payload, dst, src, ttl = 255) => deliver(Uint8Array.from(payload), dst, src, ttl),
        // An AH datagram (vrrp/ah.ts): a 20-byte IP header, the 24-byte AH header, the advert.
        sendDatagram: (datagram, dst) => {
          const d = Uint8Array.from(datagram);
          deliver(d.subarray(44), dst, d.subarray(12, 16).join('.'), d[8]!, d);
        },
        close: () => {
          m.open = false;
        },
      };
    };
  }
}

export class FakeLinks implements Links {
  private readonly table = new Map<string, LinkInfo>();
  private readonly watchers = new Set<(l: LinkInfo) => void>();

  constructor(links: readonly LinkInfo[]) {
    for (const l of links) this.table.set(l.name, l);
  }

  async list(): Promise<LinkInfo[]> {
    return [...this.table.values()];
  }

  watch(onChange: (link: LinkInfo) => void): { close(): void } {
    this.watchers.add(onChange);
    return { close: () => void this.watchers.delete(onChange) };
  }

  set(name: string, patch: Partial<LinkInfo>): void {
    const l = { ...this.table.get(name)!, ...patch };
    this.table.set(name, l);
    for (const w of this.watchers) w(l);
  }
}

/** Records the addresses each interface holds. */
export class FakeNet implements NetConfig {
  readonly held = new Map<string, Set<string>>();
  readonly log: string[] = [];

  private on(dev: string): Set<string> {
    let s = this.held.get(dev);
    if (!s) this.held.set(dev, (s = new Set()));
    return s;
  }

  async addAddresses(addrs: Parameters<NetConfig['addAddresses']>[0], defaultDev: string): Promise<void> {
    for (const a of addrs) {
      this.on(a.dev ?? defaultDev).add(`${a.address}/${a.prefixlen}`);
      this.log.push(`add ${a.address}/${a.prefixlen} dev ${a.dev ?? defaultDev}`);
    }
  }

  async removeAddresses(addrs: Parameters<NetConfig['removeAddresses']>[0], defaultDev: string): Promise<void> {
    for (const a of addrs) {
      if (this.on(a.dev ?? defaultDev).delete(`${a.address}/${a.prefixlen}`)) this.log.push(`del ${a.address}/${a.prefixlen} dev ${a.dev ?? defaultDev}`);
    }
  }

  async addRoutes(): Promise<void> {}
  async removeRoutes(): Promise<void> {}
  async addRules(): Promise<void> {}
  async removeRules(): Promise<void> {}

  async addressesOf(ifname: string): Promise<string[]> {
    return [...this.on(ifname)];
  }
}

/** FakeNet whose address changes complete before returning, as rtnetlink's do (linux.ts). */
export class SyncFakeNet extends FakeNet {
  addAddressesNow(addrs: Parameters<NetConfig['addAddresses']>[0], defaultDev: string): void {
    void this.addAddresses(addrs, defaultDev);
  }
}

export class FakeAnnouncer implements Announcer {
  readonly sent: Array<{ ifname: string; addresses: readonly string[] }> = [];
  readonly prepared: string[] = [];
  prepare(ifname: string, family: 'inet' | 'inet6'): void {
    this.prepared.push(`${ifname}/${family}`);
  }
  announce(ifname: string, addresses: readonly string[]): void {
    this.sent.push({ ifname, addresses: [...addresses] });
  }
  close(): void {}
}

/** The macvlans that exist, and what was done to them. */
export class FakeVmacs implements Vmacs {
  readonly links = new Map<string, VmacSpec>();
  readonly log: string[] = [];
  async create(spec: VmacSpec): Promise<void> {
    this.links.set(spec.name, spec);
    this.log.push(`add ${spec.name} link ${spec.base} address ${spec.mac}`);
  }
  async remove(name: string): Promise<void> {
    if (this.links.delete(name)) this.log.push(`del ${name}`);
  }
}
