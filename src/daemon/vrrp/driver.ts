/**
 * The VRRP side of the daemon: the pure engine (vrrp/router.ts) wired to a clock, raw sockets,
 * links and the address configuration. Everything here is glue; every protocol decision is the
 * engine's. The OS arrives through VrrpDeps, so the same driver runs on Linux and on fakes.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { Announcer, LinkInfo, Links, NetConfig, Vmacs, VmacSpec, VrrpPacket, VrrpSocket, VrrpSocketOptions } from '../../os/types.js';
import { decodeAdvertisement, encodeAdvertisement } from '../../vrrp/packet.js';
import { checkAdvert, type RefuseReason } from '../../vrrp/receive.js';
import { ahAccepted, ahBecameMaster, ahNextSend, buildAhDatagram } from '../../vrrp/ah.js';
import { compareAddresses } from '../../base/addr.js';
import { initialRouterState, routerWakeup, stepAll, stepRouter, type RouterAction, type RouterParams, type RouterState } from '../../vrrp/router.js';
import { carryOver, matchInstances, type InstanceIdentity } from '../../vrrp/reload.js';
import { startupDelayUs } from '../../vrrp/from-config.js';
import type { InstanceEvent, InstanceState, VrrpState } from '../../vrrp/types.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { VipFirewall } from '../../os/vip-firewall.js';
import { acceptModeFirewall } from './accept-mode.js';
import { ExtraGarp } from './garp-extra.js';
import { GarpPacer } from './garp-pacer.js';
import { TakeoverRehearsal } from './rehearsal.js';
import { buildRuntime, type ErrorStats, type Runtime } from './runtime.js';
import { TrackingFeed, type TrackedState } from './tracking-feed.js';

export interface VrrpDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly links: Links;
  readonly net: NetConfig;
  readonly announcer: Announcer;
  readonly openSocket: (o: VrrpSocketOptions) => VrrpSocket;
  /** use_vmac's macvlans; without it, instances with use_vmac run on their interface. */
  readonly vmacs?: Vmacs;
  /** accept / no_accept: the nftables table dropping traffic to non-accepting VIPs (os/vip-firewall.ts). */
  readonly firewall?: VipFirewall;
  /** Seconds since boot (/proc/uptime), for vrrp_delay_after_boot. */
  readonly uptimeSeconds?: () => number | undefined;
  /** -V / --dont-release-vrrp. */
  readonly keepAddressesOnStop?: boolean;
  /** State changes, for notify scripts, the FIFO and e-mail. */
  readonly onAction?: (a: RouterAction, rt: Runtime | undefined) => void;
  /** Milestones of a takeover, for KEEPALIVED_TS_TRACE (takeover-trace.ts). */
  readonly trace?: (what: string) => void;
  /**
   * How long before a backup's Master_Down deadline to wake and wait awake, µs (0 or absent:
   * never; only for a real clock: the wait spins on clock.now()). The VRRP child uses SPIN_US.
   */
  readonly spinUs?: number;
}

/** Engine timers that fire late: the measure of whether the daemon keeps VRRP's clock. */
export interface TimerLag {
  fired: number;
  maxLateUs: number;
  totalLateUs: number;
}

/** The VRRP child's spinUs: inside the rehearsals' quiet stretch before a deadline (rehearsal.ts), so that none delays the wake-up. */
export const SPIN_US = 300;

/** A socket timestamp older than this is not believed (a wall-clock step between arrival and read). */
const MAX_RX_AGE_US = 100_000;

const REFUSE_STAT: Record<Exclude<RefuseReason, 'not_vrrp'>, keyof ErrorStats> = {
  ttl: 'ip_ttl_err', version: 'version_err', auth_type_invalid: 'invalid_authtype', auth_type_mismatch: 'authtype_mismatch',
  auth_failure: 'auth_failure', interval: 'advert_interval_err', unicast_peer: 'unicast_src_err',
};

function identity(r: Runtime): InstanceIdentity {
  return { name: r.inst.name, vrid: r.inst.virtual_router_id, family: r.family, ifname: r.ifname, unicast: r.inst.unicast, endpoint: r.inst.unicast ? r.src : r.group };
}

