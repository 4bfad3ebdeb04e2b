/**
 * The VRRP child process: it owns VRRP's clock and nothing else, so health checks and data-plane
 * work in other processes never delay an advert. Started by parent.ts with the command-line
 * options as JSON; stops on SIGTERM (masters send priority 0 and release their addresses).
 */
import { existsSync } from 'node:fs';
import * as v8 from 'node:v8';
import type { Options } from '../base/options.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { loadConfig, loadOptionsOf } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { linuxOs } from '../os/linux.js';
import { uptimeSeconds } from '../os/host.js';
import { daemonLogger } from './logger.js';
import { timerfdClock, type TimerfdClock } from '../os/timerfd-clock.js';
import { openSendRing, type SendRing } from '../os/uring.js';
import { systemClock, type Clock } from '../base/clock.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { SPIN_US, VrrpDriver } from './vrrp/driver.js';
import { takeoverTrace } from './vrrp/takeover-trace.js';
import type { ScriptStatus } from './dump/common.js';
import { notifyAction, openNotifier } from './notify/from-config.js';
import { startTracking, type Tracking } from './track/start.js';
import { secureVrrpScripts } from './track/secure-scripts.js';
import { VrrpDumps } from './vrrp-dumps.js';
import { answerParent, tellParent } from './child-link.js';
import { TransitionLog, vrrpPart } from './status/vrrp-status.js';
import type { TrackedState } from './vrrp/tracking-feed.js';
import type { RouterAction } from '../vrrp/router.js';
import { linkUp } from '../os/host.js';
import { installLastResort } from './last-resort.js';
import { ConntrackdDriver, groupedInstances } from './conntrackd/driver.js';
import { conntrackdSettings } from './conntrackd/plan.js';
import { runCommand } from '../os/conntrackd.js';
import { startProcessSched } from './process-sched.js';
import { loadVrrpPartOffThread, vrrpPartOf } from './vrrp/reload-load.js';
import { dropStartupPagesSoon, waitForQuiet } from '../os/startup-pages.js';

