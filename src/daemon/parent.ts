/**
 * The keepalived-ts parent process, as Keepalived's: it checks the configuration, writes its pid
 * file, starts the VRRP child (a separate process, so that nothing else the daemon does can delay
 * an advert), forwards signals to it and restarts it if it dies. SIGTERM stops everything.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noEffectWarnings, type Options } from '../base/options.js';
import { formatDiagnostic, hadConfigFileError } from '../config/diagnostics.js';
import { configDumpLines } from '../config/dump-lines.js';
import { loadConfig, loadOptionsOf } from '../config/load.js';
import { closeSignalWatchers, onSignalNumber, SIG_JSON, SIG_STATS_CLEAR } from '../os/rt-signals.js';
import { daemonLogger } from './logger.js';
import type { Logger } from '../base/log.js';
import { DEFAULT_CHECKERS_PID_FILE, DEFAULT_PID_FILE, DEFAULT_VRRP_PID_FILE, removePidFile, runningPid, writePidFile } from './pidfile.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const RESPAWN_DELAY_MS = 1000;
/** Keepalived's KEEPALIVED_EXIT_NO_CONFIG (EXIT_NOTCONFIGURED). */
const KEEPALIVED_EXIT_NO_CONFIG = 6;

export interface ChildSpec {
  /** As Keepalived names them in its log: "Starting VRRP child process", "Starting Healthcheck child process". */
  readonly name: 'VRRP' | 'Healthcheck';
  readonly script: string;
  readonly pidFile: string;
}

/** Runs until stopped; resolves with the exit code. */
export async function runParent(opts: Options, argv: readonly string[]): Promise<number> {
  if (!opts.dontFork && process.env['KTS_DAEMONIZED'] !== '1') return daemonize(opts, argv);
  const log = daemonLogger('Keepalived', opts);
  // cli/main.ts printed these on stderr unless the log writes there (-l -n); the log gets them too.
  for (const w of noEffectWarnings(opts)) log.warn(w);
  const pidFile = opts.pidFile ?? DEFAULT_PID_FILE;
  const other = runningPid(pidFile);
  if (other !== undefined && other !== process.pid) {
    log.error(`daemon is already running (pid ${other}, ${pidFile})`);
    return 1;
  }
  let loaded;
  try {
    loaded = loadConfig(opts.useFile, loadOptionsOf(opts));
  } catch (e) {
    log.error((e as Error).message);
    return 1;
  }
  for (const d of loaded.diagnostics) log.warn(formatDiagnostic(d));
  // Keepalived 2.2.7 does not start when a file include_check (or -e) requires is missing.
  if (hadConfigFileError(loaded.diagnostics)) return KEEPALIVED_EXIT_NO_CONFIG;
  if (opts.dumpConf) for (const line of configDumpLines(loaded.config)) log.info(line);
  writePidFile(pidFile);
  log.info(`Starting keepalived-ts (Keepalived-compatible), pid ${process.pid}`);
  const children: ChildSpec[] = [];
  if (!opts.checkOnly && loaded.config.vrrp_instance.length > 0) {
    children.push({ name: 'VRRP', script: path.join(here, 'vrrp-child.js'), pidFile: opts.vrrpPidFile ?? DEFAULT_VRRP_PID_FILE });
  }
  // The health checkers run apart from VRRP, as Keepalived's checker process does.
  if (!opts.vrrpOnly && loaded.config.virtual_server.length > 0) {
    children.push({ name: 'Healthcheck', script: path.join(here, 'check-child.js'), pidFile: opts.checkersPidFile ?? DEFAULT_CHECKERS_PID_FILE });
  }
  const sup = new Supervisor(children, opts, log);
  const code = await sup.run();
  removePidFile(pidFile);
  log.info('Stopped keepalived-ts');
  return code;
}

class Supervisor {
  private readonly running = new Map<string, ChildProcess>();
  private stopping = false;
  private resolveDone: ((code: number) => void) | undefined;

  constructor(
    private readonly specs: readonly ChildSpec[],
    private readonly opts: Options,
    private readonly log: Logger,
  ) {}

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolveDone = resolve));
    const stop = () => this.stop();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    for (const sig of FORWARDED) process.on(sig, () => this.forward(sig));
    // Exporters signal the parent (its pid file); the dumps are the VRRP child's to write.
    for (const n of [SIG_JSON, SIG_STATS_CLEAR]) onSignalNumber(n, () => this.forward(n));
    for (const spec of this.specs) this.start(spec);
    if (this.specs.length === 0) this.log.warn('nothing to run: no vrrp_instance or virtual_server in the configuration');
    return done.finally(() => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      for (const sig of FORWARDED) process.removeAllListeners(sig);
      closeSignalWatchers();
    });
  }

  private start(spec: ChildSpec): void {
    const child = fork(spec.script, [JSON.stringify({ ...this.opts, childPidFile: spec.pidFile })], { stdio: 'inherit', execArgv: [] });
    this.running.set(spec.name, child);
    this.log.info(`Starting ${spec.name} child process, pid=${child.pid}`);
    child.on('exit', (code, signal) => {
      this.running.delete(spec.name);
      if (this.stopping) {
        if (this.running.size === 0) this.resolveDone?.(0);
        return;
      }
      this.log.error(`${spec.name} child process(${child.pid}) exited with ${signal ?? `status ${code}`} - restarting`);
      setTimeout(() => {
        if (!this.stopping) this.start(spec);
      }, RESPAWN_DELAY_MS);
    });
  }

  /**
   * ChildProcess.kill() refuses signal numbers Node has no name for (36 JSON, 63 STATS_CLEAR:
   * ERR_UNKNOWN_SIGNAL, which killed the parent); process.kill() takes any number.
   */
  private forward(sig: NodeJS.Signals | number): void {
    for (const c of this.running.values()) {
      if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
      try {
        process.kill(c.pid, sig);
      } catch (e) {
        this.log.warn(`could not forward signal ${sig} to child ${c.pid}: ${(e as Error).message}`);
      }
    }
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('Stopping');
    if (this.running.size === 0) {
      this.resolveDone?.(0);
      return;
    }
    for (const c of this.running.values()) c.kill('SIGTERM');
  }
}

/**
 * Without -n Keepalived forks into the background; Node cannot fork, so the daemon starts itself
 * again, detached, and this process returns once the new one has written its pid file.
 */
async function daemonize(opts: Options, argv: readonly string[]): Promise<number> {
  const bin = process.argv[1]!;
  const child = spawn(process.execPath, [bin, ...argv], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, KTS_DAEMONIZED: '1' },
  });
  child.unref();
  const pidFile = opts.pidFile ?? DEFAULT_PID_FILE;
  for (let i = 0; i < 100; i++) {
    if (runningPid(pidFile) === child.pid) return 0;
    if (child.exitCode !== null) return child.exitCode;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 0;
}