export class VrrpDriver {
  runtimes = new Map<string, Runtime>();
  readonly lag: TimerLag = { fired: 0, maxLateUs: 0, totalLateUs: 0 };
  private params: RouterParams = { instances: [], groups: [] };
  private state: RouterState = { instances: {}, groups: {} };
  private readonly sockets = new Map<string, VrrpSocket>();
  private links = new Map<string, LinkInfo>();
  private timer: unknown;
  private rehearsalOf: TakeoverRehearsal | undefined;
  private extraGarpOf: ExtraGarp | undefined;
  private timerAt: number | undefined;
  /** The time the engine was last stepped at: events are never stepped earlier. */
  private lastStepAt = 0;
  private watcher: { close(): void } | undefined;
  /** Address changes run one after another per instance, in the engine's order. */
  private readonly queues = new Map<string, Promise<void>>();
  private feed: TrackingFeed | undefined;
  private readonly early: Array<['script' | 'file' | 'process' | 'bfd', string, TrackedState]> = [];
  private pacer: GarpPacer | undefined;
  private stopped = false;
  /** False only while stopping with -V: addresses stay. */
  private releasing = true;

  constructor(
    private config: KeepalivedConfig,
    private readonly deps: VrrpDeps,
  ) {}

  async start(): Promise<void> {
    for (const l of await this.deps.links.list()) this.links.set(l.name, l);
    this.setRuntimes(this.buildRuntimes(this.config));
    this.params = this.routerParams(this.config, this.runtimes);
    this.state = initialRouterState(this.params);
    // Addresses a crashed run left behind go first, as Keepalived does at start-up.
    await this.syncVmacs(new Map(), this.runtimes);
    await Promise.all([...this.runtimes.values()].map((rt) => this.removeAddresses(rt)));
    await this.staticConfig('add');
    await this.syncFirewall();
    for (const rt of this.runtimes.values()) {
      this.socketFor(rt);
      this.prepareAnnouncer(rt);
    }
    this.feed = new TrackingFeed(this.config, this.runtimes, this.links);
    // What trackers reported before the feed existed reaches the engine now (still in INIT): the
    // feed remembers what it last sent, so these events are the only news of those first results.
    for (const [kind, name, value] of this.early.splice(0)) for (const [inst, ev] of this.feed.set(kind, name, value)) this.deliver(inst, ev);
    this.watcher = this.deps.links.watch((l) => this.linkChanged(l));
    // The world as it is (links down, init_fail scripts) reaches the engine before it starts, so an
    // instance on a dead link enters FAULT at once rather than BACKUP first.
    for (const [name, ev] of this.feed.initialEvents()) this.deliver(name, ev);
    this.apply(stepAll(this.params, this.state, 'start', (this.lastStepAt = this.deps.clock.now())));
    this.rehearsal.run();
  }

  /** SIGTERM: masters send priority 0 and release their addresses; then the sockets close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.releasing = !this.deps.keepAddressesOnStop;
    this.apply(stepAll(this.params, this.state, 'shutdown', (this.lastStepAt = this.deps.clock.now())));
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.cancel(this.timer);
    this.rehearsal.cancel();
    this.extraGarp.stopAll();
    this.garp.cancelAll();
    this.watcher?.close();
    await Promise.all(this.queues.values());
    if (this.releasing) await this.staticConfig('remove');
    if (this.firewallTable !== undefined) {
      await this.deps.firewall?.remove(this.firewallTable).catch((e: Error) => this.deps.log.error(`nftables: ${e.message}`));
      this.firewallTable = undefined;
    }
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    // With -V the VIPs stay, so the macvlans holding them stay too.
    if (this.releasing) await this.syncVmacs(this.runtimes, new Map());
  }

  /** The table installed (its name), if any. */
  private firewallTable: string | undefined;

