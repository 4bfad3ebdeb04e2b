/**
 * global_defs keywords that set VRRP defaults (Keepalived core/global_parser.c, the _WITH_VRRP_
 * part; keepalived.conf(5) "Global definitions"). Instances read these as their defaults.
 */
import { isIPv4, isIPv6 } from '../../base/ip-syntax.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { GLOBAL_DEFAULTS, type GlobalDefs } from './global-model.js';
import { boolean, deprecated, flag, integer, seconds, UINT_MAX, word } from './global-read.js';

/** Keepalived's timers count microseconds in an unsigned int: 4294.967295 s at most. */
const TIMER_MAX_SECONDS = UINT_MAX / 1e6;
const WHOLE_TIMER_SECONDS = Math.floor(TIMER_MAX_SECONDS);

function isMulticast4(a: string): boolean {
  const first = Number(a.split('.')[0]);
  return first >= 224 && first <= 239;
}

function mcastGroup(family: 4 | 6): (g: GlobalDefs, n: ConfNode, cx: Cx) => void {
  return (g, n, cx) => {
    cx.noExtra(n, 1);
    const raw = cx.str(n);
    if (raw === undefined) return;
    const kw = n.keyword;
    if (!isIPv4(raw) && !isIPv6(raw)) return cx.error(n, `Can't parse ${kw} [${raw}]. Skipping`);
    if (family === 4) {
      if (!isIPv4(raw)) return cx.error(n, `${kw} [${raw}] is not IPv4. Skipping`);
      if (!isMulticast4(raw)) return cx.error(n, `${kw} [${raw}] is not multicast. Skipping`);
      g.vrrp_mcast_group4 = raw;
      return;
    }
    if (!isIPv6(raw)) return cx.error(n, `${kw} [${raw}] is not IPv6. Skipping`);
    if (!/^ff/i.test(raw)) return cx.error(n, `${kw} [${raw}] is not multicast. Skipping`);
    // RFC 5798 5.1.2.2: adverts are link-local; Keepalived accepts other scopes with a warning.
    if (!/^ff[0-9a-f]2:/i.test(raw)) cx.warn(n, `${kw} [${raw}] should be link-local multicast.`);
    g.vrrp_mcast_group6 = raw;
  };
}

/** A repeat count where Keepalived takes 0 (pre v2.0.7 configurations) as 1. */
function repeat(key: 'vrrp_garp_master_repeat' | 'vrrp_garp_master_refresh_repeat') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 0, UINT_MAX);
    if (v === undefined) return;
    if (v === 0) cx.warn(n, `${n.keyword} must be greater than 0, setting to 1`);
    g[key] = Math.max(v, 1);
  };
}

/** vrrp_garp_extra_if [all] SECONDS (1..86400); the words may come in either order. */
function garpExtraIf(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  let all = false;
  let interval: number | undefined;
  for (let i = 0; i < n.args.length; i++) {
    if (n.args[i] === 'all') {
      all = true;
      continue;
    }
    const v = cx.int(n, 1, 86400, i);
    if (v === undefined) return;
    interval = v;
  }
  if (interval === undefined) return cx.error(n, `${n.keyword} specified without time - ignoring`);
  g.vrrp_garp_extra_if = { interval, all };
}

function minGarp(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  const on = cx.bool(n);
  if (!on) return;
  g.vrrp_min_garp = true;
  // Keepalived: one GARP/NA, no second block, no refresh - but only for values still at their
  // defaults, so an explicit setting earlier in the block wins (and one later overrides this).
  const d = GLOBAL_DEFAULTS;
  if (g.vrrp_garp_master_repeat === d.garpRepeat) g.vrrp_garp_master_repeat = 1;
  if (g.vrrp_garp_master_refresh === d.garpRefresh) g.vrrp_garp_master_refresh = 0;
  if (g.vrrp_garp_master_refresh_repeat === d.garpRefreshRepeat) g.vrrp_garp_master_refresh_repeat = 0;
  if (g.vrrp_garp_master_delay === d.garpDelay) g.vrrp_garp_master_delay = 0;
}

