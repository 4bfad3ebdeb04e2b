/**
 * The VRRP child process: it owns VRRP's clock and nothing else, so health checks and data-plane
 * work in other processes never delay an advert. Started by parent.ts with the command-line
 * options as JSON; stops on SIGTERM (masters send priority 0 and release their addresses).
 */
import type { Options } from '../cli/args.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load.js';
import { linuxOs } from '../os/linux.js';
import { syslogLogger } from '../os/syslog.js';
import { systemClock } from './clock.js';
import { consoleLogger } from './log.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { VrrpDriver } from './vrrp/driver.js';
import { VrrpDumps } from './vrrp-dumps.js';

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Options & { childPidFile: string };
  // Keepalived logs to syslog unless -l; its VRRP process's ident is Keepalived_vrrp.
  const log = opts.logConsole
    ? consoleLogger({ detail: opts.logDetail })
    : syslogLogger('Keepalived_vrrp', { detail: opts.logDetail, ...(opts.logFacility !== undefined ? { facility: opts.logFacility } : {}) });
  const { config } = loadConfig(opts.useFile, opts.configId !== undefined ? { configId: opts.configId } : {});
  writePidFile(opts.childPidFile);
  const os = linuxOs();
  let current = config;
  let dumps: VrrpDumps | undefined;
  const driver = new VrrpDriver(config, {
    clock: systemClock, log, ...os,
    onAction: (a) => {
      if (a.kind === 'transition') dumps?.transitions.record(a.instance);
    },
  });
  dumps = new VrrpDumps(() => current, driver, systemClock, log);
  dumps.install();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await driver.stop();
    os.announcer.close();
    removePidFile(opts.childPidFile);
    log.info(`VRRP child stopped (timers: ${driver.lag.fired} fired, worst ${Math.round(driver.lag.maxLateUs / 1000)} ms late)`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void reload());
  // A reload that does not load cleanly changes nothing: the running configuration stays.
  const reload = async () => {
    log.info('Reloading');
    let next;
    try {
      next = loadConfig(opts.useFile, opts.configId !== undefined ? { configId: opts.configId } : {});
    } catch (e) {
      log.error(`reload failed, keeping the running configuration: ${(e as Error).message}`);
      return;
    }
    const errors = next.diagnostics.filter((d) => d.severity === 'error');
    for (const d of next.diagnostics) log.warn(formatDiagnostic(d));
    if (errors.length > 0) {
      log.error(`reload failed with ${errors.length} configuration error(s), keeping the running configuration`);
      return;
    }
    await driver.reload(next.config);
    current = next.config;
    log.info('Reload finished');
  };
  // The parent's death must not leave orphaned VIPs behind: stop as if told to.
  process.on('disconnect', () => void stop());
  await driver.start();
}

main().catch((e: Error) => {
  process.stderr.write(`VRRP child: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