  /** no_accept instances' VIPs behind the daemon's nftables table (accept-mode.ts). */
  private async syncFirewall(config = this.config, runtimes = this.runtimes): Promise<void> {
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

  private prepareAnnouncer(rt: Runtime): void {
    try {
      this.deps.announcer.prepare?.(rt.vipIfname, rt.family);
    } catch (e) {
      this.deps.log.warn(`(${rt.inst.name}) ${(e as Error).message}`);
    }
  }

  /** Deletes the VMACs of `before` that `after` does not have, and creates `after`'s new ones. */
  private async syncVmacs(before: ReadonlyMap<string, Runtime>, after: ReadonlyMap<string, Runtime>, ops = { create: true, remove: true }): Promise<void> {
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

  /** Received adverts find their instance by socket and VRID without scanning every instance. */
  private byVrid = new Map<string, Runtime>();

  private setRuntimes(runtimes: Map<string, Runtime>): void {
    this.runtimes = runtimes;
    this.byVrid = new Map([...runtimes.values()].map((r) => [`${r.socketKey}/${r.inst.virtual_router_id}`, r]));
  }

  private buildRuntimes(config: KeepalivedConfig): Map<string, Runtime> {
    const out = new Map<string, Runtime>();
    const vmacNames = new Set<string>();
    for (const inst of config.vrrp_instance) {
      const rt = buildRuntime(config, inst, this.links, vmacNames);
      // Not built yet (and this kernel has no ipvlan driver to test one against): said, not ignored.
      if (inst.use_ipvlan) this.deps.log.warn(`(${inst.name}) use_ipvlan is not supported by keepalived-ts - the instance runs on ${inst.interface ?? 'its interface'} itself`);
      if (inst.track_bfd.length > 0) this.deps.log.warn(`(${inst.name}) track_bfd: keepalived-ts runs no BFD - ${inst.track_bfd.map((t) => t.name).join(', ')} never change the instance`);
      if (inst.use_vmac_addr) this.deps.log.warn(`(${inst.name}) use_vmac_addr is not supported by keepalived-ts - VIPs on other interfaces get no VMAC of their own`);
      if (typeof rt === 'string') this.deps.log.error(`${rt} - instance not started`);
      else out.set(inst.name, rt);
    }
    return out;
  }

  private routerParams(config: KeepalivedConfig, runtimes: ReadonlyMap<string, Runtime>): RouterParams {
    return {
      instances: [...runtimes.values()].map((r) => r.params),
      groups: config.vrrp_sync_group.map((g) => ({ name: g.name, members: g.group.filter((m) => runtimes.has(m)) })),
      // vrrp_startup_delay / vrrp_delay_after_boot: only the first start waits (reload starts new
      // instances at once).
      startupDelayUs: startupDelayUs(config.global_defs, this.deps.uptimeSeconds?.()),
    };
  }

  /**
   * SIGHUP with a configuration that loaded: matched masters stay master and only the addresses
   * that changed move; deleted instances resign; new ones start. (A configuration that failed to
   * load never gets here: the caller keeps the running one.)
   */
  async reload(config: KeepalivedConfig): Promise<void> {
    const next = this.buildRuntimes(config);
    await this.syncFirewall(config, next);
    // New VMACs before the sockets bind to them; the old ones go once their instances are done.
    await this.syncVmacs(this.runtimes, next, { create: true, remove: false });
    const now = this.deps.clock.now();
    const match = matchInstances([...this.runtimes.values()].map(identity), [...next.values()].map(identity));
    for (const name of match.deleted) {
      this.deps.log.info(`(${name}) removed by reload`);
      this.deliver(name, { kind: 'shutdown' });
    }
    const oldRuntimes = this.runtimes;
    const oldState = this.state;
    this.config = config;
    this.setRuntimes(next);
    this.params = this.routerParams(config, next);
    const fresh = initialRouterState(this.params);
    const instances: Record<string, InstanceState> = { ...fresh.instances };
    for (const [newName, oldName] of match.matched) {
      const old = oldState.instances[oldName]!;
      instances[newName] = carryOver(old, next.get(newName)!.params, now);
      // Keepalived keeps the AH sequence number across a reload.
      const was = oldRuntimes.get(oldName)?.ah;
      const becomes = next.get(newName)!.ah;
      if (was && becomes) {
        becomes.counter = was.counter;
        becomes.ipId = was.ipId;
      }
      if (old.state === 'MASTER') this.moveAddresses(oldRuntimes.get(oldName)!, next.get(newName)!);
    }
    const groups: Record<string, VrrpState> = {};
    for (const g of this.params.groups) groups[g.name] = oldState.groups[g.name] ?? 'INIT';
    this.state = { instances, groups };
    for (const [key, sock] of this.sockets) {
      if (![...next.values()].some((r) => r.socketKey === key)) {
        sock.close();
        this.sockets.delete(key);
      }
    }
    for (const rt of next.values()) {
      this.socketFor(rt);
      this.prepareAnnouncer(rt);
    }
    this.feed = new TrackingFeed(config, next, this.links, this.feed);
    for (const [name, ev] of this.feed.initialEvents()) this.deliver(name, ev);
    for (const [name, st] of Object.entries(this.state.instances)) if (st.state === 'INIT') this.deliver(name, { kind: 'start' });
    this.schedule();
    void Promise.all(this.queues.values()).then(() => this.syncVmacs(oldRuntimes, next, { create: false, remove: true }));
  }

  /** A master across a reload: only the addresses that changed come and go. */
  private moveAddresses(before: Runtime, after: Runtime): void {
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

  routerState(): RouterState {
    return this.state;
  }

  /** A tracked script, file or process changed (from the runners in daemon/track/). */
  setTracked(kind: 'script' | 'file' | 'process' | 'bfd', name: string, value: TrackedState): void {
    if (this.stopped) return;
    // Trackers start before the driver (a disabled script must be known before the first state).
    if (!this.feed) {
      this.early.push([kind, name, value]);
      return;
    }
    for (const [inst, ev] of this.feed.set(kind, name, value)) this.deliver(inst, ev);
  }

  /** `at`: when the event happened, if before now (an advert's arrival); never before the last step. */
  private deliver(name: string, ev: InstanceEvent, at?: number): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const when = at === undefined ? now : Math.min(now, Math.max(at, this.lastStepAt));
    this.lastStepAt = when;
    this.apply(stepRouter(this.params, this.state, name, ev, when));
  }

  private socketFor(rt: Runtime): VrrpSocket {
    let s = this.sockets.get(rt.socketKey);
    if (!s) {
      const groups = [...new Set([...this.runtimes.values()].filter((r) => r.socketKey === rt.socketKey && !r.inst.unicast).map((r) => r.group))];
      s = this.deps.openSocket({
        family: rt.family,
        ifname: rt.xmitIfname,
        groups,
        ...(rt.ah ? { protocol: 'ah' as const } : {}),
        onPacket: (p) => this.received(rt.socketKey, p),
        onError: (e) => this.deps.log.error(`VRRP socket ${rt.socketKey}: ${e.message}`),
      });
      this.sockets.set(rt.socketKey, s);
    }
    return s;
  }

  private received(socketKey: string, p: VrrpPacket): void {
    if (this.stopped) return;
    const vrid = p.bytes[1];
    const rt = this.byVrid.get(`${socketKey}/${vrid}`);
    if (!rt) return; // another VRID on the link (Keepalived logs these only with log_unknown_vrids)
    if (p.src === rt.src) return; // our own advert looped back
    const decoded = decodeAdvertisement(p.bytes, rt.family, {
      src: p.src,
      dst: p.dst,
      ...(rt.inst.v3_checksum_as_v2 ? { v3ChecksumAsV2: true } : {}),
      ...(rt.inst.unicast && rt.inst.old_unicast_checksum !== 'never' ? { oldUnicastDst: rt.group } : {}),
    });
    if (!decoded.ok) {
      const stat: Record<string, keyof ErrorStats> = { length: 'packet_len_err', addr_count: 'packet_len_err', version: 'version_err', type: 'invalid_type_rcvd', checksum: 'checksum_err' };
      rt.errors[stat[decoded.reason]!]++;
      this.deps.log.detail(`(${rt.inst.name}) dropped advert from ${p.src}: ${decoded.detail}`);
      return;
    }
    const multicast = rt.family === 'inet' ? /^2(2[4-9]|3\d)\./.test(p.dst) : p.dst.startsWith('ff');
    const verdict = checkAdvert(
      decoded.advert,
      { src: p.src, ttl: p.ttl, multicast, ...(p.ahDatagram ? { ahDatagram: p.ahDatagram } : {}), ...(rt.ah ? { ahCounter: rt.ah.counter } : {}) },
      rt.recv,
    );
    if (rt.ah && verdict.ahSeq !== undefined) {
      // Keepalived: the counter follows every authenticated advert; a master hearing a lower
      // priority (not 0) moves past that advert's number.
      const st = this.state.instances[rt.inst.name];
      const prio = decoded.advert.priority;
      const lower = verdict.accept && st?.state === 'MASTER' && prio !== 0 &&
        (prio < st.effectivePriority || (prio === st.effectivePriority && compareAddresses(p.src, rt.src) < 0));
      rt.ah.counter = ahAccepted(rt.ah.counter, verdict.ahSeq, lower);
    }
    if (!verdict.accept) {
      if (verdict.reason !== 'not_vrrp') rt.errors[REFUSE_STAT[verdict.reason]]++;
      this.deps.log.detail(`(${rt.inst.name}) dropped advert from ${p.src}: ${verdict.detail}`);
      return;
    }
    this.deps.trace?.(`advert from ${p.src}`);
    if (verdict.addressListMismatch) {
      rt.errors.addr_list_err++;
      this.deps.log.detail(`(${rt.inst.name}) advert from ${p.src} lists other virtual addresses than ours`);
    }
    // The Master_Down timer runs from the advert's arrival (RFC 5798 6.4.2), not from our read.
    const age = p.ageUs !== undefined && p.ageUs >= 0 && p.ageUs < MAX_RX_AGE_US ? p.ageUs : 0;
    this.deliver(rt.inst.name, { kind: 'advert', advert: decoded.advert, src: p.src }, this.deps.clock.now() - age);
  }

  private linkChanged(l: LinkInfo): void {
    const before = this.links.get(l.name);
    this.links.set(l.name, l);
    // A replaced interface (a new index or MAC): the announcer reads it again.
    if (before && (before.index !== l.index || before.mac !== l.mac)) {
      for (const rt of this.runtimes.values()) if (rt.vipIfname === l.name) this.prepareAnnouncer(rt);
    }
    if (!this.feed || (before && before.up === l.up)) return;
    this.deps.log.info(`Netlink reports ${l.name} ${l.up ? 'up' : 'down'}`);
    for (const [inst, ev] of this.feed.linkChanged(l)) this.deliver(inst, ev);
  }

  private apply(r: { state: RouterState; actions: readonly RouterAction[] }): void {
    this.state = r.state;
    for (const a of r.actions) this.execute(a);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = routerWakeup(this.state);
    if (next === this.timerAt) return;
    if (this.timer !== undefined) this.deps.clock.cancel(this.timer);
    this.rehearsal.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === undefined) return;
    // A backup whose Master_Down timer is the next one: warm its takeover path first, and wake
    // up early to wait for the deadline awake (below).
    const due = Object.entries(this.state.instances).filter(([, st]) => st.state === 'BACKUP' && st.deadline === next).map(([n]) => n);
    if (due.length > 0) this.rehearsal.warmUntil(next, new Set(due));
    const spinUs = this.deps.spinUs ?? 0;
    const spin = due.length > 0 && spinUs > 0;
    this.timer = this.deps.clock.at(spin ? next - spinUs : next, () => {
      this.timer = undefined;
      this.timerAt = undefined;
      if (spin) {
        // The last stretch before a takeover is spent awake: a timer wake-up on this VM is 50-400 us
        // late and the takeover path then runs on a cold CPU (bench/failover, KEEPALIVED_TS_TRACE).
        // This only happens when the master has already been silent for Master_Down less SPIN_US:
        // adverts push the deadline away long before. Adverts that came in meanwhile are read
        // first; one that moves the deadline cancels the takeover.
        while (this.deps.clock.now() < next);
        for (const s of this.sockets.values()) s.drain?.();
        if (this.timerAt !== undefined || this.stopped) return;
      }
      const now = this.deps.clock.now();
      const late = Math.max(0, now - next);
      this.lag.fired++;
      this.lag.totalLateUs += late;
      this.lag.maxLateUs = Math.max(this.lag.maxLateUs, late);
      this.deps.trace?.(`timer (${late} us late)`);
      this.lastStepAt = now;
      const r = stepAll(this.params, this.state, 'timer', now);
      this.deps.trace?.('engine stepped');
      this.apply(r);
    });
  }

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

  private execute(a: RouterAction): void {
    const rt = a.kind === 'group_transition' ? undefined : this.runtimes.get(a.instance);
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
        const bytes = encodeAdvertisement({ ...rt.advertTemplate, priority: a.priority }, { src: rt.src, dst: rt.destinations[0]!, ...(rt.inst.v3_checksum_as_v2 ? { v3ChecksumAsV2: true } : {}) });
        for (const dst of rt.destinations) {
          // v3's checksum covers the destination: each unicast peer gets its own.
          const payload = dst === rt.destinations[0] || rt.inst.version === 2 ? bytes : encodeAdvertisement({ ...rt.advertTemplate, priority: a.priority }, { src: rt.src, dst });
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
        if (net.addAddressesNow && !this.queued.has(name)) {
          try {
            net.addAddressesNow(rt.addresses, rt.ifname);
          } catch (e) {
            this.deps.log.error(`(${name}) ${(e as Error).message}`);
          }
          this.deps.trace?.('addresses added');
          if (rt.inst.virtual_routes.length > 0 || rt.inst.virtual_rules.length > 0) this.enqueue(name, () => this.addRoutesAndRules(rt));
        } else {
          this.enqueue(name, () => this.addAddresses(rt), true);
        }
        break;
      }
      case 'remove_addresses':
        this.garp.cancel(name);
        // -V (--dont-release-vrrp): a stopping daemon leaves its addresses where they are.
        if (this.releasing) this.enqueue(name, () => this.removeAddresses(rt), true);
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
        if ((this.addressOps.get(name) ?? 0) > 0) this.enqueue(name, async () => send());
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

  /** Running the takeover path ahead of time (rehearsal.ts). */
  private get rehearsal(): TakeoverRehearsal {
    return (this.rehearsalOf ??= new TakeoverRehearsal(
      { clock: this.deps.clock, log: this.deps.log, announcer: this.deps.announcer, socketFor: (rt) => this.socketFor(rt) },
      () => ({ params: this.params, state: this.state, runtimes: this.runtimes }),
    ));
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
    return (this.pacer ??= new GarpPacer(this.deps.clock, this.deps.announcer, () => this.config));
  }

  /** Instances with work on their queue, and how many of those operations change addresses. */
  private readonly queued = new Map<string, number>();
  private readonly addressOps = new Map<string, number>();

  private enqueue(name: string, op: () => Promise<void>, changesAddresses = false): void {
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

  /** static_ipaddress / static_routes / static_rules: set at start, removed at stop (Keepalived). */
  private async staticConfig(op: 'add' | 'remove'): Promise<void> {
    const { net, log } = this.deps;
    const c = this.config;
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

  private async addAddresses(rt: Runtime): Promise<void> {
    await this.deps.net.addAddresses(rt.addresses, rt.ifname);
    await this.addRoutesAndRules(rt);
  }

  private async addRoutesAndRules(rt: Runtime): Promise<void> {
    const { net } = this.deps;
    if (rt.inst.virtual_routes.length > 0) await net.addRoutes(rt.inst.virtual_routes, rt.ifname);
    if (rt.inst.virtual_rules.length > 0) await net.addRules(rt.inst.virtual_rules);
  }

  private async removeAddresses(rt: Runtime): Promise<void> {
    const { net } = this.deps;
    if (rt.inst.virtual_rules.length > 0) await net.removeRules(rt.inst.virtual_rules);
    if (rt.inst.virtual_routes.length > 0) await net.removeRoutes(rt.inst.virtual_routes, rt.ifname);
    await net.removeAddresses(rt.addresses, rt.ifname);
  }
}