/** Chain and table names: iptables/ipset allow 28 characters, nftables 255. */
function firewallName(cx: Cx, n: ConfNode, index: number, max: number, what: string): string | undefined {
  const name = n.args[index];
  if (name === undefined) return undefined;
  if (name.length === 0) return void cx.error(n, `${n.keyword}: ${what} name empty - ignored`);
  if (name.length >= max - 1) return void cx.error(n, `${n.keyword}: ${what} name too long - ignored`);
  return name;
}

function vrrpIptables(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 2);
  if (g.vrrp_iptables) return cx.error(n, 'vrrp_iptables already specified - ignoring');
  const inchain = n.args.length > 0 ? firewallName(cx, n, 0, 29, 'in chain') : 'INPUT';
  if (inchain === undefined) return;
  const outchain = n.args.length > 1 ? firewallName(cx, n, 1, 29, 'out chain') : n.args.length === 0 ? 'OUTPUT' : undefined;
  if (n.args.length > 1 && outchain === undefined) return;
  if (outchain === inchain) return cx.error(n, 'vrrp_iptables: chain names cannot be the same');
  g.vrrp_iptables = outchain === undefined ? { inchain } : { inchain, outchain };
  // Keepalived built with nftables only (as Debian's 2.2.7) says the same and uses nftables.
  cx.warn(n, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables'");
  g.nftables ??= GLOBAL_DEFAULTS.nftablesTable;
}

function nftables(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  if (g.nftables !== undefined) return cx.error(n, 'nftables already specified - ignoring');
  const name = n.args.length > 0 ? firewallName(cx, n, 0, 256, 'table') : GLOBAL_DEFAULTS.nftablesTable;
  if (name === undefined) return;
  g.nftables = name;
  g.nftables_priority = -1;
}

function rxBufsPolicy(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  if (n.args.length === 0) return cx.error(n, 'vrrp_rx_bufs_policy missing');
  let mtu = false;
  let advert = false;
  let size: number | undefined;
  for (let i = 0; i < n.args.length; i++) {
    const w = n.args[i]!.toUpperCase();
    if (w === 'MTU') mtu = true;
    else if (w === 'ADVERT') advert = true;
    else {
      const v = cx.int(n, 0, UINT_MAX, i);
      if (v !== undefined) size = v;
    }
  }
  if (size !== undefined && (mtu || advert)) {
    cx.error(n, 'Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy');
    g.vrrp_rx_bufs_policy = size;
  } else if (size !== undefined) g.vrrp_rx_bufs_policy = size;
  else if (mtu && advert) {
    cx.error(n, 'Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT');
    g.vrrp_rx_bufs_policy = 'MTU';
  } else if (mtu) g.vrrp_rx_bufs_policy = 'MTU';
  else if (advert) g.vrrp_rx_bufs_policy = 'ADVERT';
}

function onceWord(key: 'vmac_prefix' | 'vmac_addr_prefix', what: string) {
  const seen = new WeakSet<GlobalDefs>();
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const v = cx.str(n);
    if (v === undefined) return;
    if (seen.has(g)) return cx.error(n, `${what} has already been specified - ignoring ${v}`);
    seen.add(g);
    g[key] = v;
  };
}

/** The longer of vrrp_startup_delay / vrrp_delay_after_boot wins in Keepalived; we keep both. */
function startupDelay(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  const v = cx.seconds(n, 0.001, TIMER_MAX_SECONDS);
  if (v === undefined) return;
  if (v > g.vrrp_startup_delay) g.vrrp_startup_delay = v;
}

