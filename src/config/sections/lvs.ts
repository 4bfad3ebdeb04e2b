/**
 * virtual_server and its sorry_server (keepalived.conf(5) "LVS CONFIGURATION"; Keepalived
 * check_parser.c, alloc_vs()/alloc_ssvr() in check_data.c). virtual_server_group is in
 * lvs-group.ts, real_server in real-server.ts, the checkers in checkers/, and what is settled only
 * once everything is read (inheritance, defaults, cross-checks) in lvs-finish.ts.
 *
 * The model, after loading (every object keeps `pos`; times are seconds):
 *
 *   virtual_server: [{
 *     ip, port, family            // `virtual_server IP [PORT]`   (port 0: none given)
 *     | fwmark, family?           // `virtual_server fwmark N`
 *     | group, family?            // `virtual_server group NAME`
 *     protocol?: 'TCP'|'UDP'|'SCTP'   // absent for fwmark services; UDP when an address service sets none
 *     lvs_sched                   // lb_algo / lvs_sched, default 'wlc'
 *     lvs_method, tunnel?         // lb_kind / lvs_method, default 'NAT'; tunnel when TUN
 *     ops, 'flag-1'.., 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback': boolean
 *     persistence_timeout?, persistence_granularity?, persistence_engine?
 *     quorum (1), hysteresis (0), quorum_up?, quorum_down?, alpha, omega, ha_suspend,
 *     inhibit_on_failure, weight (1), smtp_alert, virtualhost?, snmp_name?, ip_family?
 *     connect_timeout (5), delay_loop (60), retry?, delay_before_retry?, warmup?
 *     sorry_server?: { ip, port, family, lvs_method, tunnel?, inhibit_on_failure }
 *     real_server: [{ ip, port, family, weight, lvs_method, tunnel?, inhibit_on_failure, alpha,
 *                     connect_timeout, delay_loop, retry?, delay_before_retry?, warmup?, smtp_alert,
 *                     virtualhost?, uthreshold?, lthreshold?, notify_up?, notify_down?,
 *                     checkers: [{ checker: 'TCP_CHECK'|'HTTP_GET'|..., ...resolved timing and
 *                                  connection (connect_ip/connect_port default to the real server) }] }]
 *   }]
 *
 * Inheritance (validate_check_config()): virtual_server -> real_server -> checker; virtualhost
 * continues to each HTTP url. A checker's retry / delay_before_retry fall back to its type's
 * default (checkers/index.ts) when neither server sets them.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { exactList, ipFamily, readScript, type Family, type Script } from '../values.js';
import { formatVs } from './lvs-format.js';
import { INT_MAX, parseServerAddress, readFlag, readForwarding, TIMER_MAX, UINT_MAX, US, type Forwarding, type LvsMethod, type Tunnel } from './lvs-values.js';
import { readRealServer, type RealServer, type RealServerDraft } from './real-server.js';

export { readVirtualServerGroup, type VirtualServerGroup, type VsgAddressRange, type VsgFwmark } from './lvs-group.js';
export type { RealServer } from './real-server.js';
export type { Checker, CheckerType } from './checkers/index.js';

/** Keepalived's lvs_schedulers[]. */
export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
/** IPVS_SVC_PERSISTENT_TIMEOUT: persistence_timeout without a value, or forced by a zero port. */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
/** LVS_MAX_TIMEOUT (31 days). */
const MAX_PERSISTENCE_TIMEOUT = 2678400;

export interface SorryServer {
  pos: SourcePos;
  ip: string;
  port: number;
  family: Family;
  /** Resolved: sorry_server_lvs_method, else the virtual server's. */
  lvs_method: LvsMethod;
  tunnel?: Tunnel;
  /** sorry_server_inhibit (forced to the real server's setting when it is also a real server). */
  inhibit_on_failure: boolean;
}

type SchedulerFlag = 'flag-1' | 'flag-2' | 'flag-3' | 'sh-port' | 'sh-fallback' | 'mh-port' | 'mh-fallback';

export interface VirtualServer extends Record<SchedulerFlag, boolean> {
  pos: SourcePos;
  ip?: string;
  port?: number;
  fwmark?: number;
  group?: string;
  /** Resolved address family; may stay absent for a group or fwmark whose servers are all tunnelled. */
  family?: Family;
  ip_family?: Family;
  protocol?: Protocol;
  lvs_sched: LvsScheduler;
  lvs_method: LvsMethod;
  tunnel?: Tunnel;
  ops: boolean;
  persistence_timeout?: number;
  /** IPv4: a netmask (dotted quad); IPv6: a prefix length. */
  persistence_granularity?: string | number;
  persistence_engine?: string;
  ha_suspend: boolean;
  smtp_alert: boolean;
  virtualhost?: string;
  snmp_name?: string;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorum_up?: Script;
  quorum_down?: Script;
  /** Default weight of its real servers. */
  weight: number;
  inhibit_on_failure: boolean;
  connect_timeout: number;
  delay_loop: number;
  retry?: number;
  delay_before_retry?: number;
  warmup?: number;
  sorry_server?: SorryServer;
  real_server: RealServer[];
}

