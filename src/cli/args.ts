/**
 * Keepalived 2.2.7's command line (keepalived(8), core/main.c parse_cmdline()), parsed into
 * Options; pure, so it is tested alone. Flags keep Keepalived's meanings and getopt_long(3)'s
 * syntax so a user's systemd unit and habits carry over: bundled short flags (-nlD), a required
 * value attached or in the next word (-ffile, -f file, --use-file=file, --use-file file), an
 * optional value only attached (-t/tmp/log, --config-test=/tmp/log), long names abbreviated to
 * any unambiguous prefix, words that are no option set aside and reported, `--` ending options.
 *
 * Keepalived reports every bad option before exiting 1, but -v, -h, --signum and -T act where
 * they stand (options after them are not read), so the parse returns its messages in order and
 * the stopping option, and cli/main.ts replays Keepalived's order. The record it fills (Options)
 * lives in base/options.ts: the daemon reads it without knowing the command line.
 */
import { defaultOptions, type Options } from '../base/options.js';
import { DEFAULT_CONNTRACKD_CONFIG } from '../daemon/conntrackd/plan.js';
import { parseBgpTable } from '../lb/announce.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export interface CommandLine {
  readonly options: Options;
  /** Lines for stderr, in Keepalived's order and words ("Unknown option -q"). */
  readonly messages: string[];
  /** An unknown option or a missing value: Keepalived prints the messages and exits 1. */
  failed: boolean;
  /** Words that are no option: Keepalived prints them on stdout ("Unexpected argument(s): ") and goes on. */
  readonly unexpected: string[];
  /** -T / --genhash: the words after it belong to genhash (check_genhash()). */
  genhash?: string[];
}

type Arg = 'none' | 'required' | 'optional';
interface Flag {
  readonly short?: string;
  readonly long: string;
  readonly arg: Arg;
  /** Returns true when parsing stops here (-v, -h, --signum, -T exit in parse_cmdline()). */
  readonly set: (o: Options, v: string | undefined, r: CommandLine) => boolean | void;
}

