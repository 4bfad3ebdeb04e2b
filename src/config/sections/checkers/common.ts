/**
 * What every health checker shares (Keepalived check_api.c install_checker_common_keywords()):
 * the timing keywords, and for checkers that open a connection, the connection options.
 *
 * Timing values not written in the checker are inherited later (lvs-finish.ts): checker ->
 * real_server -> virtual_server -> the checker type's default.
 */
import type { SourcePos } from '../../diagnostics.js';
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { ipFamily } from '../../values.js';
import { readFlag, TIMER_MAX, UINT_MAX, US } from '../lvs-values.js';

/** Timing, all resolved in the loaded model (seconds). */
export interface CheckerTiming {
  pos: SourcePos;
  alpha: boolean;
  retry: number;
  delay_before_retry: number;
  warmup: number;
  delay_loop: number;
  log_all_failures: boolean;
}

/** Connection options; connect_ip/connect_port default to the real server's address and port. */
export interface Connection {
  connect_ip: string;
  connect_port: number;
  bindto?: string;
  bind_port?: number;
  bind_if?: string;
  connect_timeout: number;
  /** SO_MARK for the checker's packets. */
  fwmark?: number;
}

/** Per checker type: Keepalived's default_retry and default_delay_before_retry (0: use delay_loop). */
export interface CheckerDefaults {
  readonly retry: number;
  readonly delay_before_retry: number;
}

/**
 * While reading, inherited values are absent; lvs-finish.ts fills them in. Readers build objects of
 * the final checker types through this view.
 */
export type Unresolved<T> = { -readonly [K in keyof T]?: T[K] };

/*
 * A connecting checker's first literal (TCP_CHECK, HTTP_GET, SSL_GET) names the timing and
 * connection fields lvs-finish.ts always resolves, unset: alpha, log_all_failures, retry,
 * delay_loop, warmup, delay_before_retry, connect_ip, connect_port, connect_timeout. An object
 * literal has room for exactly its own fields, and each one added later went to a separate,
 * growing property store (~86 bytes a checker). Written out in each literal, not spread from
 * here: a spread makes V8 copy (see newVirtualServer() in lvs.ts). test/config/model-fields.test.ts
 * holds finish to setting each.
 */

type TimingDraft = Unresolved<CheckerTiming>;
type ConnectionDraft = Unresolved<Connection>;

export const timingTable: KeywordTable<TimingDraft> = {
  retry: (c, n, cx) => {
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) c.retry = v;
  },
  // Keepalived 2.2.7 only knows it in HTTP_GET/SSL_GET; old configs use it everywhere.
  nb_get_retry: (c, n, cx) => {
    cx.warn(n, "nb_get_retry is deprecated - please use 'retry'");
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) c.retry = v;
  },
  delay_before_retry: (c, n, cx) => {
    const v = cx.seconds(n, 0, TIMER_MAX);
    if (v !== undefined) c.delay_before_retry = v;
  },
  warmup: (c, n, cx) => {
    const v = cx.seconds(n, 0, TIMER_MAX);
    if (v !== undefined) c.warmup = v;
  },
  delay_loop: (c, n, cx) => {
    const v = cx.seconds(n, US, TIMER_MAX);
    if (v !== undefined) c.delay_loop = v;
  },
  alpha: (c, n, cx) => {
    const v = readFlag(cx, n, 'alpha');
    if (v !== undefined) c.alpha = v;
  },
  log_all_failures: (c, n, cx) => {
    const v = readFlag(cx, n, 'log_all_failures');
    if (v !== undefined) c.log_all_failures = v;
  },
};

function readIp(cx: Cx, n: ConfNode, what: string): string | undefined {
  const raw = cx.str(n);
  if (raw === undefined) return undefined;
  // inet_stosockaddr() without a port: the family follows a ':' in the text.
  const fam = raw.includes(':') ? 'inet6' : 'inet';
  if (ipFamily(raw) !== fam) {
    cx.error(n, `Invalid ${what} address ${raw} - ignoring`);
    return undefined;
  }
  return raw;
}

export const connectionTable: KeywordTable<ConnectionDraft> = {
  connect_ip: (c, n, cx) => {
    const ip = readIp(cx, n, 'connect_ip');
    if (ip === undefined) return;
    if (c.bindto !== undefined && ipFamily(c.bindto) !== ipFamily(ip)) {
      cx.error(n, `connect_ip address ${ip} does not match address family of bindto - skipping`);
      return;
    }
    c.connect_ip = ip;
  },
  connect_port: (c, n, cx) => {
    const v = cx.int(n, 1, 65535);
    if (v !== undefined) c.connect_port = v;
  },
  bindto: (c, n, cx) => {
    const ip = readIp(cx, n, 'bindto');
    if (ip === undefined) return;
    if (c.connect_ip !== undefined && ipFamily(c.connect_ip) !== ipFamily(ip)) {
      cx.error(n, `bindto address ${ip} does not match address family of connect_ip - skipping`);
      return;
    }
    c.bindto = ip;
  },
  bind_port: (c, n, cx) => {
    const v = cx.int(n, 1, 65535);
    if (v !== undefined) c.bind_port = v;
  },
  bind_if: (c, n, cx) => {
    const name = cx.str(n);
    if (name === undefined) return;
    // IFNAMSIZ - 1
    if (name.length > 15) {
      cx.error(n, `Interface name ${name} is too long - ignoring`);
      return;
    }
    c.bind_if = name;
  },
  connect_timeout: (c, n, cx) => {
    const v = cx.seconds(n, US, UINT_MAX * US);
    if (v !== undefined) c.connect_timeout = v;
  },
  fwmark: (c, n, cx) => {
    const v = cx.int(n, 0, UINT_MAX);
    if (v !== undefined) c.fwmark = v;
  },
};

/** The keywords of checkers that connect: connection options and timing. */
export const connectingTable = { ...timingTable, ...connectionTable } as const;

/** check_conn_opts(): an IPv6 link-local destination needs bind_if. Returns false to drop the checker. */
export function checkLinkLocal(cx: Cx, at: SourcePos, dst: string, bindIf: string | undefined): boolean {
  if (ipFamily(dst) === 'inet6' && /^fe[89ab][0-9a-f]:/i.test(dst) && !bindIf) {
    cx.error(at, `Checker link local address ${dst} requires a bind_if`);
    return false;
  }
  return true;
}
