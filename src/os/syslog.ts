/**
 * syslog(3) through libc, so that without -l keepalived-ts logs where Keepalived does (facility
 * daemon, or user or local0-7 with -S), with the same idents (Keepalived, Keepalived_vrrp ...).
 */
import koffi from 'koffi';
import type { Logger } from '../base/log.js';

const LOG_PID = 0x01;
const LOG_NDELAY = 0x08;
/** Keepalived's default facility; -S gives Options.logFacility as the code itself. */
const LOG_DAEMON = 3 << 3;
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_INFO = 6;

type Fn = ReturnType<ReturnType<typeof koffi.load>['func']>;
let lib: { openlog: Fn; syslog: Fn } | undefined;

function libc() {
  if (!lib) {
    const c = koffi.load('libc.so.6');
    lib = {
      openlog: c.func('void openlog(const char *ident, int option, int facility)'),
      syslog: c.func('void syslog(int priority, const char *format, ...)'),
    };
  }
  return lib;
}

/** `ident` must stay referenced for the life of the process: openlog keeps the pointer. */
const idents: Buffer[] = [];

/** `facility` is the syslog(3) code (LOG_USER 1<<3, LOG_DAEMON 3<<3, LOG_LOCALn (16+n)<<3). */
export function syslogLogger(ident: string, opts: { detail: boolean; facility?: number }): Logger {
  const { openlog, syslog } = libc();
  const name = Buffer.from(ident + '\0');
  idents.push(name);
  openlog(name, LOG_PID | LOG_NDELAY, opts.facility ?? LOG_DAEMON);
  // "%s" keeps a '%' in a message from being read as a format directive.
  const emit = (prio: number, m: string) => syslog(prio, '%s', 'str', m);
  return {
    info: (m) => emit(LOG_INFO, m),
    warn: (m) => emit(LOG_WARNING, m),
    error: (m) => emit(LOG_ERR, m),
    detail: (m) => {
      if (opts.detail) emit(LOG_INFO, m);
    },
  };
}
