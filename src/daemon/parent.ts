/**
 * The keepalived-ts parent process, as Keepalived's: it checks the configuration, writes its pid
 * file and hands the children it needs to the Supervisor (supervisor.ts): the VRRP child (a
 * separate process, so that nothing else the daemon does can delay an advert) and the checkers.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noEffectWarnings, type Options } from '../base/options.js';
import { formatDiagnostic, hadConfigFileError, type Diagnostic } from '../config/diagnostics.js';
import { configDumpLines } from '../config/dump-lines.js';
import { loadConfig, loadOptionsOf } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { startOrphanReaper } from '../os/reaper.js';
import { systemdNotifier } from '../os/sd-notify.js';
import { daemonLogger } from './logger.js';
import { Supervisor, type ChildSpec } from './supervisor.js';
import { controlSocketPath, StatusServer } from './status/server.js';
import { packageVersion } from '../base/version.js';
import type { Logger } from '../base/log.js';
import { DEFAULT_CHECKERS_PID_FILE, DEFAULT_PID_FILE, DEFAULT_VRRP_PID_FILE, removePidFile, runningPid, writePidFile } from './pidfile.js';
import { dropStartupPagesSoon } from '../os/startup-pages.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Keepalived's KEEPALIVED_EXIT_NO_CONFIG (EXIT_NOTCONFIGURED). */
const KEEPALIVED_EXIT_NO_CONFIG = 6;

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
  const load = () => loadConfig(opts.useFile, loadOptionsOf(opts));
  let loaded;
  try {
    loaded = load();
  } catch (e) {
    log.error((e as Error).message);
    return 1;
  }
  for (const d of loaded.diagnostics) log.warn(formatDiagnostic(d));
  // Keepalived 2.2.7 does not start when a file include_check (or -e) requires is missing.
  if (hadConfigFileError(loaded.diagnostics)) return KEEPALIVED_EXIT_NO_CONFIG;
  if (opts.dumpConf) for (const line of configDumpLines(loaded.config)) log.info(line);
  let errors = errorMessages(loaded.diagnostics);
  writePidFile(pidFile);
  log.info(`Starting keepalived-ts (Keepalived-compatible), pid ${process.pid}`);
  // Keepalived 2.2.7's word when the keyword is not set (-1 silences it); the children act on it.
  if (loaded.config.global_defs.max_auto_priority === 0) log.info('NOTICE: setting config option max_auto_priority should result in better keepalived performance');
  // A reload is refused for a file that cannot be read or adds an error; errors the running
  // file already had do not block it (a file with an old unknown keyword stays reloadable).
  const reread = () => {
    let next;
    try {
      next = load();
    } catch (e) {
      return { refused: (e as Error).message };
    }
    const added = next.diagnostics.filter((d) => d.severity === 'error' && !errors.has(d.message));
    if (added.length > 0) return { refused: formatDiagnostic(added[0]!) + (added.length > 1 ? ` (and ${added.length - 1} more)` : '') };
    errors = errorMessages(next.diagnostics);
    return { specs: childrenFor(next.config, opts) };
  };
  const systemd = systemdNotifier();
  const watchdogUs = watchdogFor(process.env);
  const startedAt = new Date().toISOString();
  let sup: Supervisor | undefined;
  const status = new StatusServer({
    status: async () => {
      const { parts, unanswered } = (await sup?.statusParts()) ?? { parts: [], unanswered: [] };
      return { pid: process.pid, version: `keepalived-ts ${packageVersion()}`, startedAt, children: sup?.children() ?? [], unanswered, ...Object.assign({}, ...parts) };
    },
  }, log);
  const supervisor = new Supervisor(childrenFor(loaded.config, opts), { opts, log, systemd, reread, onEvent: (e) => status.publish(e), onSettled: () => dropStartupPagesSoon(), ...(watchdogUs ? { watchdogUs } : {}) });
  sup = supervisor;
  await openStatus(status, opts, pidFile, log);
  // PID 1 of a PID namespace (a container): every orphan in it becomes ours to reap. SIGTERM,
  // SIGINT and SIGHUP need nothing more: the supervisor handles them, so the kernel delivers them
  // to us as PID 1 (it drops only the signals PID 1 has no handler for).
  const reaper = process.pid === 1 ? startOrphanReaper({ isOwnChild: (pid) => supervisor.isOwnChild(pid), log: (m) => log.detail(m) }) : undefined;
  const code = await supervisor.run();
  reaper?.stop();
  status.close();
  systemd.close();
  removePidFile(pidFile);
  log.info('Stopped keepalived-ts');
  return code;
}

/** The control socket always; HTTP only when asked for (--http, KEEPALIVED_TS_HTTP). Failures are logged, not fatal. */
async function openStatus(status: StatusServer, opts: Options, pidFile: string, log: Logger): Promise<void> {
  try {
    await status.listenControl(controlSocketPath(pidFile));
  } catch (e) {
    log.error(`control socket: ${(e as Error).message}`);
  }
  const http = opts.http ?? process.env['KEEPALIVED_TS_HTTP'];
  if (!http) return;
  try {
    log.info(`Status page, /metrics and /api/status on http://${await status.listenHttp(http)}/`);
  } catch (e) {
    log.error(`--http ${http}: ${(e as Error).message}`);
  }
}

/** The children a configuration needs: VRRP for instances, the checkers for virtual servers (--all: both). */
export function childrenFor(config: KeepalivedConfig, opts: Options): ChildSpec[] {
  const children: ChildSpec[] = [];
  if (!opts.checkOnly && (config.vrrp_instance.length > 0 || opts.all)) {
    children.push({ name: 'VRRP', script: path.join(here, 'vrrp-child.js'), pidFile: opts.vrrpPidFile ?? DEFAULT_VRRP_PID_FILE });
  }
  // The health checkers run apart from VRRP, as Keepalived's checker process does.
  if (!opts.vrrpOnly && (config.virtual_server.length > 0 || opts.all)) {
    children.push({ name: 'Healthcheck', script: path.join(here, 'check-child.js'), pidFile: opts.checkersPidFile ?? DEFAULT_CHECKERS_PID_FILE });
  }
  return children;
}

/** sd_watchdog_enabled(3): $WATCHDOG_USEC, for this process ($WATCHDOG_PID absent or ours). */
export function watchdogFor(env: NodeJS.ProcessEnv): number | undefined {
  const us = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(us) || us <= 0) return undefined;
  const pid = env['WATCHDOG_PID'];
  return pid === undefined || Number(pid) === process.pid ? us : undefined;
}

function errorMessages(diags: readonly Diagnostic[]): Set<string> {
  return new Set(diags.filter((d) => d.severity === 'error').map((d) => d.message));
}

/**
 * Without -n Keepalived forks into the background; Node cannot fork, so the daemon starts itself
 * again, detached, and this process returns once the new one has written its pid file.
 */
async function daemonize(opts: Options, argv: readonly string[]): Promise<number> {
  const bin = process.argv[1]!;
  // The same node flags (bin/keepalived-ts's nursery size) for the daemon as for this process.
  const child = spawn(process.execPath, [...process.execArgv, bin, ...argv], {
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
