/**
 * What the three VRRP dumps share: their input (the configuration, the engine's state, the
 * driver's runtimes, a few wall-clock facts the engine does not keep), Keepalived's way of
 * printing a command line, an address and a timestamp, and the per-instance counters.
 *
 * Everything here is pure: the dumps are formatted from a snapshot and written elsewhere
 * (writer.ts), so a dump can be tested byte for byte without a daemon.
 */
import type { IpAddress, KeepalivedConfig, Route, Rule, Script, VrrpInstance } from '../../config/model.js';
import type { DeepReadonly } from '../../config/schema.js';
import type { RouterState } from '../../vrrp/router.js';
import type { InstanceState, VrrpState } from '../../vrrp/types.js';
import type { Runtime } from '../vrrp/runtime.js';

/** A tracked script's run state as Keepalived names it (keepalived.data "State = ..."). */
export type ScriptRunState = 'idle' | 'running' | 'requested termination' | 'forcing termination';

export interface ScriptStatus {
  /** Keepalived's `result` (0 .. rise+fall-1); GOOD when result >= rise. */
  readonly result: number;
  readonly state: ScriptRunState;
  /** The command as run: args[0] resolved as Keepalived resolves it (/bin/true -> /usr/bin/true). */
  readonly args?: readonly string[];
}

/** A script's command line as the dumps show it: resolved once the runner has it. */
export function runningCmdStr(script: DeepReadonly<Script>, status: ScriptStatus | undefined): string {
  return cmdStr(status?.args ? { ...script, args: [...status.args] } : script);
}

export interface DumpInput {
  readonly config: KeepalivedConfig;
  /** The driver's runtimes: the instances it runs, in configuration order. */
  readonly runtimes: ReadonlyMap<string, Runtime>;
  readonly router: RouterState;
  /** Wall-clock µs of each instance's last transition (TransitionClock.snapshot()). */
  readonly lastTransitionUs: ReadonlyMap<string, number>;
  /** The same instant on both clocks, to show the engine's monotonic deadlines as dates. */
  readonly nowWallUs: number;
  readonly nowMonoUs: number;
  /** From the script runners; a script not listed is shown as not yet run (result 0, idle). */
  readonly scripts?: ReadonlyMap<string, ScriptStatus>;
  /** Counters as of the last STATS_CLEAR (stats.ts statsBaseline()). */
  readonly baseline?: StatsBaseline;
  /** `umask` line of the global section; Keepalived prints its own (0177 by default). */
  readonly umask?: number;
}

/**
 * Keepalived stamps last_transition with the wall clock; the engine only has monotonic time.
 * The VRRP child records here on every `transition` action; instances never transitioned show
 * the start time, as Keepalived's alloc_vrrp() does.
 */
export class TransitionClock {
  private readonly at = new Map<string, number>();
  private readonly startedUs: number;

  constructor(private readonly wallUs: () => number = () => Date.now() * 1000) {
    this.startedUs = wallUs();
  }

  record(instance: string): void {
    this.at.set(instance, this.wallUs());
  }

  snapshot(names: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    for (const n of names) out.set(n, this.at.get(n) ?? this.startedUs);
    return out;
  }
}

/** Wall-clock µs now, by the same convention as TransitionClock. */
export function wallNowUs(): number {
  return Date.now() * 1000;
}

/** Keepalived's state numbers (vrrp.h), used by the JSON dump and the exporter. */
export function stateNumber(s: VrrpState): number {
  return { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 }[s];
}

/** get_state_str(): STOP (and DELETED) print as "unknown" in Keepalived 2.2.7. */
export function stateName(s: VrrpState): string {
  return s === 'STOP' ? 'unknown' : s;
}

