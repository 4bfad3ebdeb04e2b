/**
 * The health-checking side of the daemon (Keepalived's checker process, check_daemon.c and
 * check_api.c): it runs every checker on its own timer, feeds the decisions into each virtual
 * server's pool (lb/pool.ts) and tells the world: log lines, notify scripts, FIFO lines, e-mail,
 * and the data plane's desired pools. Probes, the clock and randomness are injected, so the same
 * code runs against real servers and in tests on a manual clock.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import { formatRs, formatVs } from '../../config/sections/lvs-format.js';
import { afterAttempt, checkerTimes, firstDelay, initialCycle, type CheckerCycle, type CheckerTimes } from '../../check/schedule.js';
import type { CheckerDriver } from '../../check/index.js';
import type { ProbeResult } from '../../check/types.js';
import { checkerDecided, desiredPool, startPool, weightChanged, type PoolEffect, type PoolEntry, type PoolState, type PoolStep, type PoolVs } from '../../lb/pool.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';

type Vs = KeepalivedConfig['virtual_server'][number];
type Checker = Vs['real_server'][number]['checkers'][number];

export type { CheckerDriver };

export interface CheckEvents {
  /** A real server went up or down (notify_up / notify_down, FIFO `RS` line). */
  realServer(vs: Vs, rsIndex: number, up: boolean): void;
  /** Quorum gained or lost (quorum_up / quorum_down, FIFO `VS` line, e-mail). */
  quorum(vs: Vs, up: boolean, detail: { init: boolean; threshold: number; weightSum: number }): void;
  /** A checker changed its mind (the real server's e-mail alert, when smtp_alert). */
  checker?(vs: Vs, rsIndex: number, checker: Checker, up: boolean, reason: string): void;
  /** The pool of virtual server `vsIndex` is now `entries`. */
  pool(vsIndex: number, vs: Vs, entries: readonly PoolEntry[]): void;
  /** Every attempt's outcome and how long it took (status, latency histograms). */
  attempt?(vsIndex: number, rsIndex: number, checker: Checker, ok: boolean, latencyUs: number, reason: string): void;
}

export interface CheckRuntimeDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** In [0, 1): spreads first attempts over warmup. */
  readonly random: () => number;
  /** The driver for one checker; undefined: the checker is not supported here (logged, ignored). */
  driverFor(checker: Checker, vs: Vs, rsIndex: number): CheckerDriver | undefined;
  readonly events: CheckEvents;
  /** global_defs lvs_notify... rs_init_notifies: notify every live server at start. */
  readonly initNotifies?: boolean;
}

interface CheckerRun {
  readonly vs: number;
  readonly rs: number;
  readonly checker: Checker;
  readonly driver: CheckerDriver;
  readonly times: CheckerTimes | undefined;
  cycle: CheckerCycle;
  /** What this checker adds to its real server's weight (misc_dynamic, FILE_CHECK). */
  weightDelta: number;
  timer: unknown;
  /** When the pending timer is due (µs), to measure how late attempts start. */
  dueAt: number;
  attempt: AbortController | undefined;
  /** When the attempt in flight started (µs): its latency is measured from here. */
  startedAt?: number;
}

/** How late attempts start against their schedule: the checker process's health. */
export interface CheckLag {
  attempts: number;
  maxLateUs: number;
  totalLateUs: number;
}

const KIND_NAME: Partial<Record<Checker['checker'], string>> = { TCP_CHECK: 'TCP_CHECK', HTTP_GET: 'HTTP_CHECK', SSL_GET: 'SSL_CHECK' };

export class CheckRuntime {
  private readonly pools: PoolState[];
  private readonly runs: CheckerRun[] = [];
  private stopped = false;
  readonly lag: CheckLag = { attempts: 0, maxLateUs: 0, totalLateUs: 0 };
  private readonly config: KeepalivedConfig;

  /**
   * `previous`: the runtime of the configuration being replaced (SIGHUP). Checkers that still
   * exist (same virtual server, real server, and checker kind at the same place) keep their state,
   * so a reload neither re-adds a failed server nor drops a live one (Keepalived migrate_checkers()).
   */
  constructor(config: KeepalivedConfig, private readonly deps: CheckRuntimeDeps, previous?: CheckRuntime) {
    this.config = config;
    this.pools = [];
    config.virtual_server.forEach((vs, v) => {
      vs.real_server.forEach((rs, r) => {
        for (const checker of rs.checkers) {
          const driver = deps.driverFor(checker, vs, r);
          if (!driver) {
            deps.log.warn(`${checker.checker} is not supported yet - ignoring it for ${formatRs(rs, vs)} of VS ${formatVs(vs)}`);
            continue;
          }
          const times = 'probe' in driver && 'delay_loop' in checker ? checkerTimes(checker) : undefined;
          const alpha = 'alpha' in checker ? checker.alpha : false;
          const cycle = times ? initialCycle(times) : { isUp: !alpha, hasRun: false, retryIt: 0 };
          this.runs.push({ vs: v, rs: r, checker, driver, times, cycle, weightDelta: 0, timer: undefined, dueAt: 0, attempt: undefined });
        }
      });
    });
    if (previous) this.carryFrom(previous);
  }

