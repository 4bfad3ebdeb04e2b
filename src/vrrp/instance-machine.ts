/**
 * The state of one step of a VRRP instance and the moves every part of it shares: the state
 * patched immutably, actions emitted, adverts counted, transitions, Master_Down_Interval, and
 * becoming and leaving master (RFC 5798 6.4.2 / 6.4.3; Keepalived vrrp_state_become_master() and
 * vrrp_state_leave_master()). instance.ts steps it; the advert, rogue-owner and tracking rules
 * are in their own files.
 */
import { masterDownUs } from './timers.js';
import { PRIO_OWNER, PRIO_STOP, type Action, type InstanceParams, type InstanceState, type ProtocolStats, type StepContext, type VrrpState } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A copy of `s` with every field named, in initialState()'s order: every state then has one
 * shape (V8 map), where a spread copy takes V8's slow path field by field once the states seen
 * at a site differ in shape, and the engine's loads of them go polymorphic (perf of the VRRP
 * child at 100 instances: the load IC was its largest single cost). Required<> makes a field
 * added to InstanceState, optional or not, a compile error here until it is copied.
 */
function copyState(s: InstanceState): InstanceState {
  const copy: Required<InstanceState> = {
    state: s.state,
    wantState: s.wantState,
    effectivePriority: s.effectivePriority,
    masterAdverIntervalUs: s.masterAdverIntervalUs,
    deadline: s.deadline,
    preemptAt: s.preemptAt,
    masterAddress: s.masterAddress,
    masterPriority: s.masterPriority,
    trackDelta: s.trackDelta,
    trackFault: s.trackFault,
    trackPending: s.trackPending,
    interfaceUp: s.interfaceUp,
    garpAt: s.garpAt,
    garpRefreshAt: s.garpRefreshAt,
    startupUntil: s.startupUntil,
    rogueCounter: s.rogueCounter,
    rogueUntil: s.rogueUntil,
    rogueIntervalUs: s.rogueIntervalUs,
    stats: s.stats,
  };
  return copy;
}

export class Machine {
  readonly actions: Action[] = [];
  /** `s` (and its stats) are this step's own copies, patched in place: one copy a step, not one a patch. */
  private ownState = false;
  private ownStats = false;

  constructor(
    readonly p: InstanceParams,
    public s: InstanceState,
    readonly now: number,
    readonly ctx: StepContext,
  ) {}

  /**
   * The state the step returns is a new object whenever anything changed; the one it was given
   * is never written. A master's advert patched it three times (two full copies of ~30 fields
   * and the counters), most of the VRRP child's garbage at 100 instances.
   */
  set(patch: Partial<InstanceState>): void {
    if (!this.ownState) {
      this.s = copyState(this.s);
      this.ownState = true;
    }
    Object.assign(this.s, patch);
  }

  count(key: keyof ProtocolStats): void {
    if (!this.ownStats) {
      const t = this.s.stats;
      this.set({ stats: { advert_rcvd: t.advert_rcvd, advert_sent: t.advert_sent, become_master: t.become_master, release_master: t.release_master, pri_zero_rcvd: t.pri_zero_rcvd, pri_zero_sent: t.pri_zero_sent } });
      this.ownStats = true;
    }
    (this.s.stats as Mutable<ProtocolStats>)[key]++;
  }

  emit(a: Action): void {
    this.actions.push(a);
  }

  sendAdvert(priority: number): void {
    this.emit({ kind: 'send_advert', priority });
    this.count('advert_sent');
    if (priority === PRIO_STOP) this.count('pri_zero_sent');
  }

  transition(to: VrrpState, reason: string, silent = false): void {
    const from = this.s.state;
    this.set({ state: to });
    this.emit({ kind: 'transition', from, to, reason, ...(silent ? { silent } : {}) });
  }

  masterDown(): number {
    return masterDownUs(this.p, this.s.effectivePriority, this.s.masterAdverIntervalUs);
  }

  get faulty(): boolean {
    return this.s.trackFault || !this.s.interfaceUp || this.p.configFault !== undefined;
  }

  /** In fault only because tracked scripts have not returned their first result yet. */
  get waitingOnly(): boolean {
    return this.s.trackPending && this.s.interfaceUp && this.p.configFault === undefined;
  }

  /** Timers start from here: now, or the end of vrrp_startup_delay (Keepalived's delayed start). */
  get timerBase(): number {
    return Math.max(this.now, this.s.startupUntil ?? this.now);
  }

  get startingUp(): boolean {
    return this.s.startupUntil !== undefined && this.now < this.s.startupUntil;
  }

  gotoMaster(reason: string): void {
    if (!this.ctx.canGoMaster) {
      // A sync group member waits for the others (Keepalived's vrrp_sync_can_goto_master).
      this.set({ deadline: this.now + this.masterDown() });
      this.emit({ kind: 'log', message: `(${this.p.name}) wants MASTER, waiting for its sync group` });
      return;
    }
    if (this.p.basePriority === PRIO_OWNER && this.s.effectivePriority !== PRIO_OWNER) {
      this.emit({ kind: 'log', message: `(${this.p.name}) Restoring our priority to ${PRIO_OWNER} since other address owner has disappeared` });
      this.set({ effectivePriority: PRIO_OWNER });
    }
    // The advert goes first so that the old master drops the addresses before our ARPs arrive.
    this.set({ masterAdverIntervalUs: this.p.advertIntervalUs, preemptAt: undefined, masterAddress: undefined, masterPriority: undefined });
    this.sendAdvert(this.s.effectivePriority);
    this.emit({ kind: 'add_addresses' });
    this.emit({ kind: 'send_garp', count: this.p.garp.repeat });
    const g = this.p.garp;
    // garp_master_refresh counts from the transition, not from the delayed batch: Keepalived's
    // vrrp_state_become_master() arms garp_refresh_timer = now + garp_refresh.
    this.set({
      deadline: this.now + this.p.advertIntervalUs,
      garpAt: g.delayUs > 0 ? [[this.now + g.delayUs, g.repeat]] : [],
      garpRefreshAt: g.refreshUs > 0 ? this.now + g.refreshUs : undefined,
    });
    this.count('become_master');
    this.transition('MASTER', reason);
  }

  leaveMaster(to: 'BACKUP' | 'FAULT' | 'STOP', reason: string, sendStop: boolean): void {
    if (sendStop) this.sendAdvert(PRIO_STOP);
    this.emit({ kind: 'remove_addresses' });
    this.set({ garpAt: [], garpRefreshAt: undefined, preemptAt: undefined, rogueCounter: 0, rogueUntil: undefined });
    this.count('release_master');
    this.transition(to, reason);
    this.set({ deadline: to === 'BACKUP' ? this.now + this.masterDown() : undefined });
  }
}
