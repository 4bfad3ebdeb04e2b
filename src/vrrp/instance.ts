/**
 * One VRRP instance as a pure state machine: step(params, state, event, now, ctx) -> state + actions.
 *
 * RFC 5798 section 6.4 (and RFC 3768 6.4 for v2), with Keepalived's choices where it refines the
 * RFC (vrrp.c, vrrp_scheduler.c): an instance starts in BACKUP; `state MASTER` only shortens the
 * first wait to one interval; the address owner takes over at once; preempt_delay holds a backup
 * back from preempting a lower-priority master; a master answers a lower-priority advert with its
 * own ("forcing new election"); a backup that gets priority 0 waits only Skew_Time.
 *
 * Two address owners (a configuration error Keepalived survives, vrrp_state_master_rx): the one
 * with the lower primary address reverts to BACKUP; the higher one sends two more adverts, then
 * watches for a little more than one interval; an owner advert inside that watch means the other
 * side does not back off, and we drop to 254 and revert ourselves. owner_ignore_adverts skips all
 * of it: an owner at 255 listens to nobody. vrrp_startup_delay holds every instance in BACKUP,
 * deaf to adverts, until the delay has passed.
 */
import { compareAddresses } from '../base/addr.js';
import { masterDownUs, minSkewUs, skewUs } from './timers.js';
import {
  PRIO_OWNER,
  PRIO_STOP,
  type Action,
  type InstanceEvent,
  type InstanceParams,
  type InstanceState,
  type ProtocolStats,
  type StepContext,
  type StepResult,
  type VrrpState,
} from './types.js';

const ALONE: StepContext = { canGoMaster: true };

export function initialState(p: InstanceParams): InstanceState {
  return {
    state: 'INIT',
    wantState: p.initialMaster || p.basePriority === PRIO_OWNER ? 'MASTER' : 'BACKUP',
    effectivePriority: p.basePriority,
    masterAdverIntervalUs: p.advertIntervalUs,
    deadline: undefined,
    preemptAt: undefined,
    masterAddress: undefined,
    masterPriority: undefined,
    trackDelta: 0,
    trackFault: false,
    trackPending: false,
    interfaceUp: true,
    garpAt: [],
    garpRefreshAt: undefined,
    startupUntil: undefined,
    rogueCounter: 0,
    rogueUntil: undefined,
    rogueIntervalUs: 0,
    stats: { advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0, pri_zero_rcvd: 0, pri_zero_sent: 0 },
  };
}

/** The earliest time the instance needs a 'timer' event, if any. */
export function nextWakeup(s: InstanceState): number | undefined {
  let t = s.deadline;
  for (const [at] of s.garpAt) if (t === undefined || at < t) t = at;
  if (s.garpRefreshAt !== undefined && (t === undefined || s.garpRefreshAt < t)) t = s.garpRefreshAt;
  if (s.rogueUntil !== undefined && (t === undefined || s.rogueUntil < t)) t = s.rogueUntil;
  return t;
}

export function step(p: InstanceParams, s: InstanceState, e: InstanceEvent, now: number, ctx: StepContext = ALONE): StepResult {
  const m = new Machine(p, s, now, ctx);
  switch (e.kind) {
    case 'start':
      m.start(e.delayUs ?? 0);
      break;
    case 'timer':
      m.timer();
      break;
    case 'advert':
      m.advert(e.advert.priority, e.advert.intervalCs * 10_000, e.advert.version, e.src);
      break;
    case 'tracking':
      m.tracking(e.delta, e.fault, e.reason, e.pending ?? false);
      break;
    case 'interface':
      m.interface(e.up);
      break;
    case 'sync':
      m.sync(e.to, e.group);
      break;
    case 'shutdown':
      m.shutdown();
      break;
  }
  return { state: m.s, actions: m.actions };
}

/** Computes the priority tracking leaves us with: clamped to 1..254; an owner keeps 255. */
export function effectivePriority(p: InstanceParams, delta: number): number {
  if (p.basePriority === PRIO_OWNER) return PRIO_OWNER;
  return Math.min(Math.max(p.basePriority + delta, 1), PRIO_OWNER - 1);
}

