/**
 * real_server blocks of a virtual_server (keepalived.conf(5) "Virtual server(s)"; Keepalived
 * check_parser.c rs_* handlers, alloc_rs() in check_data.c).
 *
 * Values a real server does not set come from its virtual server (lvs-finish.ts), as
 * validate_check_config() does.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { exactList, readScript, type Family, type Script } from '../values.js';
import { checkerKinds, type Checker, type CheckerType } from './checkers/index.js';
import type { Unresolved } from './checkers/common.js';
import { INT_MAX, parseServerAddress, readFlag, readForwarding, TIMER_MAX, UINT_MAX, US, type Forwarding, type LvsMethod, type Tunnel } from './lvs-values.js';

export interface RealServer {
  pos: SourcePos;
  ip: string;
  /** As written, then as Keepalived corrects it: the virtual server's port where they must agree. */
  port: number;
  family: Family;
  /** Resolved: real_server, else the virtual server's `weight` (default 1). */
  weight: number;
  /** Resolved: real_server, else virtual server (default NAT). */
  lvs_method: LvsMethod;
  tunnel?: Tunnel;
  inhibit_on_failure: boolean;
  alpha: boolean;
  /** real_server, else virtual_server; absent: each checker uses its own default. */
  retry?: number;
  delay_before_retry?: number;
  warmup?: number;
  /** Resolved: real_server, else virtual_server (default 5 s). */
  connect_timeout: number;
  /** Resolved: real_server, else virtual_server (default 60 s). */
  delay_loop: number;
  uthreshold?: number;
  lthreshold?: number;
  notify_up?: Script;
  notify_down?: Script;
  /** Resolved: real_server, else global smtp_alert_checker / smtp_alert, else true. */
  smtp_alert: boolean;
  /** Resolved: real_server, else virtual_server. */
  virtualhost?: string;
  snmp_name?: string;
  checkers: Checker[];
}

export type RealServerDraft = Unresolved<RealServer> & Pick<RealServer, 'pos' | 'ip' | 'port' | 'family' | 'checkers'>;

function checkerKeyword(type: CheckerType) {
  return {
    block: 'required' as const,
    run: (rs: RealServerDraft, n: ConfNode, cx: Cx) => {
      const c = checkerKinds[type].read(n, cx);
      if (Array.isArray(c)) for (let i = 0; i < c.length; i++) rs.checkers.push(c[i]!);
      else if (c) rs.checkers.push(c);
    },
  };
}

const checkerTable = Object.fromEntries(
  (Object.keys(checkerKinds) as CheckerType[]).map((t) => [t, checkerKeyword(t)]),
) as KeywordTable<RealServerDraft>;

export const realServerTable: KeywordTable<RealServerDraft> = {
  weight: (rs, n, cx) => {
    const v = cx.int(n, 0, INT_MAX);
    if (v !== undefined) rs.weight = v;
  },
  lvs_method: (rs, n, cx) => {
    const prev: Forwarding | undefined = rs.lvs_method ? { lvs_method: rs.lvs_method, ...(rs.tunnel ? { tunnel: rs.tunnel } : {}) } : undefined;
    const f = readForwarding(cx, n, 'real', prev);
    if (!f) return;
    rs.lvs_method = f.lvs_method;
    if (f.tunnel) rs.tunnel = f.tunnel;
    else delete rs.tunnel;
  },
  uthreshold: (rs, n, cx) => {
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) rs.uthreshold = v;
  },
  lthreshold: (rs, n, cx) => {
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) rs.lthreshold = v;
  },
  inhibit_on_failure: (rs, n, cx) => {
    const v = readFlag(cx, n, 'inhibit_on_failure');
    if (v !== undefined) rs.inhibit_on_failure = v;
  },
  notify_up: (rs, n, cx) => {
    if (rs.notify_up) return cx.error(n, `notify_up script already specified - ignoring ${n.args[0] ?? ''}`);
    const s = readScript(cx, n);
    if (s) rs.notify_up = s;
  },
  notify_down: (rs, n, cx) => {
    if (rs.notify_down) return cx.error(n, `notify_down script already specified - ignoring ${n.args[0] ?? ''}`);
    const s = readScript(cx, n);
    if (s) rs.notify_down = s;
  },
  alpha: (rs, n, cx) => {
    const v = readFlag(cx, n, 'alpha');
    if (v !== undefined) rs.alpha = v;
  },
  retry: (rs, n, cx) => {
    const v = cx.int(n, 1, UINT_MAX);
    if (v !== undefined) rs.retry = v;
  },
  delay_before_retry: (rs, n, cx) => {
    const v = cx.seconds(n, 0, TIMER_MAX);
    if (v !== undefined) rs.delay_before_retry = v;
  },
  warmup: (rs, n, cx) => {
    const v = cx.seconds(n, 0, TIMER_MAX);
    if (v !== undefined) rs.warmup = v;
  },
  connect_timeout: (rs, n, cx) => {
    const v = cx.seconds(n, US, UINT_MAX * US);
    if (v !== undefined) rs.connect_timeout = v;
  },
  delay_loop: (rs, n, cx) => {
    const v = cx.seconds(n, US, TIMER_MAX);
    if (v !== undefined) rs.delay_loop = v;
  },
  smtp_alert: (rs, n, cx) => {
    const v = readFlag(cx, n, 'real_server smtp_alert');
    if (v !== undefined) rs.smtp_alert = v;
  },
  virtualhost: (rs, n, cx) => {
    if (n.args[0] === undefined) return cx.error(n, 'real server virtualhost missing');
    rs.virtualhost = n.args[0];
  },
  snmp_name: (rs, n, cx) => {
    if (n.args.length !== 1) return cx.error(n, 'real server snmp_name missing or extra parameters');
    rs.snmp_name = n.args[0];
  },
  ...checkerTable,
};

/**
 * `real_server IP [PORT] { ... }`. The forwarding method starts as the virtual server's at this
 * point (alloc_rs()); one set later on the virtual server reaches it in lvs-finish.ts.
 */
export function readRealServer(node: ConfNode, cx: Cx, vsForwarding: Forwarding | undefined): RealServerDraft | undefined {
  const ipRaw = cx.str(node);
  if (ipRaw === undefined) return undefined;
  const addr = parseServerAddress(ipRaw, node.args[1]);
  if (!addr) {
    cx.error(node, `Invalid real server ip address/port ${ipRaw}/${node.args[1] ?? ''} - skipping`);
    return undefined;
  }
  cx.noExtra(node, 2);
  // Named, not spread: see newVirtualServer() (lvs.ts). The fields lvs-finish.ts always resolves
  // are here from the start, unset: an object literal has room for exactly its own fields, and each
  // one added later went to a separate, growing property store.
  const rs: RealServerDraft = {
    pos: node.pos,
    ip: addr.ip,
    port: addr.port,
    family: addr.family,
    checkers: [],
    weight: undefined,
    lvs_method: undefined,
    inhibit_on_failure: undefined,
    alpha: undefined,
    connect_timeout: undefined,
    delay_loop: undefined,
    smtp_alert: undefined,
  };
  if (vsForwarding) {
    rs.lvs_method = vsForwarding.lvs_method;
    if (vsForwarding.tunnel) rs.tunnel = { ...vsForwarding.tunnel };
  }
  cx.apply(rs, node.block, realServerTable);
  rs.checkers = exactList(rs.checkers);
  return rs;
}