/** While reading: lvs_sched, lvs_method and smtp_alert may be unset until lvs-finish.ts. */
export type VirtualServerDraft = Omit<VirtualServer, 'lvs_sched' | 'lvs_method' | 'smtp_alert' | 'real_server' | 'sorry_server'> & {
  lvs_sched?: LvsScheduler;
  lvs_method?: LvsMethod;
  smtp_alert?: boolean;
  real_server: RealServerDraft[];
  sorry_server?: Omit<SorryServer, 'lvs_method'> & { lvs_method?: LvsMethod };
};

type MarkedKeyword = 'protocol' | 'ops' | 'ha_suspend' | 'quorum' | 'hysteresis';

/**
 * Lines of keywords that lvs-finish.ts may report about. Kept beside the object, not in it: a
 * property deleted once read would turn every virtual server into a slow dictionary-mode object.
 */
const markedLines = new WeakMap<VirtualServerDraft, Partial<Record<MarkedKeyword, SourcePos>>>();

/** Notes where a keyword was, for a report made once the whole file is read. */
function mark(vs: VirtualServerDraft, n: ConfNode): void {
  let lines = markedLines.get(vs);
  if (!lines) markedLines.set(vs, (lines = {}));
  lines[n.keyword as MarkedKeyword] = n.pos;
}

/** Where the keywords lvs-finish.ts reports about were, as mark() noted them. */
export function markedPositions(vs: VirtualServerDraft): Partial<Record<MarkedKeyword, SourcePos>> {
  return markedLines.get(vs) ?? {};
}

function forwardingOf(x: { lvs_method?: LvsMethod; tunnel?: Tunnel }): Forwarding | undefined {
  return x.lvs_method ? { lvs_method: x.lvs_method, ...(x.tunnel ? { tunnel: x.tunnel } : {}) } : undefined;
}

function setForwarding(x: { lvs_method?: LvsMethod; tunnel?: Tunnel }, f: Forwarding): void {
  x.lvs_method = f.lvs_method;
  if (f.tunnel) x.tunnel = f.tunnel;
  else delete x.tunnel;
}

function schedulerFlag(vs: VirtualServerDraft, n: ConfNode, cx: Cx): void {
  const k = n.keyword;
  if (k === 'ops') {
    vs.ops = true;
    mark(vs, n);
  }
  else if (k === 'flag-1' || k === 'flag-2' || k === 'flag-3') vs[k] = true;
  // sh-* and mh-* share the scheduler flag bits: they count only after their scheduler.
  else if (vs.lvs_sched === 'sh') {
    if (k === 'sh-port' || k === 'sh-fallback') vs[k] = true;
  } else if (vs.lvs_sched === 'mh') {
    if (k === 'mh-port' || k === 'mh-fallback') vs[k] = true;
  } else cx.error(n, `${k} only applies to sh scheduler - ignoring`);
}

const seconds = (key: 'delay_before_retry' | 'warmup' | 'delay_loop' | 'connect_timeout', min: number, max: number) => (vs: VirtualServerDraft, n: ConfNode, cx: Cx) => {
  const v = cx.seconds(n, min, max);
  if (v !== undefined) vs[key] = v;
};