class Machine {
  readonly actions: Action[] = [];

  constructor(
    readonly p: InstanceParams,
    public s: InstanceState,
    readonly now: number,
    readonly ctx: StepContext,
  ) {}

  private set(patch: Partial<InstanceState>): void {
    this.s = { ...this.s, ...patch };
  }

  private count(key: keyof ProtocolStats): void {
    this.set({ stats: { ...this.s.stats, [key]: this.s.stats[key] + 1 } });
  }

  private emit(a: Action): void {
    this.actions.push(a);
  }

  private sendAdvert(priority: number): void {
    this.emit({ kind: 'send_advert', priority });
    this.count('advert_sent');
    if (priority === PRIO_STOP) this.count('pri_zero_sent');
  }

  private transition(to: VrrpState, reason: string, silent = false): void {
    const from = this.s.state;
    this.set({ state: to });
    this.emit({ kind: 'transition', from, to, reason, ...(silent ? { silent } : {}) });
  }

  private masterDown(): number {
    return masterDownUs(this.p, this.s.effectivePriority, this.s.masterAdverIntervalUs);
  }

  private get faulty(): boolean {
    return this.s.trackFault || !this.s.interfaceUp || this.p.configFault !== undefined;
  }

  /** In fault only because tracked scripts have not returned their first result yet. */
  private get waitingOnly(): boolean {
    return this.s.trackPending && this.s.interfaceUp && this.p.configFault === undefined;
  }

  /** Timers start from here: now, or the end of vrrp_startup_delay (Keepalived's delayed start). */
  private get timerBase(): number {
    return Math.max(this.now, this.s.startupUntil ?? this.now);
  }

  private get startingUp(): boolean {
    return this.s.startupUntil !== undefined && this.now < this.s.startupUntil;
  }

  start(delayUs: number): void {
    if (this.s.state !== 'INIT') return;
    if (delayUs > 0) {
      this.set({ startupUntil: this.now + delayUs });
      this.emit({ kind: 'log', message: `(${this.p.name}) delaying start-up for ${delayUs / 1_000_000}s (vrrp_startup_delay)` });
    }
    if (this.faulty) {
      this.set({ deadline: undefined });
      const waiting = this.waitingOnly;
      const why = this.p.configFault ?? (!this.s.interfaceUp ? 'interface down' : waiting ? 'waiting for tracked scripts to return' : 'a tracked object is down');
      this.transition('FAULT', 'init: ' + why, waiting);
      return;
    }
    // Keepalived enters BACKUP at start-up, whatever `state` says; the owner leaves it at once.
    // 2.2.7's vrrp_init_state() shortens the wait to one interval (plus the smallest skew) only
    // for `state MASTER` in a sync group, whose state starts as BACKUP; a lone `state MASTER`
    // waits Master_Down_Interval like a backup (seen on the wire: 3.6 s at priority 100).
    let wait: number;
    if (this.p.basePriority === PRIO_OWNER && this.s.wantState === 'MASTER') wait = 1;
    else if (this.s.wantState === 'MASTER' && this.ctx.inGroup) wait = this.s.masterAdverIntervalUs + minSkewUs(this.p, this.s.masterAdverIntervalUs);
    else wait = this.masterDown();
    this.set({ deadline: this.timerBase + wait });
    this.transition('BACKUP', 'init');
  }

  timer(): void {
    this.garpTimers();
    if (this.s.rogueUntil !== undefined && this.s.rogueUntil <= this.now) {
      this.emit({ kind: 'log', message: `(${this.p.name}) rogue address owner appears to have stopped advertising` });
      this.set({ rogueUntil: undefined });
    }
    if (this.s.deadline === undefined || this.now < this.s.deadline) return;
    if (this.s.state === 'MASTER') {
      if (this.expiredAsMaster()) return;
      this.sendAdvert(this.s.effectivePriority);
      this.set({ deadline: this.now + this.p.advertIntervalUs });
      this.rogueCountdown();
    } else if (this.s.state === 'BACKUP') {
      this.set({ wantState: 'MASTER' });
      this.gotoMaster('no advert received within Master_Down_Interval');
    }
  }