  private runKey(run: CheckerRun, config: KeepalivedConfig): string {
    const vs = config.virtual_server[run.vs]!;
    const rs = vs.real_server[run.rs]!;
    const nth = rs.checkers.indexOf(run.checker);
    return `${formatVs(vs)} ${formatRs(rs, vs)} ${nth} ${run.checker.checker}`;
  }

  private carryFrom(prev: CheckRuntime): void {
    const old = new Map(prev.runs.map((r) => [prev.runKey(r, prev.config), r]));
    for (const run of this.runs) {
      const o = old.get(this.runKey(run, this.config));
      if (!o) continue;
      run.cycle = o.cycle;
      run.weightDelta = o.weightDelta;
    }
  }

  /** Whether virtual server `v` (its index in the configuration) has quorum now. */
  quorumUp(v: number): boolean {
    return this.pools[v]?.quorumUp ?? false;
  }

  /** Puts every pool in place and starts the checkers. */
  start(): void {
    // Watched files are read before the pools are built, as Keepalived reads track files before
    // adding real servers: a server whose file says down never enters the pool.
    let live = false;
    for (const run of this.runs) {
      if (!('watch' in run.driver)) continue;
      run.driver.watch.start((r) => {
        if (live) return this.watchResult(run, r);
        run.cycle = { isUp: r.ok, hasRun: true, retryIt: 0 };
        const base = this.config.virtual_server[run.vs]!.real_server[run.rs]!.weight;
        if (r.weightDelta !== undefined) run.weightDelta = r.weightDelta;
        else if (r.weight !== undefined) run.weightDelta = (r.weight ?? base) - base;
      });
    }
    this.config.virtual_server.forEach((vs, v) => {
      const failed = vs.real_server.map((_, r) => this.runs.filter((c) => c.vs === v && c.rs === r && !c.cycle.isUp).length);
      const step = startPool(vs as PoolVs, failed, { initNotifies: this.deps.initNotifies ?? false });
      // Weights that dynamic checkers set (before a reload, or read from files just now) stay.
      const rs = step.state.rs.map((l, r) => ({ ...l, weight: l.weight + this.runs.filter((c) => c.vs === v && c.rs === r).reduce((a, c) => a + c.weightDelta, 0) }));
      this.apply(v, { ...step, state: { ...step.state, rs } }, true);
    });
    live = true;
    for (const run of this.runs) {
      if (!run.times) continue;
      const rs = this.config.virtual_server[run.vs]!.real_server[run.rs]!;
      const vs = this.config.virtual_server[run.vs]!;
      this.deps.log.info(`Activating healthchecker for service ${formatRs(rs, vs)} for VS ${formatVs(vs)}`);
      this.schedule(run, firstDelay(run.times, this.deps.random()));
    }
  }

  /**
   * The daemon is going away (clear_services(stopping)): every live server is logged as shut
   * down, and with `omega` its notify_down and the quorum_down notification run, as Keepalived
   * does only in omega mode. Then stop().
   */
  shutdown(): void {
    this.config.virtual_server.forEach((vs, v) => {
      const st = this.pools[v];
      if (!st) return;
      vs.real_server.forEach((rs, i) => {
        if (!st.rs[i]!.alive) return;
        this.deps.log.info(`Shutting down service ${formatRs(rs, vs)} from VS ${formatVs(vs)}`);
        if (vs.omega) this.deps.events.realServer(vs, i, false);
      });
      if (vs.omega && st.quorumUp) this.deps.events.quorum(vs, false, { init: false, threshold: vs.quorum - vs.hysteresis, weightSum: 0 });
    });
    this.stop();
  }

  /** Stops every checker: timers cancelled, attempts aborted, watches closed. */
  stop(): void {
    this.stopped = true;
    for (const run of this.runs) {
      if (run.timer !== undefined) this.deps.clock.cancel(run.timer);
      run.attempt?.abort();
      if ('watch' in run.driver) run.driver.watch.stop();
    }
  }

  /** The current pool state of virtual server `v` (for dumps and tests). */
  poolState(v: number): PoolState {
    return this.pools[v]!;
  }

  desired(v: number): PoolEntry[] {
    return desiredPool(this.config.virtual_server[v]! as PoolVs, this.pools[v]!);
  }

