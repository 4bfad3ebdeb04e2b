/**
 * Keepalived's command line (keepalived(8)), parsed into options; pure, so it is tested alone.
 * Flags keep Keepalived's meanings so a user's systemd unit and habits carry over. The record it
 * fills (Options) lives in base/options.ts: the daemon reads it without knowing the command line.
 */
import type { Options } from '../base/options.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

type Flag = { short?: string; long: string; arg: 'none' | 'required' | 'optional'; set: (o: Options, v: string | undefined) => void };

const FLAGS: Flag[] = [
  { short: 'f', long: 'use-file', arg: 'required', set: (o, v) => (o.useFile = v!) },
  { short: 't', long: 'config-test', arg: 'optional', set: (o, v) => { o.configTest = true; if (v) o.configTestLog = v; } },
  { short: 'e', long: 'all-config', arg: 'none', set: (o) => (o.allConfig = true) },
  { short: 'i', long: 'config-id', arg: 'required', set: (o, v) => (o.configId = v!) },
  { short: 'n', long: 'dont-fork', arg: 'none', set: (o) => (o.dontFork = true) },
  { short: 'l', long: 'log-console', arg: 'none', set: (o) => (o.logConsole = true) },
  { short: 'D', long: 'log-detail', arg: 'none', set: (o) => (o.logDetail = true) },
  { short: 'S', long: 'log-facility', arg: 'required', set: (o, v) => (o.logFacility = facility(v!)) },
  { short: 'P', long: 'vrrp', arg: 'none', set: (o) => (o.vrrpOnly = true) },
  { short: 'C', long: 'check', arg: 'none', set: (o) => (o.checkOnly = true) },
  { short: 'p', long: 'pid', arg: 'required', set: (o, v) => (o.pidFile = v!) },
  { short: 'r', long: 'vrrp_pid', arg: 'required', set: (o, v) => (o.vrrpPidFile = v!) },
  { short: 'c', long: 'checkers_pid', arg: 'required', set: (o, v) => (o.checkersPidFile = v!) },
  { short: 'X', long: 'release-vips', arg: 'none', set: (o) => (o.releaseVips = true) },
  { short: 'V', long: 'dont-release-vrrp', arg: 'none', set: (o) => (o.dontReleaseVrrp = true) },
  { short: 'I', long: 'dont-release-ipvs', arg: 'none', set: (o) => (o.dontReleaseIpvs = true) },
  { short: 'd', long: 'dump-conf', arg: 'none', set: (o) => (o.dumpConf = true) },
  { short: 'v', long: 'version', arg: 'none', set: (o) => (o.version = true) },
  { short: 'h', long: 'help', arg: 'none', set: (o) => (o.help = true) },
  { long: 'signum', arg: 'required', set: (o, v) => (o.signum = v!) },
];

function facility(v: string): number {
  if (!/^[0-7]$/.test(v)) throw new UsageError(`invalid log facility '${v}' (0-7, for local0 to local7)`);
  return Number(v);
}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    useFile: DEFAULT_CONFIG_FILE, configTest: false, dontFork: false, logConsole: false, logDetail: false,
    vrrpOnly: false, checkOnly: false, releaseVips: false, dontReleaseVrrp: false, dontReleaseIpvs: false,
    dumpConf: false, version: false, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const flag = FLAGS.find((f) => f.long === name);
      if (!flag) throw new UsageError(`unknown option '--${name}'`);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (flag.arg === 'none' && value !== undefined) throw new UsageError(`option '--${name}' takes no value`);
      if (flag.arg === 'required' && value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`option '--${name}' needs a value`);
      }
      flag.set(o, value);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // Bundled short flags (-nlD), the last of which may take the next word as its value.
      for (let j = 1; j < a.length; j++) {
        const flag = FLAGS.find((f) => f.short === a[j]);
        if (!flag) throw new UsageError(`unknown option '-${a[j]}'`);
        if (flag.arg === 'none') {
          flag.set(o, undefined);
          continue;
        }
        const attached = a.slice(j + 1);
        if (flag.arg === 'optional') flag.set(o, attached === '' ? undefined : attached.replace(/^=/, ''));
        else {
          const value = attached !== '' ? attached : argv[++i];
          if (value === undefined) throw new UsageError(`option '-${a[j]}' needs a value`);
          flag.set(o, value);
        }
        break;
      }
      continue;
    }
    throw new UsageError(`unexpected argument '${a}'`);
  }
  return o;
}

/** Keepalived's --signum names (reference/keepalived-observability.md). */
export const SIGNALS: Readonly<Record<string, number>> = {
  RELOAD: 1, DATA: 10, STATS: 12, STOP: 15, JSON: 36, STATS_CLEAR: 63,
};