// V8 drops the bytecode of functions that have not run for a while; a backup's takeover code
// runs only at a failover, and recompiling it then would cost the takeover (vrrp/rehearsal.ts).
v8.setFlagsFromString('--no-flush-bytecode');

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Options & { childPidFile: string };
  // Keepalived's VRRP process logs as Keepalived_vrrp (daemon/logger.ts: -l, -G).
  const log = daemonLogger('Keepalived_vrrp', opts);
  installLastResort(log, 'VRRP child');
  const loaded = loadConfig(opts.useFile, loadOptionsOf(opts));
  // Notify scripts checked once, as Keepalived does after reading the file (enable_script_security).
  // What this process acts on; the virtual servers are the checker process's (as on reload).
  const secured = secureVrrpScripts(vrrpPartOf(loaded.config), { log });
  const config = secured.config;
  let currentErrors = errorMessages(loaded.diagnostics);
  writePidFile(opts.childPidFile);
  const os = linuxOs();
  const clock = vrrpClock(log);
  const ring = sendRing(log);
  let current = config;
  const history = new TransitionLog();
  let dumps: VrrpDumps | undefined;
  let notifier = openNotifier(config, { log });
  const pending = new Set<Promise<void>>();
  const trace = process.env.KEEPALIVED_TS_TRACE ? takeoverTrace(clock, log) : undefined;
  // --conntrackd / KEEPALIVED_TS_CONNTRACKD: primary-backup.sh's commands on each transition.
  const ctd = conntrackdSettings(opts.conntrackd ?? process.env['KEEPALIVED_TS_CONNTRACKD']);
  const conntrackd = ctd ? new ConntrackdDriver(ctd, groupedInstances(config.vrrp_sync_group), { log, run: runCommand }) : undefined;
  if (ctd) log.info(`conntrackd: driven on each transition with ${ctd.config}`);
  // Not fatal: conntrackd's configuration may come later; each failed command will say so too.
  if (ctd && !existsSync(ctd.config)) log.warn(`conntrackd: ${ctd.config} does not exist (yet): its commands will fail until it does`);
  const driver = new VrrpDriver(config, {
    clock, log, ...os, ...(trace ? { trace } : {}), ...(ring ? { ring } : {}), spinUs: SPIN_US,
    // Keepalived's scheduler checks each wake-up for an overdue timer (max_auto_priority).
    onTimerLate: (lateUs) => sched?.timerLate(lateUs),
    keepAddressesOnStop: opts.dontReleaseVrrp,
    uptimeSeconds,
    // -X (--release-vips) needs nothing here: Keepalived then removes a leaving master's VIPs even
    // when this run did not add them (after a reload); the driver always removes them.
    onAction: (a) => {
      // Adverts and addresses are most of the actions (one per advert): nothing here concerns them.
      if (!NOTIFIED_KINDS.has(a.kind)) return;
      if (a.kind === 'transition') dumps?.transitions.record(a.instance);
      const name = a.kind === 'group_transition' ? undefined : a.instance;
      const priority = name === undefined ? 0 : (driver.routerState().instances.get(name)?.effectivePriority ?? 0);
      if (a.kind === 'transition') {
        // Off the takeover path: the status log and the parent's followers hear of it next tick.
        const { instance, from, to, reason } = a;
        setImmediate(() => tellParent({ kind: 'event', event: history.record(instance, from, to, reason, priority) }));
      }
      const p = notifyAction(notifier, current, a, priority).catch((e: Error) => log.error(`notify: ${e.message}`));
      pending.add(p);
      void p.finally(() => pending.delete(p));
      conntrackd?.onAction(a);
    },
  });
  const trackedNow = new Map<string, TrackedState>();
  const track = (cfg: typeof config, reload: boolean, insecure: boolean) =>
    startTracking(cfg, {
      clock, log, reload, insecure,
      setTracked: (kind, name, state) => {
        trackedNow.set(`${kind}:${name}`, state);
        driver.setTracked(kind, name, state);
      },
    });
  let tracking: Tracking | undefined;
  dumps = new VrrpDumps(() => current, driver, clock, log, () => scriptStatuses(tracking));
  dumps.install();
  let sched: ReturnType<typeof startProcessSched> | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await driver.stop();
    ring?.close();
    // STOP notify scripts run to completion (1 s at most) before the process goes.
    await Promise.all(pending);
    await tracking?.stop();
    await notifier.close();
    os.announcer.close();
    removePidFile(opts.childPidFile);
    log.info(`VRRP child stopped (timers: ${driver.lag.fired} fired, worst ${Math.round(driver.lag.maxLateUs / 1000)} ms late)`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // One reload at a time: the file is read on another thread, so a SIGHUP sent to this process
  // directly could otherwise start a second while the first waits for it. Those that come during
  // a reload make one more after it, as the parent queues its own.
  let reloading = false;
  let again = false;
  const onHangup = async () => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    try {
      do {
        again = false;
        await reload();
      } while (again);
    } finally {
      reloading = false;
    }
  };
  process.on('SIGHUP', () => void onHangup());
  // A reload that does not load cleanly changes nothing: the running configuration stays.
  // Scheduling as Keepalived's reload_vrrp_thread(): standard scheduling while the file is read,
  // then the new settings (or the running ones again when the file is refused).
  const reload = async () => {
    sched?.reloading();
    try {
      await reloadConfig();
    } finally {
      sched?.reloaded(current.global_defs);
    }
  };
  const reloadConfig = async () => {
    log.info('Reloading');
    let next;
    try {
      // On a worker thread: this one keeps sending adverts (vrrp/reload-load.ts), and starts
      // the thread and applies its answer in gaps between its timers.
      next = await loadVrrpPartOffThread(opts.useFile, loadOptionsOf(opts), () => quietGap(clock));
    } catch (e) {
      log.error(`reload failed, keeping the running configuration: ${(e as Error).message}`);
      tellParent({ kind: 'reload-refused', reason: (e as Error).message });
      return;
    }
    for (const d of next.diagnostics) log.warn(formatDiagnostic(d));
    // Problems the running configuration already had do not block a reload (a file with an old
    // unknown keyword must stay reloadable); a new error does, and the running one stays.
    const nextErrors = errorMessages(next.diagnostics);
    const added = [...nextErrors].filter((m) => !currentErrors.has(m));
    if (added.length > 0) {
      log.error(`reload refused, keeping the running configuration: ${added.length} new configuration error(s): ${added[0]}`);
      tellParent({ kind: 'reload-refused', reason: added[0]! });
      return;
    }
    const nextSecured = secureVrrpScripts(next.config, { log });
    await tracking?.stop();
    await driver.reload(nextSecured.config);
    await notifier.close();
    notifier = openNotifier(nextSecured.config, { log });
    current = nextSecured.config;
    conntrackd?.setGrouped(groupedInstances(current.vrrp_sync_group));
    currentErrors = nextErrors;
    tracking = track(current, true, nextSecured.insecure);
    log.info('Reload finished');
    tellParent({ kind: 'reloaded' });
    giveBackStartup(current, clock);
  };
  // The parent's death must not leave orphaned VIPs behind: stop as if told to.
  process.on('disconnect', () => void stop());
  // Trackers first: a script disabled at start-up must not hold its instance in FAULT.
  tracking = track(config, false, secured.insecure);
  answerParent(() => ({ vrrp: vrrpPart({ dump: dumps!.input(), transitions: history, tracked: trackedNow, linkUp, lag: driver.lag }) }));
  await driver.start();
  // vrrp_priority, vrrp_rt_priority, vrrp_rlimit_rttime, vrrp_cpu_affinity: once start-up's work
  // (first compilation of the driver included) is done, so that it cannot run into RLIMIT_RTTIME.
  sched = startProcessSched('vrrp', current.global_defs, log);
  // Every instance has entered its first state: the parent may tell systemd READY=1.
  tellParent({ kind: 'ready' });
  giveBackStartup(current, clock);
}

