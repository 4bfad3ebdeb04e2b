/**
 * One registry from a configured checker to what runs it: a probe on a timer, or a watch.
 * Each kind's module builds its own; this file only chooses.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { dnsProbe } from './dns.js';
import { fileWatch, type WatchFile } from './file.js';
import { httpProbe } from './http.js';
import { miscProbe, type MiscDeps } from './misc.js';
import { pingProbe, type PingSocketFactory } from './ping.js';
import { smtpProbe } from './smtp.js';
import { tcpProbe } from './tcp.js';
import { udpProbe } from './udp.js';
import type { Dialer, Probe, Watch } from './types.js';

export type CheckerDriver = { readonly probe: Probe } | { readonly watch: Watch };

export type Checker = KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number];

export interface DriverContext {
  /** The whole configuration: SSL_GET's client certificate (ssl), FILE_CHECK's track_file blocks. */
  readonly config: KeepalivedConfig;
  /** Opens TCP connections (src/os/dial.ts in the daemon). */
  readonly dial: Dialer;
  /** Runs MISC_CHECK scripts. */
  readonly scripts: MiscDeps;
  /** ICMP sockets for PING_CHECK. */
  readonly icmp: PingSocketFactory;
  /** Watches track_files for FILE_CHECK. */
  readonly watchFile: WatchFile;
}

/** The driver for `checker`, or undefined when this kind cannot run here. */
export function checkerDriver(checker: Checker, ctx: DriverContext): CheckerDriver | undefined {
  switch (checker.checker) {
    case 'TCP_CHECK':
      return { probe: tcpProbe(checker, ctx.dial) };
    case 'SMTP_CHECK':
      return { probe: smtpProbe(checker, ctx.dial) };
    case 'DNS_CHECK':
      return { probe: dnsProbe(checker) };
    case 'UDP_CHECK':
      return { probe: udpProbe(checker) };
    case 'PING_CHECK':
      return { probe: pingProbe(checker, ctx.icmp) };
    case 'FILE_CHECK': {
      const watch = fileWatch(checker, ctx.config, ctx.watchFile);
      return watch ? { watch } : undefined;
    }
    case 'MISC_CHECK':
      return { probe: miscProbe(checker, ctx.scripts) };
    case 'HTTP_GET':
    case 'SSL_GET':
      return { probe: httpProbe(checker, ctx.dial, ctx.config.SSL) };
    default:
      return undefined;
  }
}
