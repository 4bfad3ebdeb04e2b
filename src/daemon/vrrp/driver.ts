/**
 * The VRRP side of the daemon: the pure engine (vrrp/router.ts) wired to a clock, raw sockets,
 * links and the address configuration. Everything here is glue; every protocol decision is the
 * engine's. The OS arrives through VrrpDeps, so the same driver runs on Linux and on fakes.
 *
 * This is the façade; its collaborators each have one job: advert-receiver.ts (packets in),
 * wakeup.ts (the engine's timer, the spin before a takeover), actions.ts (adverts out, addresses,
 * GARP), addresses.ts (the per-instance address queue), host-setup.ts (static config, VMACs, the
 * accept-mode firewall) and reload.ts (SIGHUP's carry-over).
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { Announcer, LinkInfo, Links, NetConfig, Vmacs, VrrpPacket, VrrpSocket, VrrpSocketOptions } from '../../os/types.js';
import { initialRouterState, routerWakeup, stepAll, stepRouter, type RouterAction, type RouterParams, type RouterState, type RouterStep } from '../../vrrp/router.js';
import { startupDelayUs } from '../../vrrp/from-config.js';
import { InstanceStates } from '../../vrrp/instance-states.js';
import type { InstanceEvent } from '../../vrrp/types.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { VipFirewall } from '../../os/vip-firewall.js';
import type { SendRing } from '../../os/uring.js';
import { ActionRunner, garpsLast } from './actions.js';
import { AddressQueue } from './addresses.js';
import { AdvertReceiver } from './advert-receiver.js';
import { AdvertStager, type StagedAdverts } from './advert-stager.js';
import { HostSetup } from './host-setup.js';
import { TakeoverRehearsal } from './rehearsal.js';
import { matchReloaded, reloadedState } from './reload.js';
import { buildRuntime, type Runtime } from './runtime.js';
import { TrackingFeed, type TrackedState } from './tracking-feed.js';
import { EngineWakeup, type PreparedStep, type TimerLag } from './wakeup.js';

export type { TimerLag } from './wakeup.js';

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
  /** Each engine timer's lateness, µs (max_auto_priority and min_auto_priority_delay). */
  readonly onTimerLate?: (lateUs: number) => void;
  /** The kernel's timed sends (os/uring.ts): a master's adverts queued when its timer is armed. */
  readonly ring?: SendRing;
}

/** The VRRP child's spinUs: inside the rehearsals' quiet stretch before a deadline (rehearsal.ts), so that none delays the wake-up. */
export const SPIN_US = 300;

export class VrrpDriver {
  runtimes = new Map<string, Runtime>();
  private params: RouterParams = { instances: [], groups: [] };
  private state: RouterState = { instances: InstanceStates.of([]), groups: {} };
  private readonly sockets = new Map<string, VrrpSocket>();
  private links = new Map<string, LinkInfo>();
  /** The time the engine was last stepped at: events are never stepped earlier. */
  private lastStepAt = 0;
  private watcher: { close(): void } | undefined;
  private feed: TrackingFeed | undefined;
  private readonly early: Array<['script' | 'file' | 'process' | 'bfd', string, TrackedState]> = [];
  private stopped = false;
  /** False only while stopping with -V: addresses stay. */
  private releasing = true;

  /** Running the takeover path ahead of time (rehearsal.ts). */
  private readonly rehearsal: TakeoverRehearsal;
  private readonly wakeup: EngineWakeup<PreparedStep & { readonly step: RouterStep; staged: StagedAdverts | undefined; sent: boolean }>;
  private readonly receiver: AdvertReceiver;
  private readonly stager: AdvertStager | undefined;
  private readonly addresses: AddressQueue;
  private readonly actions: ActionRunner;
  private readonly host: HostSetup;

