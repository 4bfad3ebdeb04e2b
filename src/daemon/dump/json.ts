/**
 * keepalived.json (signal 36, SIGRTMIN+2), as Keepalived's vrrp_json.c writes it: one line,
 * keys in its order, empty optional keys left out, `/` written `\/`, last_transition with `%f`
 * and the intervals with `%g`. json_version 1 is a bare array (2.2.7); json_version 2 (2.2.8+)
 * wraps it as {"vrrp":[...]} and adds the tracked processes.
 *
 * Two deliberate differences from Keepalived: auth_data is "********" (as from 2.4.0; 2.2.7
 * wrote the password), and a backslash is written `\\` where Keepalived's writer emits `\n`
 * (a bug that would change the string a tool reads). Other control characters become \u00XX
 * where Keepalived writes them raw, which no JSON parser accepts.
 */
import type { TrackProcess } from '../../config/model.js';
import type { DeepReadonly } from '../../config/schema.js';
import { authType } from '../../vrrp/from-config.js';
import {
  cmdStr, counters, dumpedInstances, fmtG, formatIpAddress, formatRoute, formatRule, runningCmdStr, stateNumber, vipsSet, type DumpInput,
} from './common.js';

/** Per tracked process, what the process tracker knows (json_version 2 only). */
export interface ProcessStatus {
  readonly current: number;
  readonly haveQuorum: boolean;
  readonly forkDelayRunning?: boolean;
  readonly terminateDelayRunning?: boolean;
}

/** jsonw_puts(): Keepalived's escaping, `/` included (see the note above for `\`). */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '/': out += '\\/'; break;
      default:
        out += ch < ' ' ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
    }
  }
  return `${out}"`;
}