/** cmd_str(): every word single-quoted, a `'` inside written `'\''`; a leading redirection as is. */
export function cmdStr(script: DeepReadonly<Script>): string {
  return script.args
    .map((a, i) => (i === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a.replaceAll("'", "'\\''")}'`))
    .join(' ');
}

/** C's `%g` (six significant digits, trailing zeros dropped) for the values Keepalived prints. */
export function fmtG(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

const SCOPES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

export function scopeName(scope: number): string {
  return SCOPES[scope] ?? String(scope);
}

/** A full-length prefix prints without its length, as Keepalived's ipaddresstos() does. */
function addrLen(address: string, prefixlen: number, family: 'inet' | 'inet6'): string {
  return prefixlen === (family === 'inet' ? 32 : 128) ? address : `${address}/${prefixlen}`;
}

/** format_ipaddress(): the text of a VIP in keepalived.data and keepalived.json. */
export function formatIpAddress(a: DeepReadonly<IpAddress>, dev: string, set: boolean): string {
  let s = addrLen(a.address, a.prefixlen, a.family);
  if (a.family === 'inet' && a.broadcast !== undefined) s += ` brd ${a.broadcast}`;
  s += ` dev ${dev}`;
  if (a.use_vmac) s += ' use_vmac';
  s += ` scope ${scopeName(a.scope)}`;
  if (a.label !== undefined) s += ` label ${a.label}`;
  if (a.peer !== undefined) s += ` peer ${a.peer}/${a.prefixlen}`;
  if (a.home) s += ' home';
  if (a.nodad) s += ' -nodad';
  if (a.mngtmpaddr) s += ' mngtmpaddr';
  if (a.noprefixroute) s += ' noprefixroute';
  if (a.autojoin) s += ' autojoin';
  if (a.no_track) s += ' no_track';
  if (a.track_group !== undefined) s += ` track_group ${a.track_group}`;
  if (a.family === 'inet6') {
    if (a.preferred_lft === 0) s += ' deprecated';
    else s += ` preferred_lft ${a.preferred_lft}`;
  }
  if (set) s += ' set';
  return s;
}

/**
 * A virtual route, in the words `ip route` takes. Keepalived's format_iproute() prints many more
 * options; the common ones are enough to tell routes apart (not byte-checked against Keepalived).
 */
export function formatRoute(r: DeepReadonly<Route>, dev: string | undefined): string {
  let s = r.type === 'unicast' ? '' : `${r.type} `;
  s += addrLen(r.to.address, r.to.prefixlen, r.to.family);
  if (r.from) s += ` from ${addrLen(r.from.address, r.from.prefixlen, r.from.family)}`;
  if (r.via !== undefined) s += ` via ${r.via}`;
  const d = r.dev ?? dev;
  if (d !== undefined) s += ` dev ${d}`;
  if (r.src !== undefined) s += ` src ${r.src}`;
  if (r.table !== 254) s += ` table ${r.table}`;
  if (r.metric !== undefined) s += ` metric ${r.metric}`;
  if (r.scope !== 0) s += ` scope ${scopeName(r.scope)}`;
  if (r.onlink) s += ' onlink';
  return s;
}

/** A virtual rule, in the words `ip rule` takes (the common options; see formatRoute). */
export function formatRule(r: DeepReadonly<Rule>): string {
  let s = r.not ? 'not ' : '';
  s += `from ${r.from ? addrLen(r.from.address, r.from.prefixlen, r.from.family) : 'all'}`;
  if (r.to) s += ` to ${addrLen(r.to.address, r.to.prefixlen, r.to.family)}`;
  if (r.fwmark !== undefined) s += ` fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ''}`;
  if (r.iif !== undefined) s += ` iif ${r.iif}`;
  if (r.oif !== undefined) s += ` oif ${r.oif}`;
  s += ` preference ${r.preference}`;
  if (r.table !== undefined) s += ` lookup ${r.table}`;
  else if (r.goto !== undefined) s += ` goto ${r.goto}`;
  return s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w: number, c = '0') => String(n).padStart(w, c);

/** `1795547935.514964 (Tue Nov 24 19:18:55.514964 2026)`: Keepalived's ctime_us_r(), local time. */
export function timeWithDate(wallUs: number): string {
  const sec = Math.floor(wallUs / 1e6);
  const us = pad(Math.round(wallUs - sec * 1e6), 6);
  const d = new Date(sec * 1000);
  const date = `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad(d.getDate(), 2, ' ')} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${us} ${d.getFullYear()}`;
  return `${sec}.${us} (${date})`;
}

/**
 * The master down interval Keepalived shows (VRRP_MS_DOWN_TIMER in vrrp.h): adverts times the
 * master's interval plus the skew, v3's skew computed in centiseconds as RFC 5798 6.1 does.
 */
export function masterDownTimerUs(inst: DeepReadonly<VrrpInstance>, st: InstanceState): number {
  const pri = 256 - st.effectivePriority;
  const adv = st.masterAdverIntervalUs;
  const skew = inst.version === 3 ? Math.floor((pri * Math.floor(adv / 10_000) * 625) / 16) : Math.floor((pri * 1_000_000) / 256);
  return inst.down_timer_adverts * adv + skew;
}

/** Keepalived's vrrp_stats, in the order of the JSON dump. */
export interface VrrpCounters {
  advert_rcvd: number;
  advert_sent: number;
  become_master: number;
  release_master: number;
  packet_len_err: number;
  advert_interval_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  pri_zero_rcvd: number;
  pri_zero_sent: number;
}

/** Raw counter values at the last STATS_CLEAR, per instance: what reads subtract. */
export type StatsBaseline = ReadonlyMap<string, VrrpCounters>;

/** The counters as they stand, before any STATS_CLEAR baseline is taken off. */
export function rawCounters(rt: Runtime, st: InstanceState): VrrpCounters {
  const p = st.stats;
  const e = rt.errors;
  return {
    advert_rcvd: p.advert_rcvd, advert_sent: p.advert_sent, become_master: p.become_master, release_master: p.release_master,
    packet_len_err: e.packet_len_err, advert_interval_err: e.advert_interval_err, ip_ttl_err: e.ip_ttl_err,
    invalid_type_rcvd: e.invalid_type_rcvd, addr_list_err: e.addr_list_err, invalid_authtype: e.invalid_authtype,
    authtype_mismatch: e.authtype_mismatch, auth_failure: e.auth_failure, pri_zero_rcvd: p.pri_zero_rcvd, pri_zero_sent: p.pri_zero_sent,
  };
}

/** What the dumps show: the counters since the last STATS_CLEAR. */
export function counters(rt: Runtime, st: InstanceState, baseline?: StatsBaseline): VrrpCounters {
  const raw = rawCounters(rt, st);
  const base = baseline?.get(rt.inst.name);
  if (!base) return raw;
  const out = { ...raw };
  for (const k of Object.keys(out) as (keyof VrrpCounters)[]) out[k] = Math.max(0, raw[k] - base[k]);
  return out;
}

/** The instances a dump lists: those the driver runs and the engine knows, in config order. */
export function dumpedInstances(input: DumpInput): { rt: Runtime; st: InstanceState }[] {
  const out: { rt: Runtime; st: InstanceState }[] = [];
  for (const rt of input.runtimes.values()) {
    const st = input.router.instances.get(rt.inst.name);
    if (st) out.push({ rt, st });
  }
  return out;
}

/** Keepalived's vipset: addresses are installed while the instance is master. */
export function vipsSet(st: InstanceState): boolean {
  return st.state === 'MASTER';
}
