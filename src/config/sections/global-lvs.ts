/**
 * global_defs keywords for IPVS and the checkers (Keepalived core/global_parser.c, the _WITH_LVS_
 * part; keepalived.conf(5) lvs_sync_daemon, lvs_timeouts, lvs_flush*, nftables_ipvs*).
 */
import { isIPv4, isIPv6 } from '../../base/ip-syntax.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { GLOBAL_DEFAULTS, type GlobalDefs, type LvsSyncDaemon, type LvsTimeouts } from './global-model.js';
import { boolean, deprecated, flag, integer, UINT_MAX } from './global-read.js';

/** ipvs' own limit on its timeouts (LVS_MAX_TIMEOUT: 31 days). */
const LVS_MAX_TIMEOUT = 86400 * 31;
/** IP_VS_IFNAME_MAXLEN, counting the terminating NUL. */
const IPVS_IFNAME_MAXLEN = 16;

function lvsTimeouts(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  if (n.args.length < 2) return cx.error(n, 'lvs_timeouts requires at least one option');
  const out: LvsTimeouts = { ...g.lvs_timeouts };
  for (let i = 0; i < n.args.length; i++) {
    const opt = n.args[i]!;
    if (opt !== 'tcp' && opt !== 'tcpfin' && opt !== 'udp') {
      cx.error(n, `Unknown option ${opt} specified for lvs_timeouts`);
      continue;
    }
    if (i === n.args.length - 1) {
      cx.error(n, `No value specified for lvs_timeout ${opt} - ignoring`);
      continue;
    }
    const v = cx.int(n, 0, LVS_MAX_TIMEOUT, ++i);
    if (v !== undefined) out[opt] = v;
  }
  g.lvs_timeouts = out;
}

function isMulticast(a: string): boolean {
  if (isIPv4(a)) return Number(a.split('.')[0]) >= 224 && Number(a.split('.')[0]) <= 239;
  return isIPv6(a) && /^ff/i.test(a);
}

function lvsSyncDaemon(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.note(n, 'lvs_sync_daemon is read but not acted on here: there is no IPVS (nor its sync daemon) in the nftables data plane');
  if (g.lvs_sync_daemon) {
    const s = g.lvs_sync_daemon;
    return cx.error(n, `lvs_sync_daemon has already been specified as ${[s.interface, s.inst].filter(Boolean).join(' ')} - ignoring`);
  }
  const ifname = n.args[0];
  if (ifname === undefined) return cx.error(n, 'lvs_sync_daemon requires interface');
  if (ifname.length >= IPVS_IFNAME_MAXLEN) return cx.error(n, `lvs_sync_daemon interface name '${ifname}' too long - ignoring`);
  const s: LvsSyncDaemon = { interface: ifname, pos: n.pos };
  const numeric: Record<string, [keyof LvsSyncDaemon & ('id' | 'maxlen' | 'port' | 'ttl'), number, number]> = {
    id: ['id', 0, 255],
    // 65535 less the IPv4 and UDP headers.
    maxlen: ['maxlen', 1, 65535 - 20 - 8],
    port: ['port', 1, 65535],
    ttl: ['ttl', 1, 255],
  };
  for (let i = 1; i < n.args.length; i++) {
    const opt = n.args[i]!;
    const value = n.args[i + 1];
    if (opt === 'inst') {
      i++;
      if (value === undefined) cx.error(n, 'No value specified for lvs_sync_daemon inst - ignoring');
      else if (s.inst !== undefined) cx.error(n, `lvs_sync_daemon vrrp instance has already been specified as ${s.inst} - ignoring`);
      else s.inst = value;
      continue;
    }
    const num = numeric[opt];
    if (num) {
      i++;
      if (value === undefined) {
        cx.error(n, `No value specified for lvs_sync_daemon ${opt} - ignoring`);
        continue;
      }
      const v = cx.int(n, num[1], num[2], i);
      if (v !== undefined) s[num[0]] = v;
      continue;
    }
    if (opt === 'group') {
      i++;
      if (value === undefined) cx.error(n, 'No value specified for lvs_sync_daemon group - ignoring');
      else if (!isIPv4(value) && !isIPv6(value)) cx.error(n, `Invalid lvs_sync_daemon group (${value}) - ignoring`);
      else if (!isMulticast(value)) cx.error(n, `lvs_sync_daemon group address ${value} is not multicast - ignoring`);
      else s.group = value;
      continue;
    }
    // The old form `lvs_sync_daemon IF INSTANCE [SYNC_ID]`.
    if (i === 1) {
      s.inst = opt;
      continue;
    }
    if (i === 2 && /^\d+$/.test(opt)) {
      const v = cx.int(n, 0, 255, i);
      if (v !== undefined) {
        cx.warn(n, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        s.id = v;
      }
      continue;
    }
    cx.error(n, `Unknown option ${opt} specified for lvs_sync_daemon`);
  }
  g.lvs_sync_daemon = s;
}

function flushOnStop(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  const opt = n.args[0];
  if (opt === undefined) g.lvs_flush_on_stop = 'full';
  else if (opt === 'VS') g.lvs_flush_on_stop = 'VS';
  else cx.error(n, `Unknown lvs_flush_on_stop type ${opt}`);
}

function nftablesIpvs(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  if (g.nftables_ipvs !== undefined) return cx.error(n, 'ipvs nftables already specified - ignoring');
  const name = n.args[0] ?? GLOBAL_DEFAULTS.nftablesIpvsTable;
  if (name === '' || name.length >= 255) return cx.error(n, `nftables_ipvs: table name ${name === '' ? 'empty' : 'too long'} - ignored`);
  g.nftables_ipvs = name;
  g.nftables_ipvs_priority = -1;
  g.nftables_ipvs_start_fwmark = GLOBAL_DEFAULTS.ipvsStartFwmark;
}

export const globalLvsTable: KeywordTable<GlobalDefs> = {
  lvs_timeouts: lvsTimeouts,
  lvs_sync_daemon: lvsSyncDaemon,
  lvs_flush: flag('lvs_flush'),
  lvs_flush_on_stop: flushOnStop,
  lvs_flush_onstop: deprecated('lvs_flush_on_stop', flushOnStop),
  smtp_alert_checker: boolean('smtp_alert_checker'),
  checker_log_all_failures: boolean('checker_log_all_failures'),
  rs_init_notifies: boolean('rs_init_notifies'),
  no_checker_emails: boolean('no_checker_emails'),
  nftables_ipvs: nftablesIpvs,
  nftables_ipvs_priority: integer('nftables_ipvs_priority', -(2 ** 31), 2 ** 31 - 1),
  nftables_ipvs_start_fwmark: integer('nftables_ipvs_start_fwmark', 1, UINT_MAX),
};