/** In the order of 2.2.7's long_options[]; -g is there although this build refuses it. */
const FLAGS: readonly Flag[] = [
  { short: 'f', long: 'use-file', arg: 'required', set: (o, v) => void (o.useFile = v!) },
  { short: 'P', long: 'vrrp', arg: 'none', set: (o) => void (o.vrrpOnly = true) },
  { short: 'C', long: 'check', arg: 'none', set: (o) => void (o.checkOnly = true) },
  { short: 'B', long: 'no_bfd', arg: 'none', set: (o) => void (o.noBfd = true) },
  { long: 'all', arg: 'none', set: (o) => void (o.all = true) },
  { short: 'l', long: 'log-console', arg: 'none', set: (o) => void (o.logConsole = true) },
  { short: 'D', long: 'log-detail', arg: 'none', set: (o) => void (o.logDetail = true) },
  { short: 'S', long: 'log-facility', arg: 'required', set: (o, v, r) => setFacility(o, v!, r) },
  // Debian's 2.2.7 is built without --enable-log-file: -g is known to getopt but refused.
  { short: 'g', long: 'log-file', arg: 'optional', set: (_o, _v, r) => refuse(r, '-g requires configure option --enable-log-file') },
  { short: 'e', long: 'all-config', arg: 'none', set: (o) => void (o.allConfig = true) },
  { short: 'G', long: 'no-syslog', arg: 'none', set: (o) => void (o.noSyslog = true) },
  { short: 'u', long: 'umask', arg: 'required', set: (o, v, r) => setUmask(o, v!, r) },
  { short: 'X', long: 'release-vips', arg: 'none', set: (o) => void (o.releaseVips = true) },
  { short: 'V', long: 'dont-release-vrrp', arg: 'none', set: (o) => void (o.dontReleaseVrrp = true) },
  { short: 'I', long: 'dont-release-ipvs', arg: 'none', set: (o) => void (o.dontReleaseIpvs = true) },
  { short: 'R', long: 'dont-respawn', arg: 'none', set: (o) => void (o.dontRespawn = true) },
  { short: 'n', long: 'dont-fork', arg: 'none', set: (o) => void (o.dontFork = true) },
  { short: 'd', long: 'dump-conf', arg: 'none', set: (o) => void (o.dumpConf = true) },
  { short: 'p', long: 'pid', arg: 'required', set: (o, v) => void (o.pidFile = v!) },
  { short: 'r', long: 'vrrp_pid', arg: 'required', set: (o, v) => void (o.vrrpPidFile = v!) },
  { short: 'T', long: 'genhash', arg: 'none', set: () => true },
  { short: 'c', long: 'checkers_pid', arg: 'required', set: (o, v) => void (o.checkersPidFile = v!) },
  { short: 'a', long: 'address-monitoring', arg: 'none', set: (o) => void (o.addressMonitoring = true) },
  { short: 'b', long: 'bfd_pid', arg: 'required', set: (o, v) => void (o.bfdPidFile = v!) },
  { short: 'x', long: 'snmp', arg: 'none', set: (o) => void (o.snmp = true) },
  { short: 'A', long: 'snmp-agent-socket', arg: 'required', set: (o, v) => void (o.snmpAgentSocket = v!) },
  { short: 'm', long: 'core-dump', arg: 'none', set: (o) => void (o.coreDump = true) },
  // -M falls through to -m in Keepalived: a pattern implies a core dump (kept apart here so each warns once).
  { short: 'M', long: 'core-dump-pattern', arg: 'optional', set: (o, v) => void (o.coreDumpPattern = v ?? '') },
  { short: 's', long: 'namespace', arg: 'required', set: (o, v) => void (o.namespace = v!) },
  { short: 'i', long: 'config-id', arg: 'required', set: (o, v) => void (o.configId = v!) },
  { long: 'signum', arg: 'required', set: (o, v) => ((o.signum = v!), true) },
  // Ours, not Keepalived's: the read-only status listener (also KEEPALIVED_TS_HTTP).
  { long: 'http', arg: 'required', set: (o, v) => void (o.http = v!) },
  // Ours too: drive conntrackd on each transition (also KEEPALIVED_TS_CONNTRACKD).
  { long: 'conntrackd', arg: 'optional', set: (o, v) => void (o.conntrackd = v ?? DEFAULT_CONNTRACKD_CONFIG) },
  // Ours too: the routing table the virtual servers' addresses go to for BGP (also KEEPALIVED_TS_BGP_TABLE).
  { long: 'bgp-table', arg: 'required', set: (o, v, r) => void (parseBgpTable(v) instanceof Error ? refuse(r, `Invalid --bgp-table ${v}: a routing table number 1-252`) : (o.bgpTable = v!)) },
  // -t implies -R -n -G in Keepalived: a config test never forks, respawns or logs to syslog.
  { short: 't', long: 'config-test', arg: 'optional', set: (o, v) => void Object.assign(o, { configTest: true, dontRespawn: true, dontFork: true, noSyslog: true }, v ? { configTestLog: v } : {}) },
  { short: 'v', long: 'version', arg: 'none', set: (o) => ((o.version = true), true) },
  { short: 'h', long: 'help', arg: 'none', set: (o) => ((o.help = true), true) },
];

const OURS: ReadonlySet<string> = new Set(['http', 'conntrackd', 'bgp-table']);

/** Keepalived's own options, as [short, long] (for the help and its test); ours, like --http, are not Keepalived's. */
export const OPTION_NAMES: readonly (readonly [string | undefined, string])[] = FLAGS.filter((f) => f.short !== 'g' && !OURS.has(f.long)).map((f) => [f.short, f.long]);

function refuse(r: CommandLine, message: string): void {
  r.messages.push(message);
  r.failed = true;
}

/** syslog(3) facility codes. */
export const LOG_USER = 1 << 3;
export const LOG_DAEMON = 3 << 3;
export const LOG_LOCAL0 = 16 << 3;