const flagKeywords = ['hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

export const virtualServerTable: KeywordTable<VirtualServerDraft> = {
  ip_family: (vs, n, cx) => {
    const f = cx.str(n);
    if (f === undefined) return;
    if (f !== 'inet' && f !== 'inet6') return cx.error(n, `unknown address family ${f}`);
    if (vs.family && vs.family !== f) return cx.error(n, `Virtual server specified family ${f} conflicts with server family`);
    vs.family = f;
    vs.ip_family = f;
  },
  retry: (vs, n, cx) => {
    const v = cx.int(n, 1, UINT_MAX);
    if (v !== undefined) vs.retry = v;
  },
  delay_before_retry: seconds('delay_before_retry', 0, TIMER_MAX),
  warmup: seconds('warmup', 0, TIMER_MAX),
  connect_timeout: seconds('connect_timeout', US, UINT_MAX * US),
  delay_loop: seconds('delay_loop', US, TIMER_MAX),
  inhibit_on_failure: (vs) => {
    vs.inhibit_on_failure = true;
  },
  lb_algo: (vs, n, cx) => readScheduler(vs, n, cx),
  lvs_sched: (vs, n, cx) => readScheduler(vs, n, cx),
  ...Object.fromEntries(flagKeywords.map((k) => [k, schedulerFlag])),
  lb_kind: (vs, n, cx) => readVsForwarding(vs, n, cx),
  lvs_method: (vs, n, cx) => readVsForwarding(vs, n, cx),
  persistence_engine: (vs, n, cx) => {
    const v = cx.str(n);
    if (v === undefined) return;
    // IP_VS_PENAME_MAXLEN - 1
    if (v.length > 15) cx.warn(n, `persistence_name too long, truncating - ${v}`);
    vs.persistence_engine = v.slice(0, 15);
  },
  persistence_timeout: (vs, n, cx) => {
    if (n.args.length === 0) {
      vs.persistence_timeout = DEFAULT_PERSISTENCE_TIMEOUT;
      return;
    }
    const v = cx.int(n, 1, MAX_PERSISTENCE_TIMEOUT);
    if (v !== undefined) vs.persistence_timeout = v;
  },
  persistence_granularity: (vs, n, cx) => {
    const raw = cx.str(n);
    if (raw === undefined) return;
    const af = vs.family ?? (raw.includes('.') ? 'inet' : 'inet6');
    if (af === 'inet6') {
      const v = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(v >= 1 && v <= 128)) return cx.error(n, `Invalid IPv6 persistence_granularity specified - ${raw}`);
      vs.persistence_granularity = v;
    } else {
      if (ipFamily(raw) !== 'inet') return cx.error(n, `Invalid IPv4 persistence_granularity specified - ${raw}`);
      vs.persistence_granularity = raw;
    }
    vs.family ??= af;
    vs.persistence_timeout ??= DEFAULT_PERSISTENCE_TIMEOUT;
  },
  protocol: (vs, n, cx) => {
    const p = cx.str(n);
    if (p === undefined) return;
    const up = p.toUpperCase();
    if (up !== 'TCP' && up !== 'UDP' && up !== 'SCTP') return cx.error(n, `Unknown protocol ${p} - ignoring`);
    vs.protocol = up;
    mark(vs, n);
  },
  ha_suspend: (vs, n, cx) => {
    vs.ha_suspend = true;
    mark(vs, n);
    cx.note(n, 'ha_suspend is read but not acted on here: the checkers run whatever the VRRP state');
  },
  smtp_alert: (vs, n, cx) => {
    const v = readFlag(cx, n, 'virtual_server smtp_alert');
    if (v !== undefined) vs.smtp_alert = v;
  },
  virtualhost: (vs, n, cx) => {
    if (n.args[0] === undefined) return cx.error(n, 'virtual server virtualhost missing');
    vs.virtualhost = n.args[0];
  },
  snmp_name: (vs, n, cx) => {
    if (n.args.length !== 1) return cx.error(n, 'virtual server snmp_name missing or extra parameters');
    vs.snmp_name = n.args[0];
  },
  alpha: (vs) => {
    vs.alpha = true;
  },
  omega: (vs) => {
    vs.omega = true;
  },
  quorum_up: (vs, n, cx) => {
    if (vs.quorum_up) return cx.error(n, `quorum_up script already specified - ignoring ${n.args[0] ?? ''}`);
    const s = readScript(cx, n);
    if (s) vs.quorum_up = s;
  },
  quorum_down: (vs, n, cx) => {
    if (vs.quorum_down) return cx.error(n, `quorum_down script already specified - ignoring ${n.args[0] ?? ''}`);
    const s = readScript(cx, n);
    if (s) vs.quorum_down = s;
  },
  quorum: (vs, n, cx) => {
    // Keepalived falls back to 1 when the value is bad.
    vs.quorum = cx.int(n, 1, UINT_MAX) ?? 1;
    mark(vs, n);
  },
  hysteresis: (vs, n, cx) => {
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) vs.hysteresis = v;
    mark(vs, n);
  },
  weight: (vs, n, cx) => {
    const v = cx.int(n, 1, INT_MAX);
    if (v !== undefined) vs.weight = v;
  },
  sorry_server: (vs, n, cx) => {
    const ipRaw = cx.str(n);
    if (ipRaw === undefined) return;
    const addr = parseServerAddress(ipRaw, n.args[1]);
    if (!addr) return cx.error(n, `Invalid sorry server IP address ${ipRaw} - skipping`);
    vs.sorry_server = { pos: n.pos, ...addr, inhibit_on_failure: false, ...forwardingOf(vs) };
  },
  sorry_server_inhibit: (vs, n, cx) => {
    if (!vs.sorry_server) return cx.error(n, 'Ignoring sorry_server inhibit used before or without sorry_server');
    vs.sorry_server.inhibit_on_failure = true;
  },
  sorry_server_lvs_method: (vs, n, cx) => {
    if (!vs.sorry_server) return cx.error(n, 'sorry_server forwarding used without sorry_server');
    const f = readForwarding(cx, n, 'sorry', forwardingOf(vs.sorry_server));
    if (f) setForwarding(vs.sorry_server, f);
  },
  real_server: {
    block: 'required',
    run: (vs, n, cx) => {
      const rs = readRealServer(n, cx, forwardingOf(vs));
      if (!rs) return;
      // rs_end_handler(): tunnelled servers may differ in family; the others set or must match it.
      if (rs.lvs_method !== 'TUN') {
        if (!vs.family) vs.family = rs.family;
        else if (vs.family !== rs.family) {
          return cx.error(n.end ?? n, `Address family of virtual server and real server ${rs.ip} don't match - skipping real server.`);
        }
      }
      vs.real_server.push(rs);
    },
  },
};