  constructor(
    private config: KeepalivedConfig,
    private readonly deps: VrrpDeps,
  ) {
    this.rehearsal = new TakeoverRehearsal(
      { clock: deps.clock, log: deps.log, announcer: deps.announcer, socketFor: (rt) => this.socketFor(rt) },
      () => ({ params: this.params, state: this.state, runtimes: this.runtimes }),
    );
    this.wakeup = new EngineWakeup(deps, this.rehearsal, () => ({ state: this.state, stopped: this.stopped, sockets: this.sockets.values() }), {
      step: (now) => {
        this.lastStepAt = now;
        const r = stepAll(this.params, this.state, 'timer', now);
        this.deps.trace?.('engine stepped');
        this.apply(r);
      },
      prepare: (at) => {
        const from = this.state;
        const r = stepAll(this.params, from, 'timer', at);
        if (r.actions.length === 0 || r.actions.some((a) => a.kind !== 'send_advert')) return undefined;
        return { from, to: r.state, at, nextWake: routerWakeup(r.state), step: r, staged: undefined as StagedAdverts | undefined, sent: false as boolean };
      },
      stage: (p) => {
        p.staged = this.stager?.stage(p.at, p.step.actions);
      },
      settle: (p) => {
        // Once: the batch's buffers are free again after it, and `sent` says who sends.
        if (p.staged) p.sent = this.stager!.settle(p.staged);
        p.staged = undefined;
        return p.sent;
      },
      apply: (p) => {
        // Stepped at its due time: the same actions as at any time before nextWake (wakeup.ts);
        // a time the engine derives from `now` (an owner's rogueUntil) counts from the due time.
        this.lastStepAt = p.at;
        this.apply(p.sent ? { state: p.step.state, actions: [] } : p.step);
        this.deps.trace?.('prepared step applied');
      },
    });
    this.stager = deps.ring && new AdvertStager({ ring: deps.ring, log: deps.log, trace: deps.trace, runtime: (name) => this.runtimes.get(name), socketFor: (rt) => this.socketFor(rt) });
    this.receiver = new AdvertReceiver({ ...deps, instanceState: (name) => this.state.instances.get(name) });
    this.addresses = new AddressQueue(deps);
    this.actions = new ActionRunner(deps, this.addresses, (rt) => this.socketFor(rt), () => ({ config: this.config, runtimes: this.runtimes, releasing: this.releasing }));
    this.host = new HostSetup(deps);
  }

  /** Engine timers that fire late (wakeup.ts). */
  get lag(): TimerLag {
    return this.wakeup.lag;
  }

  async start(): Promise<void> {
    for (const l of await this.deps.links.list()) this.links.set(l.name, l);
    this.setRuntimes(this.buildRuntimes(this.config));
    this.params = this.routerParams(this.config, this.runtimes);
    this.state = initialRouterState(this.params);
    // Addresses a crashed run left behind go first, as Keepalived does at start-up.
    await this.host.syncVmacs(new Map(), this.runtimes);
    await Promise.all([...this.runtimes.values()].map((rt) => this.addresses.removeAddresses(rt)));
    await this.host.staticConfig(this.config, 'add');
    await this.host.syncFirewall(this.config, this.runtimes);
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
    this.wakeup.settleStaged();
    this.releasing = !this.deps.keepAddressesOnStop;
    this.apply(stepAll(this.params, this.state, 'shutdown', (this.lastStepAt = this.deps.clock.now())));
    this.stopped = true;
    this.wakeup.cancel();
    this.rehearsal.cancel();
    this.actions.stopAnnouncing();
    this.watcher?.close();
    await this.addresses.settled();
    if (this.releasing) await this.host.staticConfig(this.config, 'remove');
    await this.host.removeFirewall();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    // With -V the VIPs stay, so the macvlans holding them stay too.
    if (this.releasing) await this.host.syncVmacs(this.runtimes, new Map());
  }

  private prepareAnnouncer(rt: Runtime): void {
    try {
      this.deps.announcer.prepare?.(rt.vipIfname, rt.family);
    } catch (e) {
      this.deps.log.warn(`(${rt.inst.name}) ${(e as Error).message}`);
    }
  }

  private setRuntimes(runtimes: Map<string, Runtime>): void {
    this.runtimes = runtimes;
    this.receiver.index(runtimes);
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
    await this.host.syncFirewall(config, next);
    // New VMACs before the sockets bind to them; the old ones go once their instances are done.
    await this.host.syncVmacs(this.runtimes, next, { create: true, remove: false });
    const now = this.deps.clock.now();
    const match = matchReloaded(this.runtimes, next);
    for (const name of match.deleted) {
      this.deps.log.info(`(${name}) removed by reload`);
      this.deliver(name, { kind: 'shutdown' });
    }
    const oldRuntimes = this.runtimes;
    const oldState = this.state;
    this.config = config;
    this.setRuntimes(next);
    this.params = this.routerParams(config, next);
    const carried = reloadedState(match, oldState, oldRuntimes, next, this.params, now);
    for (const [before, after] of carried.masters) this.addresses.moveAddresses(before, after);
    this.state = carried.state;
    // What the kernel holds (staged by the steps above too, on the old sockets) is settled before
    // any socket closes: a queued sendmsg must not read a closed socket's buffers.
    this.wakeup.settleStaged();
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
    for (const [name, st] of this.state.instances.entries()) if (st.state === 'INIT') this.deliver(name, { kind: 'start' });
    this.wakeup.schedule();
    void this.addresses.settled().then(() => this.host.syncVmacs(oldRuntimes, next, { create: false, remove: true }));
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
    const r = this.receiver.received(socketKey, p);
    if (r) this.deliver(r.instance, r.event, r.at);
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
    if (r.actions.length > 0) this.wakeup.settleStaged();
    this.state = r.state;
    const actions = garpsLast(r.actions);
    for (let i = 0; i < actions.length; i++) this.actions.execute(actions[i]!);
    this.wakeup.schedule();
  }
}