  /**
   * timer_expired_backup: our last advert went out at deadline - interval; if a backup of
   * priority highestOtherPriority has already seen 3 intervals plus its skew pass since, it is
   * master by now, and we go to BACKUP without a priority-0 advert (vrrp_thread_timeout_handler).
   */
  private expiredAsMaster(): boolean {
    const hop = this.p.highestOtherPriority;
    if (hop === undefined || this.s.deadline === undefined) return false;
    const lastSent = this.s.deadline - this.p.advertIntervalUs;
    const skew = this.p.version === 3 ? Math.floor(((256 - hop) * this.p.advertIntervalUs) / 256) : Math.floor(((256 - hop) * 1_000_000) / 256);
    if (lastSent + 3 * this.p.advertIntervalUs + skew > this.now) return false;
    const lateUs = this.now - this.s.deadline;
    this.emit({ kind: 'log', message: `VRRP thread timer expired ${(lateUs / 1_000_000).toFixed(6)} seconds ago` });
    this.set({ wantState: 'BACKUP' });
    this.leaveMaster('BACKUP', `timer expired: a backup of priority ${hop} has taken over by now (timer_expired_backup)`, false);
    return true;
  }

  /**
   * After two of our own adverts since another owner spoke, watch for 1.2 x the longer of the two
   * intervals ("a bit more than" one, as Keepalived puts it).
   */
  private rogueCountdown(): void {
    if (this.p.basePriority !== PRIO_OWNER || this.s.rogueCounter === 0) return;
    const left = this.s.rogueCounter - 1;
    this.set({ rogueCounter: left });
    if (left === 0) {
      const watchUs = Math.floor((Math.max(this.s.rogueIntervalUs, this.p.advertIntervalUs) * 12) / 10);
      this.set({ rogueUntil: this.now + watchUs });
    }
  }

  private garpTimers(): void {
    const due = this.s.garpAt.filter(([at]) => at <= this.now);
    if (due.length > 0) {
      for (const [, n] of due) this.emit({ kind: 'send_garp', count: n });
      this.set({ garpAt: this.s.garpAt.filter(([at]) => at > this.now) });
    }
    if (this.s.garpRefreshAt !== undefined && this.s.garpRefreshAt <= this.now) {
      this.emit({ kind: 'send_garp', count: this.p.garp.refreshRepeat });
      this.set({ garpRefreshAt: this.now + this.p.garp.refreshUs });
    }
  }

