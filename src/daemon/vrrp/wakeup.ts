/**
 * The engine's clock: one timer armed at the next wake-up vrrp/router.ts asks for (an advert to
 * send, a Master_Down deadline). Before a backup's deadline it warms the takeover path
 * (rehearsal.ts) and spends the last stretch awake, so that a takeover starts on time; every
 * firing's lateness is measured (TimerLag), the measure of whether the daemon keeps VRRP's clock.
 *
 * A master's advert is stepped when its timer is armed, not when it fires: the engine is pure, so
 * the step it will give at the due time is known then. When the timer fires, the adverts go first
 * and the engine runs after them. Under load, the step before the send was what a busy process
 * preempted: the VRRP process asks for a 100 us slice (daemon/process-sched.ts), a turn that ran
 * longer before its sendmsg lost the CPU at the next tick for up to 4 ms (perf, bench/vrrp-load's
 * saturated case: most of its gaps over 12 ms), and a step was half of that turn.
 */
import type { VrrpSocket } from '../../os/types.js';
import { routerWakeup, type RouterState } from '../../vrrp/router.js';
import type { Clock } from '../../base/clock.js';
import type { TakeoverRehearsal } from './rehearsal.js';

/** Engine timers that fire late: the measure of whether the daemon keeps VRRP's clock. */
export interface TimerLag {
  fired: number;
  maxLateUs: number;
  totalLateUs: number;
}

export interface WakeupDeps {
  readonly clock: Clock;
  readonly trace?: (what: string) => void;
  /** How long before a backup's Master_Down deadline to wake and wait awake, µs (VrrpDeps.spinUs). */
  readonly spinUs?: number;
  /** Each firing's lateness, µs (max_auto_priority: daemon/process-sched.ts). */
  readonly onTimerLate?: (lateUs: number) => void;
}

/**
 * A timer's step computed ahead: what the engine gives at `at` from the state `from`, leaving the
 * state `to`. It is the step for any time before `nextWake` (routerWakeup of `to`): no timer the
 * step compares the time with lies between, so stepping later would give the same actions.
 */
export interface PreparedStep {
  readonly from: RouterState;
  readonly to: RouterState;
  readonly at: number;
  readonly nextWake: number | undefined;
}

/** The engine's steps, as the driver runs them. */
export interface EngineSteps<P extends PreparedStep> {
  /** Steps the engine for its timers at `now`. */
  step(now: number): void;
  /** The timer step at `at` when all it does is send adverts (else undefined: stepped when due). */
  prepare(at: number): P | undefined;
  /** Carries out a prepared step: its adverts first (or settles them, if staged). */
  apply(p: P): void;
  /** Hands a prepared step's adverts to the kernel for its time (advert-stager.ts), when the timer is armed. */
  stage?(p: P): void;
  /** Ends what stage() queued, before apply() or when the step is dropped: true if the kernel sent the adverts. */
  settle?(p: P): boolean;
}

/** What the timer reads of the driver when it is armed and when it fires. */
export interface WakeupView {
  readonly state: RouterState;
  readonly stopped: boolean;
  readonly sockets: Iterable<VrrpSocket>;
}

export class EngineWakeup<P extends PreparedStep> {
  readonly lag: TimerLag = { fired: 0, maxLateUs: 0, totalLateUs: 0 };
  private timer: unknown;
  private timerAt: number | undefined;
  private prepared: P | undefined;
  /** The prepared step being carried out: schedule() takes its next wake-up, already known. */
  private applying: P | undefined;

  constructor(
    private readonly deps: WakeupDeps,
    private readonly rehearsal: TakeoverRehearsal,
    private readonly view: () => WakeupView,
    private readonly steps: EngineSteps<P>,
  ) {}

  /** Arms the timer for the engine's next wake-up (after every step). */
  schedule(): void {
    const { state, stopped } = this.view();
    if (stopped) return;
    // After a prepared step, the scan over every instance it made is not made again.
    const next = this.applying?.to === state ? this.applying.nextWake : routerWakeup(state);
    if (next === this.timerAt) {
      // The same wake-up from a new state (an event that did not move it): prepared again.
      if (this.prepared && this.prepared.from !== state) this.prepare(next!);
      return;
    }
    if (this.timer !== undefined) this.deps.clock.cancel(this.timer);
    this.rehearsal.cancel();
    this.timer = undefined;
    this.timerAt = next;
    this.dropPrepared();
    if (next === undefined) return;
    // A backup whose Master_Down timer is the next one: warm its takeover path first, and wake
    // up early to wait for the deadline awake (below).
    // Scheduled after every step: a loop over the states, no array (nor an iterator's pairs) per step.
    const due: string[] = [];
    const names = state.instances.names();
    const states = state.instances.values();
    for (let i = 0; i < states.length; i++) if (states[i]!.state === 'BACKUP' && states[i]!.deadline === next) due.push(names[i]!);
    if (due.length > 0) this.rehearsal.warmUntil(next, new Set(due));
    const spinUs = this.deps.spinUs ?? 0;
    const spin = due.length > 0 && spinUs > 0;
    // A backup's deadline is a takeover: stepped when due (its rehearsal warms that path instead).
    if (due.length === 0) this.prepare(next);
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
        for (const s of this.view().sockets) s.drain?.();
        if (this.timerAt !== undefined || this.view().stopped) return;
      }
      const now = this.deps.clock.now();
      const late = Math.max(0, now - next);
      this.lag.fired++;
      this.lag.totalLateUs += late;
      this.lag.maxLateUs = Math.max(this.lag.maxLateUs, late);
      this.deps.trace?.(`timer (${late} us late)`);
      const p = this.prepared;
      this.prepared = undefined;
      // Applied when still valid; also when this wake-up came past the next one, if the kernel
      // sent its adverts at their time (the next step then follows at once).
      const sentAhead = p !== undefined && (this.steps.settle?.(p) ?? false);
      if (p && p.from === this.view().state && (now < (p.nextWake ?? Infinity) || sentAhead)) {
        this.applying = p;
        try {
          this.steps.apply(p);
        } finally {
          this.applying = undefined;
        }
      } else this.steps.step(now);
      // After the step: whatever it costs, the adverts of this one have gone.
      this.deps.onTimerLate?.(late);
    });
  }

  /** At stop: the timer is not armed again (the view says stopped). */
  cancel(): void {
    if (this.timer !== undefined) this.deps.clock.cancel(this.timer);
    this.dropPrepared();
  }

  /**
   * Before other actions go out or a socket closes: the adverts the kernel holds for the prepared
   * step go now (their time has come) or never, so none follows a later one (a priority-0
   * advert at shutdown, a backup's silence) and none reads a closed socket's buffers.
   */
  settleStaged(): void {
    if (this.prepared) this.steps.settle?.(this.prepared);
  }

  private prepare(at: number): void {
    this.dropPrepared();
    this.prepared = this.steps.prepare(at);
    if (this.prepared) this.steps.stage?.(this.prepared);
  }

  /** A prepared step that will not be applied. If its time had come, the kernel sent its adverts (the event that dropped it came after them). */
  private dropPrepared(): void {
    if (this.prepared && this.steps.settle?.(this.prepared)) this.deps.trace?.('staged adverts sent before a new step');
    this.prepared = undefined;
  }
}