/** C's `%f` of a wall-clock µs value, exact to the microsecond (no float rounding). */
export function fmtSecondsF(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.round(us - sec * 1e6)).padStart(6, '0')}`;
}

type Field = [string, string];
const str = (k: string, v: string): Field => [k, jsonString(v)];
const num = (k: string, v: number | boolean): Field => [k, String(typeof v === 'boolean' ? (v ? 1 : 0) : v)];
const bool = (k: string, v: boolean): Field => [k, v ? 'true' : 'false'];
const arr = (k: string, items: readonly string[]): Field[] => (items.length === 0 ? [] : [[k, `[${items.map(jsonString).join(',')}]`]]);
const obj = (fields: readonly Field[]) => `{${fields.map(([k, v]) => `${jsonString(k)}:${v}`).join(',')}}`;

function instanceObject(input: DumpInput, rt: Parameters<typeof counters>[0], st: Parameters<typeof counters>[1]): string {
  const inst = rt.inst;
  const { config } = input;
  const set = vipsSet(st);
  const script = (k: string, s: Parameters<typeof cmdStr>[0] | undefined): Field[] => (s ? [str(k, cmdStr(s))] : []);
  const scriptsByName = new Map(config.vrrp_script.map((s) => [s.name, s]));
  const auth = authType(inst);
  const data: Field[] = [
    str('iname', inst.name),
    num('dont_track_primary', inst.dont_track_primary),
    num('skip_check_adv_addr', inst.skip_check_adv_addr),
    num('strict_mode', inst.strict_mode),
    str('vmac_ifname', inst.use_vmac ? (inst.use_vmac.name ?? `${config.global_defs.vmac_prefix}.${inst.virtual_router_id}`) : ''),
    str('ifp_ifname', rt.ifname),
    num('master_priority', st.state === 'BACKUP' ? (st.masterPriority ?? 0) : 0),
    ['last_transition', fmtSecondsF(input.lastTransitionUs.get(inst.name) ?? input.nowWallUs)],
    ['garp_delay', fmtG(inst.garp_master_delay)],
    num('garp_refresh', Math.floor(inst.garp_master_refresh)),
    num('garp_rep', inst.garp_master_repeat),
    num('garp_refresh_rep', inst.garp_master_refresh_repeat),
    num('garp_lower_prio_delay', Math.floor(inst.garp_lower_prio_delay)),
    num('garp_lower_prio_rep', inst.garp_lower_prio_repeat),
    num('lower_prio_no_advert', inst.lower_prio_no_advert),
    num('higher_prio_send_advert', inst.higher_prio_send_advert),
    num('vrid', inst.virtual_router_id),
    num('base_priority', inst.priority),
    num('effective_priority', st.effectivePriority),
    bool('vipset', set),
    bool('promote_secondaries', inst.promote_secondaries),
    ['adver_int', fmtG(inst.advert_int)],
    ['master_adver_int', fmtG(st.masterAdverIntervalUs / 1e6)],
    num('accept', inst.accept),
    bool('nopreempt', inst.nopreempt),
    num('preempt_delay', Math.floor(inst.preempt_delay)),
    num('state', stateNumber(st.state)),
    num('wantstate', stateNumber(st.wantState)),
    num('version', inst.version),
    bool('smtp_alert', inst.smtp_alert),
    bool('notify_deleted', inst.notify_deleted),
    ...script('script_backup', inst.notify_backup),
    ...script('script_master', inst.notify_master),
    ...script('script_fault', inst.notify_fault),
    ...script('script_stop', inst.notify_stop),
    ...script('script_deleted', inst.notify_deleted_script),
    ...script('script', inst.notify),
    ...script('script_master_rx_lower_pri', inst.notify_master_rx_lower_pri),
    ...arr('vips', inst.virtual_ipaddress.map((a) => formatIpAddress(a, a.dev ?? rt.ifname, set))),
    ...arr('evips', inst.virtual_ipaddress_excluded.map((a) => formatIpAddress(a, a.dev ?? rt.ifname, set))),
    ...arr('vroutes', inst.virtual_routes.map((r) => formatRoute(r, rt.ifname))),
    ...arr('vrules', inst.virtual_rules.map(formatRule)),
    ...arr('track_ifp', inst.track_interface.map((t) => t.name)),
    ...arr('track_script', inst.track_script.flatMap((t) => {
      const s = scriptsByName.get(t.name);
      return s ? [runningCmdStr(s.script, input.scripts?.get(t.name))] : [];
    })),
    ...arr('track_process', inst.track_process.map((t) => t.name)),
    num('auth_type', auth),
    ...(auth !== 0 ? [str('auth_data', '********')] : []),
  ];
  const c = counters(rt, st, input.baseline);
  const stats = Object.entries(c).map(([k, v]) => num(k, v));
  return obj([['data', obj(data)], ['stats', obj(stats)]]);
}

function processObject(p: DeepReadonly<TrackProcess>, s: ProcessStatus | undefined): string {
  return obj([
    str('process', p.process),
    ...(p.param ? [str('parameters', p.param.join(' '))] : []),
    str('param_match', p.param_match),
    num('min_processes', p.quorum),
    ...(p.quorum_max !== undefined ? [num('max_processes', p.quorum_max)] : []),
    num('current_processes', s?.current ?? 0),
    bool('have_quorum', s?.haveQuorum ?? false),
    num('weight', p.reverse ? -p.weight : p.weight),
    ['terminate_delay', fmtG(p.terminate_delay)],
    ['fork_delay', fmtG(p.fork_delay)],
    bool('fork_delay_timer_running', s?.forkDelayRunning ?? false),
    bool('terminate_delay_timer_running', s?.terminateDelayRunning ?? false),
    bool('full_command', p.full_command),
  ]);
}

/**
 * The file's text, or undefined when there is no instance: Keepalived then leaves the file
 * alone. One line, ended by a newline as Keepalived's writer does when it closes.
 */
export function formatJson(input: DumpInput, processes?: ReadonlyMap<string, ProcessStatus>): string | undefined {
  const list = dumpedInstances(input);
  if (list.length === 0) return undefined;
  const array = `[${list.map(({ rt, st }) => instanceObject(input, rt, st)).join(',')}]`;
  if (input.config.global_defs.json_version !== 2) return `${array}\n`;
  const tp = input.config.vrrp_track_process;
  const fields: Field[] = [['vrrp', array]];
  if (tp.length > 0) fields.push(['track_process', `[${tp.map((p) => processObject(p, processes?.get(p.name))).join(',')}]`]);
  return `${obj(fields)}\n`;
}
