/**
 * The parent's children, as Keepalived's parent keeps them (core/main.c, config_notify.c): it
 * starts the VRRP and Healthcheck children the configuration needs, forwards signals, respawns a
 * child that dies (unless -R), and runs reloads one at a time. A reload re-reads the file here
 * first: a file that does not load cleanly is refused and nothing changes; otherwise a child the
 * new file no longer needs is stopped, one it now needs is started (the first virtual_server
 * starts the checkers), and the others re-read it on SIGHUP. A SIGHUP during a reload is queued.
 *
 * systemd (Type=notify) hears of it all: READY=1 once every child has come up ("Startup
 * complete"), RELOADING=1 and READY=1 around a reload ("Reload complete"), STATUS= when a reload
 * is refused, STOPPING=1, and WATCHDOG=1 while every child answers the parent's pings.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../base/log.js';
import type { Options } from '../base/options.js';
import { closeSignalWatchers, onSignalNumber, SIG_JSON, SIG_STATS_CLEAR } from '../os/rt-signals.js';
import type { SystemdNotifier } from '../os/sd-notify.js';
import { isChildMessage, type ChildMessage, type ParentMessage, type StatusPart } from './child-link.js';
import type { StatusEvent } from './status/model.js';

const FORWARDED: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];
const RESPAWN_DELAY_MS = 1000;

export interface ChildSpec {
  /** As Keepalived names them in its log: "Starting VRRP child process", "Starting Healthcheck child process". */
  readonly name: 'VRRP' | 'Healthcheck';
  readonly script: string;
  readonly pidFile: string;
}

export interface SupervisorDeps {
  readonly opts: Options;
  readonly log: Logger;
  readonly systemd: SystemdNotifier;
  /** Loads the file again: the children it needs, or why it is refused (FILE:LINE: message). */
  readonly reread: () => { readonly specs: readonly ChildSpec[] } | { readonly refused: string };
  /** $WATCHDOG_USEC, when systemd asks for keep-alives. */
  readonly watchdogUs?: number;
  /** What the children report as it happens (transitions, checker verdicts), and reloads. */
  readonly onEvent?: (e: StatusEvent) => void;
  /** A start or reload has completed (the parent gives back its start-up pages then). */
  readonly onSettled?: () => void;
}

/**
 * V8's young generation capped at 1 MB a half (default 16 MB): a child's steady work is small
 * and short-lived (one advert, one check), so a large nursery only holds garbage longer. Measured
 * with bench/vrrp-load (100 instances at 100 ms): the VRRP child's RSS 96 -> 79 MB, the same CPU,
 * and shorter scavenges. --optimize-for-size saved 5 MB more at 20-30 % more CPU: not taken.
 */
const CHILD_V8_FLAGS = ['--max-semi-space-size=1'];

/**
 * The VRRP child also runs without V8's memory reducer: a full collection V8 starts by itself
 * some 8 s after a collection when it sees little allocation (a few instances at short
 * intervals). With both cores busy its marking helpers get no CPU and the main thread finishes
 * the marking: 17-20 ms pauses, adverts 20-25 ms late at advert_int 0.01 (--trace-gc beside the
 * lateness, bench/vrrp-load's saturated case). The VRRP child's old generation no longer grows
 * in steady state (vrrp/router.ts tagged()), so there is nothing for the reducer to give back.
 *
 * And its scavenges run on the main thread alone: a parallel one wakes V8's helper threads, and
 * a woken thread preempts the main thread in the middle of an advert's work, after which a busy
 * process keeps the CPU until its own slice ends, ~3-4 ms (perf sched, 6 s at advert_int 0.01
 * with both cores busy: 20 helper wake-ups, 12 with every collection on the main thread, and
 * such a preemption before 4 of the 9 late adverts read, the latest among them). A scavenge of
 * the VRRP child's 1 MB nursery is short alone. bench/vrrp-load, saturated, 9 runs each: worst
 * lateness median 5.5 -> 4.3 ms, gaps over 12 ms median 6 -> 4; at 100 instances the same CPU
 * and RSS.
 *
 * And no TurboFan (--no-opt): its compiles run on a helper thread (one took 4.0 + 2.5 ms of CPU
 * in a perf trace of the saturated case), and under the kernel's group scheduling that thread's
 * CPU is charged to the whole process (its session's autogroup), so after one the main thread
 * woke for its next advert behind a busy process and waited for the next 4 ms tick: one of the
 * trace's three late adverts. A VRRP child's work is small enough for Sparkplug's code.
 * bench/vrrp-load, 100 instances, A/B in turn, two runs each: the same CPU (1.80-2.10 against
 * 2.00-2.25 %), RSS 60.0-60.2 -> 52.5-52.7 MB, worst lateness seen by the peer 4.1-5.0 ->
 * 1.2-1.8 ms.
 */
