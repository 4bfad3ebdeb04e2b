/**
 * The children's last resort. An exception nobody caught, or a rejected promise nobody awaited,
 * means the process's state can no longer be trusted (a half-applied transition, a timer that
 * was never re-armed). Keepalived's children die on such faults (SIGSEGV, an assert) and the
 * parent restarts them; ours do the same, but say why first, through the process's own logger
 * (syslog without -l), which Node's default (a stack on stderr) does not reach. The exit code is
 * EX_SOFTWARE, non-zero, so the parent's supervisor logs "exited with status 70 - restarting".
 */
import type { Logger } from '../base/log.js';

/** sysexits.h: internal software error. */
export const EX_SOFTWARE = 70;

export function installLastResort(log: Logger, who: string, exit: (code: number) => void = (c) => process.exit(c)): void {
  let dying = false;
  const die = (what: string, e: unknown) => {
    // A second fault while reporting the first must not loop.
    if (dying) return;
    dying = true;
    try {
      const err = e instanceof Error ? e : new Error(String(e));
      log.error(`${who}: ${what}: ${err.message} - exiting for the parent to restart`);
      for (const line of (err.stack ?? '').split('\n').slice(1)) log.error(`  ${line.trim()}`);
    } finally {
      exit(EX_SOFTWARE);
    }
  };
  process.on('uncaughtException', (e) => die('uncaught exception', e));
  process.on('unhandledRejection', (e) => die('unhandled promise rejection', e));
}