/**
 * The shortest advert interval at which the VRRP process may stop for a collection: compacting
 * only in a gap between its timers (os/startup-pages.ts), else a plain one (14-21 ms at 100
 * instances): one advert that late is a fifth of an interval, far from a peer's Master_Down
 * (three intervals). Shorter intervals keep the garbage instead.
 */
const COLLECT_MIN_ADVERT_S = 0.1;

/**
 * Two seconds after start-up or a reload, while the process is still busy with it: the drop takes
 * about 3 ms of the main thread, and the pages the process still runs come back one fault at a
 * time; with both cores busy, done 7 s after start (after the delayed GARP batch) it made adverts
 * at 10 ms up to 8.6 ms late (bench/vrrp-load), so it is not done in steady state. The code of a
 * new master's delayed GARP batch comes back when it runs (about 2 MB). Dropping on libuv's thread
 * pool (koffi's async calls) left as late adverts and cost 2-3 MB of pool threads' memory.
 */
function giveBackStartup(config: KeepalivedConfig, clock: Clock): void {
  const shortest = Math.min(...config.vrrp_instance.map((i) => i.advert_int));
  const quietUs = untilNextOf(clock);
  dropStartupPagesSoon({ collect: shortest >= COLLECT_MIN_ADVERT_S, ...(quietUs ? { quietUs } : {}) });
}

/** µs until the clock's next timer, where the clock can tell (the timerfd one). */
function untilNextOf(clock: Clock): (() => number | undefined) | undefined {
  const c = clock as Partial<TimerfdClock>;
  return c.untilNextUs ? () => c.untilNextUs!() : undefined;
}

/**
 * A reload's work on this thread (starting the reading thread, applying what it read: runs of
 * 3-5.5 ms each for 31,000 lines in perf sched traces, which of the two by their timing) waits
 * for a gap this long before the next timer, as long as RELOAD_QUIET_WITHIN_MS: at advert_int
 * 0.01 the gap comes right after each advert; where timers are always closer (many instances),
 * the reload goes ahead when the wait is over.
 */
const RELOAD_QUIET_US = 7000;
const RELOAD_QUIET_WITHIN_MS = 250;

function quietGap(clock: Clock): Promise<boolean> {
  const quietUs = untilNextOf(clock);
  return quietUs ? waitForQuiet(quietUs, RELOAD_QUIET_US, RELOAD_QUIET_WITHIN_MS) : Promise.resolve(true);
}

/** The actions notifyAction(), the dumps or the status log act on. */
const NOTIFIED_KINDS: ReadonlySet<RouterAction['kind']> = new Set(['transition', 'group_transition', 'master_rx_lower_pri', 'priority_change']);

/**
 * VRRP's timers on a timerfd (os/timerfd-clock.ts); the spinning libuv clock if that fails. No
 * spinning before an advert (spinUs 0): a process that burns its CPU before each deadline looks
 * like a CPU hog to the scheduler and loses the wake-up preference a sleeper gets, which under
 * load cost more lateness than the wake-up it saved (issue 13, bench/vrrp-load). Only a backup's
 * takeover still waits its last SPIN_US awake (wakeup.ts), when the master is already silent.
 */
function vrrpClock(log: { warn(m: string): void; error(m: string): void }): Clock {
  try {
    return timerfdClock({ spinUs: 0, onError: (e) => log.error(`timer callback failed: ${(e as Error)?.stack ?? String(e)}`) });
  } catch (e) {
    log.warn(`timerfd unavailable (${(e as Error).message}): timers on libuv`);
    return systemClock;
  }
}

/**
 * A master's adverts sent by the kernel at their time (os/uring.ts), unless
 * KEEPALIVED_TS_URING=0 or the kernel refuses io_uring; then from the event loop.
 */
function sendRing(log: { info(m: string): void }): SendRing | undefined {
  if (process.env['KEEPALIVED_TS_URING'] === '0') {
    log.info('adverts: sent from the event loop (KEEPALIVED_TS_URING=0)');
    return undefined;
  }
  try {
    const ring = openSendRing();
    log.info('adverts: queued to the kernel for their time (io_uring)');
    return ring;
  } catch (e) {
    log.info(`adverts: io_uring unavailable (${(e as Error).message}), sent from the event loop`);
    return undefined;
  }
}

function errorMessages(diags: readonly Diagnostic[]): Set<string> {
  return new Set(diags.filter((d) => d.severity === 'error').map((d) => d.message));
}

function scriptStatuses(t: Tracking | undefined): Map<string, ScriptStatus> {
  const out = new Map<string, ScriptStatus>();
  for (const [name, runner] of t?.scripts ?? []) {
    const s = runner.status();
    out.set(name, { result: s.result, state: s.state, args: runner.script.script.args });
  }
  return out;
}

main().catch((e: Error) => {
  process.stderr.write(`VRRP child: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