  private attempt(run: CheckerRun): void {
    run.timer = undefined;
    if (this.stopped || !('probe' in run.driver)) return;
    const late = this.deps.clock.now() - run.dueAt;
    this.lag.attempts++;
    this.lag.totalLateUs += late;
    if (late > this.lag.maxLateUs) this.lag.maxLateUs = late;
    const ctl = new AbortController();
    run.attempt = ctl;
    run.startedAt = this.deps.clock.now();
    void run.driver.probe.run(ctl.signal).then(
      (r) => this.attempted(run, ctl, r),
      (e: Error) => this.attempted(run, ctl, { ok: false, reason: `checker error: ${e.message}` }),
    );
  }

  private attempted(run: CheckerRun, ctl: AbortController, r: ProbeResult): void {
    if (run.attempt !== ctl) return;
    run.attempt = undefined;
    if (this.stopped) return;
    this.deps.events.attempt?.(run.vs, run.rs, run.checker, r.ok, this.deps.clock.now() - (run.startedAt ?? this.deps.clock.now()), r.reason);
    const t = run.times!;
    const before = run.cycle;
    const next = afterAttempt(t, before, r.ok);
    run.cycle = next.cycle;
    const vs = this.config.virtual_server[run.vs]!;
    const rsName = formatRs(vs.real_server[run.rs]!, vs);
    const kind = KIND_NAME[run.checker.checker] ?? run.checker.checker;
    if (!r.ok && (('log_all_failures' in run.checker && run.checker.log_all_failures) || next.decided)) {
      this.deps.log.info(`${kind} on service ${rsName}: ${r.reason}`);
    }
    if (next.decided === 'up' && (!before.isUp || !before.hasRun)) this.deps.log.info(`${kind} on service ${rsName} succeeded.`);
    if (next.decided === 'down') {
      this.deps.log.info(next.afterRetries ? `${kind} on service ${rsName} failed after ${next.afterRetries} retries.` : `${kind} on service ${rsName} failed.`);
    }
    if (next.decided) this.decide(run, before, next.decided === 'up', r.reason);
    if (r.ok && r.weight !== undefined) this.setWeight(run, r.weight ?? vs.real_server[run.rs]!.weight);
    // A failing dynamic checker gives back what it added (check_misc.c).
    if (next.decided === 'down' && run.weightDelta !== 0) this.setWeight(run, vs.real_server[run.rs]!.weight);
    this.schedule(run, next.delay);
  }

  private schedule(run: CheckerRun, delayUs: number): void {
    run.dueAt = this.deps.clock.now() + delayUs;
    run.timer = this.deps.clock.at(run.dueAt, () => this.attempt(run));
  }

  private watchResult(run: CheckerRun, r: ProbeResult): void {
    if (this.stopped) return;
    const before = run.cycle;
    run.cycle = { isUp: r.ok, hasRun: true, retryIt: 0 };
    const base = this.config.virtual_server[run.vs]!.real_server[run.rs]!.weight;
    if (r.weight !== undefined) this.setWeight(run, r.weight ?? base);
    if (r.weightDelta !== undefined) this.setWeight(run, base + r.weightDelta);
    if (before.isUp !== r.ok || !before.hasRun) this.decide(run, before, r.ok, r.reason);
  }

  private decide(run: CheckerRun, before: CheckerCycle, up: boolean, reason: string): void {
    const vs = this.config.virtual_server[run.vs]!;
    const alpha = 'alpha' in run.checker ? run.checker.alpha : false;
    this.apply(run.vs, checkerDecided(vs as PoolVs, this.pools[run.vs]!, run.rs, { wasUp: before.isUp, up, firstRun: !before.hasRun, alpha }), false);
    if (before.isUp !== up) this.deps.events.checker?.(vs, run.rs, run.checker, up, reason);
  }

  /** `weight` is the weight the checker asks the real server to have (misc_dynamic, FILE_CHECK). */
  private setWeight(run: CheckerRun, weight: number): void {
    const vs = this.config.virtual_server[run.vs]!;
    const base = vs.real_server[run.rs]!.weight;
    const delta = weight - base;
    if (delta === run.weightDelta) return;
    const current = this.pools[run.vs]!.rs[run.rs]!.weight;
    const next = current - run.weightDelta + delta;
    run.weightDelta = delta;
    this.apply(run.vs, weightChanged(vs as PoolVs, this.pools[run.vs]!, run.rs, next), false);
  }

  private apply(v: number, step: PoolStep, init: boolean): void {
    const vs = this.config.virtual_server[v]!;
    const before = init ? undefined : JSON.stringify(this.desired(v));
    this.pools[v] = step.state;
    for (const e of step.effects) this.effect(vs, e);
    const entries = this.desired(v);
    if (init || JSON.stringify(entries) !== before) this.deps.events.pool(v, vs, entries);
  }

  private effect(vs: Vs, e: PoolEffect): void {
    if (e.kind === 'log') this.deps.log.info(e.message);
    else if (e.kind === 'rs') this.deps.events.realServer(vs, e.index, e.up);
    else this.deps.events.quorum(vs, e.up, { init: e.init, threshold: e.threshold, weightSum: e.weightSum });
  }
}