function readScheduler(vs: VirtualServerDraft, n: ConfNode, cx: Cx): void {
  const s = cx.str(n);
  if (s === undefined) return;
  const found = LVS_SCHEDULERS.find((x) => x === s);
  if (!found) return cx.error(n, `Invalid lvs_scheduler '${s}' - ignoring`);
  vs.lvs_sched = found;
}

function readVsForwarding(vs: VirtualServerDraft, n: ConfNode, cx: Cx): void {
  const f = readForwarding(cx, n, 'virtual', forwardingOf(vs));
  if (f) setForwarding(vs, f);
}

/** `virtual_server IP [PORT]` | `fwmark N` | `group NAME`; undefined (block skipped) when bad. */
function newVirtualServer(node: ConfNode, cx: Cx): VirtualServerDraft | undefined {
  const first = cx.str(node);
  if (first === undefined) return undefined;
  const second = node.args[1];
  // Object.assign onto this literal, not a spread: in V8 an object made by spreading one this size
  // took each later property (protocol, lvs_sched, ...) at ~4 us, where this one takes it at
  // ~0.1 us (micro-benchmark without TurboFan, as `-t` runs; ~700 bytes allocated per property,
  // which looks like a new map each time: an inference from the heap profile).
  const base = {
    pos: node.pos, ops: false, 'flag-1': false, 'flag-2': false, 'flag-3': false, 'sh-port': false, 'sh-fallback': false,
    'mh-port': false, 'mh-fallback': false, ha_suspend: false, alpha: false, omega: false, quorum: 1, hysteresis: 0,
    weight: 1, inhibit_on_failure: false, connect_timeout: 5, delay_loop: 60, real_server: [],
  };
  if (first === 'group') {
    if (second === undefined) return void cx.error(node, 'virtual_server group: missing group name');
    cx.noExtra(node, 2);
    return Object.assign(base, { group: second });
  }
  if (first === 'fwmark') {
    const v = second !== undefined && /^\d+$/.test(second) ? Number(second) : NaN;
    if (!(v >= 0 && v <= UINT_MAX)) return void cx.error(node, `virtual server fwmark '${second ?? ''}' must be in [0, ${UINT_MAX}] - ignoring`);
    cx.noExtra(node, 2);
    return Object.assign(base, { fwmark: v });
  }
  const addr = parseServerAddress(first, second);
  if (!addr) {
    const port = second !== undefined && !/^0*$/.test(second);
    return void cx.error(node, `Invalid virtual server IP address${port ? '/port' : ''} ${first}${port ? `/${second}` : ''} - skipping`);
  }
  cx.noExtra(node, 2);
  return Object.assign(base, addr);
}

export function readVirtualServer(node: ConfNode, cx: Cx): VirtualServer | undefined {
  const vs = newVirtualServer(node, cx);
  if (!vs) return undefined;
  cx.apply(vs, node.block, virtualServerTable);
  // vs_end_handler()
  if (vs.real_server.length === 0) {
    cx.error(node, `Virtual server ${formatVs(vs)} has no real servers - ignoring`);
    return undefined;
  }
  const ss = vs.sorry_server;
  if (ss && ss.lvs_method !== 'TUN') {
    if (!vs.family) vs.family = ss.family;
    else if (vs.family !== ss.family) {
      cx.error(ss.pos, `Address family of virtual server and sorry server ${ss.ip} don't match - skipping sorry server.`);
      delete vs.sorry_server;
    }
  }
  if (!vs.family && !vs.group) {
    // Only a fwmark service whose servers are all tunnelled gets here: their family if they all
    // agree, else IPv4.
    const families = new Set([...(vs.sorry_server ? [vs.sorry_server.family] : []), ...vs.real_server.map((r) => r.family)]);
    vs.family = families.size === 1 ? [...families][0]! : 'inet';
  }
  vs.real_server = exactList(vs.real_server);
  // Completed by finishLvs() (lvs-finish.ts), which every load runs.
  return vs as unknown as VirtualServer;
}