export const globalVrrpTable: KeywordTable<GlobalDefs> = {
  dynamic_interfaces: (g, n, cx) => {
    cx.noExtra(n, 1);
    g.dynamic_interfaces = true;
    const opt = n.args[0];
    if (opt === undefined) return;
    if (opt === 'allow_if_changes') g.allow_if_changes = true;
    else cx.error(n, `Unknown dynamic_interfaces option '${opt}'`);
  },
  no_email_faults: flag('no_email_faults'),
  default_interface: word('default_interface'),
  // Keepalived checks the kernel supports igmp_link_local_mcast_reports; the daemon does here.
  disable_local_igmp: flag('disable_local_igmp'),
  v3_checksum_as_v2: boolean('v3_checksum_as_v2'),
  vrrp_mcast_group4: mcastGroup(4),
  vrrp_mcast_group6: mcastGroup(6),
  vrrp_garp_master_delay: integer('vrrp_garp_master_delay', 0, WHOLE_TIMER_SECONDS),
  vrrp_garp_master_repeat: repeat('vrrp_garp_master_repeat'),
  vrrp_garp_master_refresh: integer('vrrp_garp_master_refresh', 0, UINT_MAX),
  vrrp_garp_master_refresh_repeat: repeat('vrrp_garp_master_refresh_repeat'),
  vrrp_garp_lower_prio_delay: integer('vrrp_garp_lower_prio_delay', 0, WHOLE_TIMER_SECONDS),
  vrrp_garp_lower_prio_repeat: integer('vrrp_garp_lower_prio_repeat', 0, 2 ** 31 - 1),
  vrrp_down_timer_adverts: integer('vrrp_down_timer_adverts', 1, 100),
  vrrp_garp_interval: seconds('vrrp_garp_interval', 0.000001, TIMER_MAX_SECONDS),
  vrrp_gna_interval: seconds('vrrp_gna_interval', 0.000001, TIMER_MAX_SECONDS),
  vrrp_min_garp: minGarp,
  vrrp_garp_extra_if: garpExtraIf,
  vrrp_vmac_garp_intvl: deprecated('vrrp_garp_extra_if', garpExtraIf, true),
  vrrp_lower_prio_no_advert: boolean('vrrp_lower_prio_no_advert'),
  vrrp_higher_prio_send_advert: boolean('vrrp_higher_prio_send_advert'),
  vrrp_version: (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 2, 3);
    if (v === 2 || v === 3) g.vrrp_version = v;
  },
  vrrp_iptables: vrrpIptables,
  // ipsets only serve iptables rules; with nftables Keepalived uses sets of its own.
  vrrp_ipsets: (_g, n, cx) => cx.warn(n, 'vrrp_ipsets: ipsets are not used with nftables - ignoring'),
  nftables: nftables,
  nftables_priority: integer('nftables_priority', -(2 ** 31), 2 ** 31 - 1),
  nftables_ifindex: flag('nftables_ifindex'),
  nftables_counters: flag('nftables_counters'),
  vrrp_check_unicast_src: flag('vrrp_check_unicast_src'),
  vrrp_skip_check_adv_addr: boolean('vrrp_skip_check_adv_addr'),
  vrrp_strict: boolean('vrrp_strict'),
  vrrp_notify_priority_changes: boolean('vrrp_notify_priority_changes'),
  fifo_write_vrrp_states_on_reload: flag('fifo_write_vrrp_states_on_reload'),
  vrrp_rx_bufs_policy: rxBufsPolicy,
  vrrp_rx_bufs_multiplier: integer('vrrp_rx_bufs_multiplier', 1, UINT_MAX),
  vrrp_startup_delay: startupDelay,
  vrrp_delay_after_boot: (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.seconds(n, 0.001, TIMER_MAX_SECONDS);
    if (v !== undefined) g.vrrp_delay_after_boot = v;
  },
  log_unknown_vrids: flag('log_unknown_vrids'),
  vrrp_owner_ignore_adverts: boolean('vrrp_owner_ignore_adverts'),
  vmac_prefix: onceWord('vmac_prefix', 'vmac prefix'),
  vmac_addr_prefix: onceWord('vmac_addr_prefix', 'vmac_addr prefix'),
};