  private gotoMaster(reason: string): void {
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

  private leaveMaster(to: 'BACKUP' | 'FAULT' | 'STOP', reason: string, sendStop: boolean): void {
    if (sendStop) this.sendAdvert(PRIO_STOP);
    this.emit({ kind: 'remove_addresses' });
    this.set({ garpAt: [], garpRefreshAt: undefined, preemptAt: undefined, rogueCounter: 0, rogueUntil: undefined });
    this.count('release_master');
    this.transition(to, reason);
    this.set({ deadline: to === 'BACKUP' ? this.now + this.masterDown() : undefined });
  }

  advert(priority: number, intervalUs: number, version: 2 | 3, src: string): void {
    // Keepalived reads and drops adverts while the start-up delay runs.
    if (this.startingUp) return;
    // owner_ignore_adverts: dropped before they count, as vrrp_check_packet() does.
    if (this.p.ownerIgnoreAdverts && this.s.effectivePriority === PRIO_OWNER) return;
    this.count('advert_rcvd');
    if (priority === PRIO_STOP) this.count('pri_zero_rcvd');
    if (this.s.state === 'BACKUP') this.advertAsBackup(priority, intervalUs, version, src);
    else if (this.s.state === 'MASTER') this.advertAsMaster(priority, intervalUs, version, src);
  }

  private advertAsBackup(priority: number, intervalUs: number, version: 2 | 3, src: string): void {
    // An owner that backed off to 254 for another owner: that owner has gone or stepped down.
    if (this.p.basePriority === PRIO_OWNER && this.s.effectivePriority === PRIO_OWNER - 1 && (src !== this.s.masterAddress || priority !== PRIO_OWNER)) {
      this.emit({ kind: 'log', message: `(${this.p.name}) Restoring our priority to ${PRIO_OWNER} since received advert with lower priority` });
      this.set({ effectivePriority: PRIO_OWNER });
    }
    if (priority === PRIO_STOP) {
      // RFC 5798 6.4.2: the master resigned; take over after Skew_Time only.
      this.set({ deadline: this.now + skewUs(this.p, this.s.effectivePriority, this.s.masterAdverIntervalUs) });
      return;
    }
    const preemptHeld = this.p.preemptDelayUs > 0 && (this.s.preemptAt === undefined || this.s.preemptAt > this.now);
    if (this.p.nopreempt || priority >= this.s.effectivePriority || preemptHeld) {
      if (version === 3) this.set({ masterAdverIntervalUs: intervalUs });
      let preemptAt = this.s.preemptAt;
      if (this.p.preemptDelayUs > 0) {
        if (priority >= this.s.effectivePriority) preemptAt = undefined;
        else if (preemptAt === undefined) preemptAt = this.now + this.p.preemptDelayUs;
      }
      this.set({ masterAddress: src, masterPriority: priority, wantState: 'BACKUP', preemptAt });
      this.set({ deadline: this.now + this.masterDown() });
      return;
    }
    // Preemption: ignore the lower-priority master; our Master_Down timer keeps running.
    this.emit({ kind: 'log', message: `(${this.p.name}) received lower priority (${priority}) advert from ${src} - discarding` });
    this.set({ masterAddress: src });
  }

  private advertAsMaster(priority: number, intervalUs: number, version: 2 | 3, src: string): void {
    const cmp = compareAddresses(src, this.p.primaryAddress);
    let ours = this.s.effectivePriority;
    let higher = priority > ours || (priority === ours && cmp > 0);
    if (priority === PRIO_STOP || (this.p.higherPrioSendAdvert && higher)) {
      this.sendAdvert(ours);
      if (priority === PRIO_STOP) return;
    }
    if (priority === ours && cmp === 0) {
      this.emit({ kind: 'log', message: `(${this.p.name}) WARNING - equal priority advert received from remote host with our IP address.` });
    } else if (priority === ours && ours === PRIO_OWNER) {
      this.anotherOwner(intervalUs, src, cmp);
      ours = this.s.effectivePriority;
      higher = priority > ours || (priority === ours && cmp > 0);
    }
    if (priority < ours || (priority === ours && cmp < 0)) {
      this.emit({ kind: 'log', message: `(${this.p.name}) Received advert from ${src} with lower priority ${priority}, ours ${ours}${this.p.lowerPrioNoAdvert ? '' : ', forcing new election'}` });
      if (!this.p.lowerPrioNoAdvert) this.sendAdvert(ours);
      const g = this.p.garp;
      if (g.lowerPrioRepeat > 0) {
        this.emit({ kind: 'send_garp', count: g.lowerPrioRepeat });
        if (g.lowerPrioDelayUs > 0) this.set({ garpAt: [...this.s.garpAt, [this.now + g.lowerPrioDelayUs, g.lowerPrioRepeat]] });
      }
      this.emit({ kind: 'master_rx_lower_pri', from: src, priority });
      return;
    }
    if (higher) {
      if (version === 3) this.set({ masterAdverIntervalUs: intervalUs });
      this.set({ masterAddress: src, masterPriority: priority, wantState: 'BACKUP' });
      const why = priority > ours ? `higher priority ${priority} from ${src}, ours ${ours}` : `same priority ${priority} from higher address ${src}`;
      this.leaveMaster('BACKUP', why, false);
    }
  }

  /** A master at 255 hears another router claim 255 (see the note at the top). */
  private anotherOwner(intervalUs: number, src: string, cmp: number): void {
    const conflict = `(${this.p.name}) CONFIGURATION ERROR: local instance and ${src} are both configured as address owner, please resolve`;
    if (cmp > 0) {
      this.emit({ kind: 'log', message: conflict }); // their address is higher: we revert (below)
    } else if (this.s.rogueUntil !== undefined && this.s.rogueUntil > this.now) {
      this.emit({ kind: 'log', message: `(${this.p.name}) ${src} is still advertising as address owner, please resolve - reducing our priority` });
      this.set({ rogueUntil: undefined, effectivePriority: PRIO_OWNER - 1 });
    } else {
      this.set({ rogueIntervalUs: intervalUs });
      if (this.s.rogueCounter === 0) {
        this.emit({ kind: 'log', message: conflict });
        this.set({ rogueCounter: 2 });
      }
    }
  }

  tracking(delta: number, fault: boolean, reason: string, pending: boolean): void {
    const wasFaulty = this.faulty;
    const wasWaiting = this.waitingOnly;
    const oldPriority = this.s.effectivePriority;
    // An owner's priority is not tracked; it moves only for another owner (anotherOwner()).
    const newPriority = this.p.basePriority === PRIO_OWNER ? oldPriority : effectivePriority(this.p, delta);
    this.set({ trackDelta: delta, trackFault: fault, trackPending: fault && pending, effectivePriority: newPriority });
    if (this.s.state === 'FAULT' && wasWaiting && this.faulty && !this.waitingOnly) {
      // The first result is a failure: the silent FAULT of start-up becomes a real one, which
      // Keepalived notifies (down_instance -> vrrp_state_leave_fault -> send_instance_notifies).
      this.transition('FAULT', reason);
    }
    if (newPriority !== oldPriority) {
      this.emit({ kind: 'log', message: `(${this.p.name}) Changing effective priority from ${oldPriority} to ${newPriority}` });
      this.emit({ kind: 'priority_change', from: oldPriority, to: newPriority, state: this.s.state });
      if (this.s.state === 'BACKUP' && this.s.deadline !== undefined) {
        // Keepalived moves the running Master_Down timer by the change in its length.
        const before = masterDownUs(this.p, oldPriority, this.s.masterAdverIntervalUs);
        this.set({ deadline: this.s.deadline + this.masterDown() - before });
      }
    }
    this.faultChange(wasFaulty, reason);
  }

  interface(up: boolean): void {
    const wasFaulty = this.faulty;
    this.set({ interfaceUp: up });
    this.faultChange(wasFaulty, up ? 'interface up' : 'interface down');
  }

  private faultChange(wasFaulty: boolean, reason: string): void {
    if (this.s.state === 'INIT' || this.s.state === 'STOP') return;
    if (!wasFaulty && this.faulty) {
      this.set({ wantState: 'FAULT' });
      if (this.s.state === 'MASTER') this.leaveMaster('FAULT', reason, true);
      else if (this.s.state !== 'FAULT') {
        this.set({ deadline: undefined });
        this.transition('FAULT', reason);
      }
    } else if (wasFaulty && !this.faulty && this.s.state === 'FAULT') {
      this.set({ wantState: 'BACKUP', masterAdverIntervalUs: this.p.advertIntervalUs, preemptAt: undefined });
      this.transition('BACKUP', reason);
      this.set({ deadline: this.timerBase + this.masterDown() });
    }
  }

  sync(to: 'MASTER' | 'BACKUP' | 'FAULT', group: string): void {
    if (this.s.state === to || this.s.state === 'INIT' || this.s.state === 'STOP') return;
    const reason = `sync group ${group} moved to ${to}`;
    if (to === 'MASTER') {
      if (this.faulty) return;
      this.set({ wantState: 'MASTER' });
      this.gotoMaster(reason);
    } else if (this.s.state === 'MASTER') {
      this.set({ wantState: to });
      this.leaveMaster(to, reason, false);
    } else {
      if (to === 'BACKUP' && this.faulty) return;
      this.set({ wantState: to });
      this.transition(to, reason);
      this.set({ deadline: to === 'BACKUP' ? this.timerBase + this.masterDown() : undefined, masterAdverIntervalUs: this.p.advertIntervalUs });
    }
  }

  shutdown(): void {
    if (this.s.state === 'STOP') return;
    // RFC 5798 6.4.3: a master that stops sends priority 0 so a backup takes over after Skew_Time.
    if (this.s.state === 'MASTER') this.leaveMaster('STOP', 'shutdown', true);
    else this.transition('STOP', 'shutdown');
    this.set({ deadline: undefined, garpAt: [], garpRefreshAt: undefined, wantState: 'STOP' });
  }
}
