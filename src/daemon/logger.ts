/**
 * Where the daemon's processes log, from the options as Keepalived 2.2.7's vlog_message() decides
 * it: the console (stderr, timestamped) with -l when not forking (-n; a forked daemon has no
 * terminal), and syslog unless -G, both at once when both apply. -G without -l -n: no log at all.
 */
import type { Options } from '../base/options.js';
import { consoleLogger, teeLogger, type Logger } from '../base/log.js';
import { syslogLogger } from '../os/syslog.js';

/** The sinks to open, for tests. */
export function logSinks(opts: Pick<Options, 'logConsole' | 'dontFork' | 'noSyslog'>): { console: boolean; syslog: boolean } {
  return { console: opts.logConsole && opts.dontFork, syslog: !opts.noSyslog };
}

/** `ident` as Keepalived's: Keepalived, Keepalived_vrrp, Keepalived_healthcheckers. */
export function daemonLogger(ident: string, opts: Options): Logger {
  const want = logSinks(opts);
  const sinks: Logger[] = [];
  if (want.console) sinks.push(consoleLogger({ detail: opts.logDetail }));
  if (want.syslog) sinks.push(syslogLogger(ident, { detail: opts.logDetail, ...(opts.logFacility !== undefined ? { facility: opts.logFacility } : {}) }));
  return teeLogger(sinks);
}

