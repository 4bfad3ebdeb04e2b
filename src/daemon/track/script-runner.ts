/**
 * Runs one vrrp_script (Keepalived vrrp_scheduler.c vrrp_script_thread / _child_thread): at start
 * and then every `interval` seconds from the start of the previous run. Never two runs at once: a
 * run still going (or being killed) when the next is due is skipped with Keepalived's log line.
 * A run past `timeout` gets SIGTERM to its process group, then SIGKILL 2 s later, then SIGKILL
 * every 10 s; a run that ends by our SIGTERM/SIGKILL counts as "timed_out", a failure. Exit code 0
 * is success. The counting is script-state.ts; this file is timers and processes only.
 */
import type { VrrpScript } from '../../config/sections/vrrp-track.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { RunningScript, ScriptExit, ScriptIdentity, Spawner } from '../../base/spawn.js';
import { initialCounter, isGood, knownUp, stepCounter, type RunOutcome, type ScriptCounter } from './script-state.js';

const S = 1_000_000;
/** Keepalived: 2 s between SIGTERM and SIGKILL, 10 s between later SIGKILLs. */
const TERM_GRACE_US = 2 * S;
const KILL_RETRY_US = 10 * S;
const STOP_WAIT_MS = 2000;

/** The dump's "State = ..." words. */
export type RunState = 'idle' | 'running' | 'requested termination' | 'forcing termination';

export interface ScriptRunnerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly spawner: Spawner;
  /** Who runs the script; undefined: the daemon's own user. */
  readonly identity?: ScriptIdentity;
  /** Called when the script's status flips; the daemon passes it to VrrpDriver.setTracked. */
  readonly onChange: (up: boolean) => void;
}

export interface ScriptStatus {
  readonly status: 'GOOD' | 'BAD';
  readonly state: RunState;
  /** undefined while no run has decided yet. */
  readonly up: boolean | undefined;
  readonly result: number;
  readonly runs: number;
}

export class ScriptRunner {
  private counter: ScriptCounter;
  private state: RunState = 'idle';
  private tick: unknown;
  private killTimer: unknown;
  private child: RunningScript | undefined;
  private lastStatus: number | undefined;
  private runs = 0;
  private stopped = true;
  private readonly idle = new Set<() => void>();

  constructor(
    readonly script: VrrpScript,
    private readonly deps: ScriptRunnerDeps,
  ) {
    this.counter = initialCounter(script);
  }

  /** First run now, as Keepalived does at start-up. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.due();
  }

  /** Stops scheduling; a running script is killed (its group, SIGKILL) and awaited (at most 2 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick !== undefined) this.deps.clock.cancel(this.tick);
    this.tick = undefined;
    const child = this.child;
    if (child) {
      child.kill('SIGKILL');
      // A process stuck in the kernel survives SIGKILL for a while: stop does not wait on it forever.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
      clearTimeout(timer);
    }
  }

  status(): ScriptStatus {
    return { status: isGood(this.counter) ? 'GOOD' : 'BAD', state: this.state, up: knownUp(this.counter), result: this.counter.result, runs: this.runs };
  }

  /** Resolves once no run is in progress (for tests and an orderly stop). */
  whenIdle(): Promise<void> {
    if (this.state === 'idle') return Promise.resolve();
    return new Promise((r) => this.idle.add(r));
  }

  private due(): void {
    if (this.stopped) return;
    const { clock } = this.deps;
    this.tick = clock.at(clock.now() + this.script.interval * S, () => this.due());
    if (this.state !== 'idle') {
      const what = this.state === 'running' ? 'already running' : 'being timed out';
      this.deps.log.info(`Track script ${this.script.name} is ${what}, expect idle - skipping run`);
      return;
    }
    this.run();
  }

  private run(): void {
    const { clock, spawner } = this.deps;
    const child = spawner.spawn(this.script.script.args, this.deps.identity);
    this.child = child;
    this.state = 'running';
    this.runs++;
    this.killTimer = clock.at(clock.now() + this.script.timeout * S, () => this.timedOut(child));
    void child.exited.then((exit) => this.exited(child, exit));
  }

  private timedOut(child: RunningScript): void {
    if (this.child !== child) return;
    const { clock, log } = this.deps;
    let signal: NodeJS.Signals;
    let next: number;
    if (this.state === 'running') {
      this.state = 'requested termination';
      signal = 'SIGTERM';
      next = TERM_GRACE_US;
    } else if (this.state === 'requested termination') {
      this.state = 'forcing termination';
      signal = 'SIGKILL';
      next = TERM_GRACE_US;
    } else {
      log.info(`Script ${this.script.name} child (PID ${child.pid ?? '?'}) failed to terminate after kill`);
      signal = 'SIGKILL';
      next = KILL_RETRY_US;
    }
    if (!child.kill(signal)) {
      // Nothing left to signal: the exit is on its way (or was lost); stop escalating.
      log.info(`Script ${this.script.name} child (PID ${child.pid ?? '?'}) lost`);
      return;
    }
    this.killTimer = clock.at(clock.now() + next, () => this.timedOut(child));
  }

  private exited(child: RunningScript, exit: ScriptExit): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.killTimer !== undefined) this.deps.clock.cancel(this.killTimer);
    this.killTimer = undefined;
    const outcome = this.classify(child, exit);
    this.state = 'idle';
    for (const r of this.idle) r();
    this.idle.clear();
    if (this.stopped) return;
    if (outcome.kind === 'exit' && outcome.code !== this.lastStatus) {
      this.deps.log.info(`Script \`${this.script.name}\` now returning ${outcome.code}`);
      this.lastStatus = outcome.code;
    }
    // reverse is the instance's business (vrrp/tracking.ts), as in Keepalived's weight multiplier.
    const step = stepCounter(this.counter, this.script.name, outcome);
    this.counter = step.counter;
    if (step.report) {
      this.deps.log.info(step.report.log);
      this.deps.onChange(step.report.up);
    }
  }

  private classify(child: RunningScript, exit: ScriptExit): RunOutcome {
    if (exit.kind !== 'signal') return exit;
    if (this.state === 'requested termination' && exit.signal === 'SIGTERM') {
      // The script obeyed; make sure anything it started goes too.
      child.kill('SIGKILL');
      return { kind: 'timed_out' };
    }
    if (this.state === 'forcing termination' && (exit.signal === 'SIGKILL' || exit.signal === 'SIGTERM')) return { kind: 'timed_out' };
    return exit;
  }
}