/** `([0-7]|local[0-7]|user|daemon)`; a bad name is reported and ignored, not fatal, as Keepalived. */
export function parseFacility(v: string): number | undefined {
  const n = /^(?:local)?(\d+)$/.exec(v);
  if (n && Number(n[1]) <= 7) return LOG_LOCAL0 + (Number(n[1]) << 3);
  if (v === 'user') return LOG_USER;
  if (v === 'daemon') return LOG_DAEMON;
  return undefined;
}

function setFacility(o: Options, v: string, r: CommandLine): void {
  const f = parseFacility(v);
  if (f === undefined) r.messages.push(`Invalid log facility '${v}'`);
  else o.logFacility = f;
}

/**
 * set_umask(): strtoll(s, &end, 0) (decimal, 0 octal, 0x hex), nothing after the number, and
 * within 0777. A bad mask is reported and the umask left alone.
 */
export function parseUmask(v: string): number | undefined {
  if (v === '') return 0; // strtoll("") is 0 with nothing left over
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(v);
  if (!m) return undefined;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : Number(body);
  const value = m[1] === '-' ? -n : n;
  return value < 0 || value > 0o777 ? undefined : value;
}

function setUmask(o: Options, v: string, r: CommandLine): void {
  const mask = parseUmask(v);
  if (mask === undefined) r.messages.push(`Invalid --umask option ${v}`);
  else o.umask = mask;
}

/** getopt_long: an exact name, else a prefix of exactly one option; ambiguity is unknown. */
function findLong(name: string): Flag | undefined {
  const exact = FLAGS.find((f) => f.long === name);
  if (exact) return exact;
  const prefixed = FLAGS.filter((f) => f.long.startsWith(name));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const r: CommandLine = { options: defaultOptions(DEFAULT_CONFIG_FILE), messages: [], failed: false, unexpected: [] };
  const o = r.options;
  let first = true;
  const genhash = (i: number, name: string): CommandLine => {
    if (!first) r.messages.push(`Warning -- \`${name}\` not used as first option, previous options ignored`);
    r.genhash = argv.slice(i + 1);
    return r;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      r.unexpected.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = findLong(eq < 0 ? a.slice(2) : a.slice(2, eq));
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (!flag || (flag.arg === 'none' && value !== undefined)) {
        refuse(r, `Unknown option ${a}`);
      } else {
        if (flag.arg === 'required' && value === undefined && i + 1 < argv.length) value = argv[++i];
        if (flag.arg === 'required' && !value) refuse(r, `Missing parameter for option --${flag.long}`);
        else if (flag.short === 'T') return genhash(i, flag.long);
        else if (flag.set(o, value, r)) return r;
      }
      first = false;
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      r.unexpected.push(a);
      continue;
    }
    // Bundled short flags (-nlD); one that takes a value ends the word.
    for (let j = 1; j < a.length; j++) {
      const flag = FLAGS.find((f) => f.short === a[j]);
      if (!flag) {
        refuse(r, `Unknown option -${a[j]}`);
        first = false;
        continue;
      }
      let value: string | undefined;
      const attached = a.slice(j + 1);
      if (flag.arg === 'optional') value = attached === '' ? undefined : attached.replace(/^=/, '');
      else if (flag.arg === 'required') value = attached !== '' ? attached : argv[++i];
      if (flag.arg === 'required' && value === undefined) refuse(r, `Missing parameter for option -${a[j]}`);
      else if (flag.short === 'T') return genhash(i, '-T');
      else if (flag.set(o, value, r)) return r;
      first = false;
      if (flag.arg !== 'none') break;
    }
  }
  return r;
}

/** The options alone; a bad option is a UsageError carrying Keepalived's messages. */
export function parseArgs(argv: readonly string[]): Options {
  const r = parseCommandLine(argv);
  if (r.failed) throw new UsageError(r.messages.join('\n'));
  return r.options;
}

/** Keepalived's --signum names (reference/keepalived-observability.md). */
export const SIGNALS: Readonly<Record<string, number>> = {
  RELOAD: 1, DATA: 10, STATS: 12, STOP: 15, JSON: 36, STATS_CLEAR: 63,
};