const VRRP_V8_FLAGS = [...CHILD_V8_FLAGS, '--no-memory-reducer', '--no-parallel-scavenge', '--no-opt'];

type Phase = 'starting' | 'running' | 'reloading' | 'stopping';

export class Supervisor {
  private readonly running = new Map<ChildSpec['name'], ChildProcess>();
  /** Children a start or reload still waits to hear from. */
  private readonly waiting = new Set<ChildSpec['name']>();
  /** Children stopped because the configuration no longer needs them: not respawned. */
  private readonly retiring = new Set<ChildProcess>();
  private readonly pongs = new Map<ChildProcess, number>();
  /** Every child forked and not yet seen to exit (libuv reaps them: os/reaper.ts must not). */
  private readonly forked = new Set<number>();
  private phase: Phase = 'starting';
  private queued = false;
  private refusal: string | undefined;
  private pingSeq = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private resolveDone: ((code: number) => void) | undefined;
  private readonly parts = new Map<number, (child: ChildProcess, part: StatusPart) => void>();
  private partSeq = 0;
  /** The VRRP instances' states as their transitions came in, for the Healthcheck child. */
  private vrrpStates: Record<string, string> = {};

  constructor(
    private specs: readonly ChildSpec[],
    private readonly deps: SupervisorDeps,
  ) {}

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolveDone = resolve));
    const stop = () => this.stop();
    const reload = () => this.reload();
    const forwarders = FORWARDED.map((sig) => [sig, () => this.forward(sig)] as const);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
    for (const [sig, fn] of forwarders) process.on(sig, fn);
    // Exporters signal the parent (its pid file); the dumps are the VRRP child's to write.
    for (const n of [SIG_JSON, SIG_STATS_CLEAR]) onSignalNumber(n, () => this.forward(n));
    for (const spec of this.specs) this.start(spec, true);
    if (this.specs.length === 0) this.deps.log.warn('nothing to run: no vrrp_instance or virtual_server in the configuration');
    this.settle();
    this.startWatchdog();
    return done.finally(() => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      for (const [sig, fn] of forwarders) process.off(sig, fn);
      closeSignalWatchers();
      if (this.watchdog) clearInterval(this.watchdog);
    });
  }

  /** Whether `pid` is a child this supervisor forked and libuv has yet to reap. */
  isOwnChild(pid: number): boolean {
    return this.forked.has(pid);
  }

  private start(spec: ChildSpec, awaited: boolean): void {
    const child = fork(spec.script, [JSON.stringify({ ...this.deps.opts, childPidFile: spec.pidFile })], { stdio: 'inherit', execArgv: spec.name === 'VRRP' ? VRRP_V8_FLAGS : CHILD_V8_FLAGS });
    this.running.set(spec.name, child);
    if (child.pid !== undefined) this.forked.add(child.pid);
    if (awaited) this.waiting.add(spec.name);
    this.deps.log.info(`Starting ${spec.name} child process, pid=${child.pid}`);
    child.on('message', (m: unknown) => {
      if (isChildMessage(m)) this.heard(spec.name, child, m);
    });
    child.on('exit', (code, signal) => this.exited(spec, child, code, signal));
    if (spec.name === 'Healthcheck' && Object.keys(this.vrrpStates).length > 0) this.relayStates();
  }

  /** Tells the Healthcheck child every VRRP instance's state (--bgp-table withdraws FAULT ones' addresses). */
  private relayStates(): void {
    const c = this.running.get('Healthcheck');
    const msg: ParentMessage = { kind: 'vrrp-states', states: { ...this.vrrpStates } };
    if (c?.connected) c.send(msg);
  }

  private heard(name: ChildSpec['name'], child: ChildProcess, m: ChildMessage): void {
    if (m.kind === 'pong') {
      this.pongs.set(child, m.seq);
      return;
    }
    if (m.kind === 'event') {
      this.deps.onEvent?.(m.event);
      if (m.event.type === 'transition' && name === 'VRRP') {
        this.vrrpStates[m.event.instance] = m.event.to;
        this.relayStates();
      }
      return;
    }
    if (m.kind === 'status-part') {
      this.parts.get(m.id)?.(child, m.part);
      return;
    }
    if (this.running.get(name) !== child) return;
    if (m.kind === 'reload-refused') this.refusal = m.reason;
    this.waiting.delete(name);
    this.settle();
  }

  private exited(spec: ChildSpec, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.pongs.delete(child);
    if (child.pid !== undefined) this.forked.delete(child.pid);
    if (this.retiring.delete(child)) return;
    if (this.running.get(spec.name) === child) this.running.delete(spec.name);
    // A VRRP child gone takes its instances' states with it: a new one reports them afresh.
    if (spec.name === 'VRRP' && Object.keys(this.vrrpStates).length > 0) {
      this.vrrpStates = {};
      this.relayStates();
    }
    if (this.phase === 'stopping') {
      if (this.running.size === 0) this.resolveDone?.(0);
      return;
    }
    // Keepalived's hint: the kernel SIGKILLs a realtime child that overruns *_rlimit_rttime.
    const how = signal === 'SIGKILL' ? 'SIGKILL (has rlimit_rttime been exceeded?)' : (signal ?? `status ${code}`);
    this.waiting.delete(spec.name);
    if (this.deps.opts.dontRespawn) {
      // Keepalived -R: a child's death ends the daemon (it raises SIGTERM on itself).
      this.deps.log.error(`${spec.name} child process(${child.pid}) died (${how}): Exiting`);
      this.stop();
      return;
    }
    this.deps.log.error(`${spec.name} child process(${child.pid}) exited with ${how} - restarting`);
    setTimeout(() => {
      if (this.phase !== 'stopping' && this.specs.some((s) => s.name === spec.name) && !this.running.has(spec.name)) this.start(spec, false);
    }, RESPAWN_DELAY_MS);
    this.settle();
  }

  /** A start or reload is over once every child it waits for has answered. */
  private settle(): void {
    if (this.waiting.size > 0 || (this.phase !== 'starting' && this.phase !== 'reloading')) return;
    const reloading = this.phase === 'reloading';
    this.phase = 'running';
    const at = new Date().toISOString();
    if (this.refusal !== undefined) {
      this.deps.log.error(`Reload refused by a child, keeping the running configuration: ${this.refusal}`);
      this.notify(`READY=1\nSTATUS=Reload refused: ${this.refusal}`);
      this.deps.onEvent?.({ at, type: 'reload', outcome: 'refused', detail: this.refusal });
    } else {
      this.deps.log.info(reloading ? 'Reload complete' : 'Startup complete');
      this.notify(`READY=1\nSTATUS=${this.status()}`);
      this.deps.onSettled?.();
      if (reloading) this.deps.onEvent?.({ at, type: 'reload', outcome: 'complete' });
    }
    this.refusal = undefined;
    if (this.queued) {
      this.queued = false;
      this.reload();
    }
  }

  private status(): string {
    const names = [...this.running.keys()];
    return names.length === 0 ? 'Running, nothing configured' : `Running: ${names.join(' and ')} child${names.length > 1 ? 'ren' : ''}`;
  }

  private reload(): void {
    if (this.phase === 'stopping') return;
    if (this.phase !== 'running') {
      this.queued = true;
      this.deps.log.detail('Reload already in progress, request queued');
      return;
    }
    this.deps.log.info('Reloading ...');
    this.notify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
    const next = this.deps.reread();
    if ('refused' in next) {
      this.deps.log.error(`Reload refused, keeping the running configuration: ${next.refused}`);
      this.notify(`READY=1\nSTATUS=Reload refused: ${next.refused}`);
      this.deps.onEvent?.({ at: new Date().toISOString(), type: 'reload', outcome: 'refused', detail: next.refused });
      return;
    }
    this.phase = 'reloading';
    const wanted = new Set(next.specs.map((s) => s.name));
    for (const [name, child] of this.running) {
      if (wanted.has(name)) continue;
      this.deps.log.info(`Stopping ${name} child process, pid=${child.pid}: the configuration no longer needs it`);
      this.running.delete(name);
      this.retiring.add(child);
      child.kill('SIGTERM');
    }
    this.specs = next.specs;
    for (const spec of next.specs) {
      const child = this.running.get(spec.name);
      if (!child) this.start(spec, true);
      else {
        this.waiting.add(spec.name);
        this.signal(child, 'SIGHUP');
      }
    }
    this.settle();
  }

  /**
   * Each running child's part of the status; a child that does not answer in time (stopped,
   * busy, or hung) is left out and named in `unanswered`, so that a scraper can tell missing
   * series from a daemon that has none.
   */
  statusParts(timeoutMs = 1000): Promise<{ parts: StatusPart[]; unanswered: string[] }> {
    const id = ++this.partSeq;
    const asked = [...this.running.entries()].filter(([, c]) => c.connected);
    const got = new Map<ChildProcess, StatusPart>();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.parts.delete(id);
        resolve({ parts: [...got.values()], unanswered: asked.filter(([, c]) => !got.has(c)).map(([name]) => name) });
      };
      const timer = setTimeout(done, timeoutMs);
      this.parts.set(id, (child, part) => {
        got.set(child, part);
        if (asked.every(([, c]) => got.has(c))) done();
      });
      const msg: ParentMessage = { kind: 'status-request', id };
      for (const [, c] of asked) c.send(msg);
      if (asked.length === 0) done();
    });
  }

  /** The children running now, by name. */
  children(): string[] {
    return [...this.running.keys()];
  }

  /** ChildProcess.kill() refuses numbers Node has no name for (36, 63); process.kill() takes any. */
  private signal(c: ChildProcess, sig: NodeJS.Signals | number): void {
    if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
    try {
      process.kill(c.pid, sig);
    } catch (e) {
      this.deps.log.warn(`could not send signal ${sig} to child ${c.pid}: ${(e as Error).message}`);
    }
  }

  private forward(sig: NodeJS.Signals | number): void {
    for (const c of this.running.values()) this.signal(c, sig);
  }

  private notify(state: string): void {
    const err = this.deps.systemd.notify(state);
    if (err) this.deps.log.warn(`sd_notify: ${err.message}`);
  }

  /** WATCHDOG=1 twice per WatchdogSec, and only when every child answered the last ping. */
  private startWatchdog(): void {
    const us = this.deps.watchdogUs;
    if (!us || !this.deps.systemd.enabled) return;
    const ping = () => {
      this.pingSeq++;
      const msg: ParentMessage = { kind: 'ping', seq: this.pingSeq };
      for (const c of this.running.values()) if (c.connected) c.send(msg);
    };
    ping();
    this.watchdog = setInterval(() => {
      const alive = [...this.running.values()].every((c) => this.pongs.get(c) === this.pingSeq);
      if (alive && this.phase !== 'stopping') this.notify('WATCHDOG=1');
      ping();
    }, Math.max(1, Math.floor(us / 2000)));
    this.watchdog.unref();
  }

  private stop(): void {
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.deps.log.info('Stopping');
    this.notify('STOPPING=1');
    if (this.running.size === 0) {
      this.resolveDone?.(0);
      return;
    }
    for (const c of this.running.values()) this.signal(c, 'SIGTERM');
  }
}
