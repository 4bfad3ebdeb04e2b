/**
 * global_defs: Keepalived's defaults, unknown keywords with hints, derived values, and the
 * global_defs of the sample configurations and seeds (checked against Keepalived 2.2.7 -t).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { SAMPLES } from '../paths.js';
import { closestKeyword, globalDefsTable, newGlobalDefs } from '../../src/config/sections/global.js';
import { assertClean, diags, loadGlobal, loadText } from './global-helpers.js';

test('an empty global_defs resolves to Keepalived defaults', () => {
  const r = loadGlobal();
  assertClean(r);
  const g = r.config.global_defs;
  assert.equal(g.router_id, undefined, 'router_id defaults to the host name, filled in by the daemon');
  assert.deepEqual(g.notification_email, []);
  assert.equal(g.smtp_server, undefined);
  assert.equal(g.smtp_connect_timeout, 30);
  assert.equal(g.vrrp_version, 2);
  assert.equal(g.vrrp_mcast_group4, '224.0.0.18');
  assert.equal(g.vrrp_mcast_group6, 'ff02::12');
  assert.equal(g.vrrp_garp_master_delay, 5);
  assert.equal(g.vrrp_garp_master_repeat, 5);
  assert.equal(g.vrrp_garp_master_refresh, 0);
  assert.equal(g.vrrp_garp_master_refresh_repeat, 1);
  assert.equal(g.vrrp_garp_lower_prio_delay, 5);
  assert.equal(g.vrrp_garp_lower_prio_repeat, 5);
  assert.equal(g.vrrp_garp_interval, 0);
  assert.equal(g.vrrp_gna_interval, 0);
  assert.equal(g.vrrp_down_timer_adverts, 3);
  assert.equal(g.vrrp_strict, false);
  assert.equal(g.enable_script_security, false);
  assert.equal(g.default_interface, 'eth0');
  assert.equal(g.startup_script_timeout, 10);
  assert.equal(g.shutdown_script_timeout, 10);
  assert.equal(g.vrrp_rlimit_rttime, 10000);
  assert.equal(g.min_auto_priority_delay, 1_000_000);
  assert.equal(g.max_auto_priority, 0);
  assert.equal(g.vrrp_rx_bufs_multiplier, 3);
  assert.equal(g.nftables, undefined);
  assert.equal(g.nftables_priority, -1);
  assert.equal(g.nftables_ipvs_start_fwmark, 1000);
  assert.equal(g.lvs_flush_on_stop, 'none');
  assert.deepEqual(g.lvs_timeouts, {});
  assert.equal(g.snmp_vs_stats_update_interval, 5);
  assert.equal(g.snmp_rs_stats_update_interval, 5);
  assert.equal(g.vmac_prefix, 'vrrp');
  assert.equal(g.vmac_addr_prefix, 'vrrp');
  assert.equal(g.dbus_service_name, 'org.keepalived.Vrrp1');
  assert.equal(g.json_version, 1);
  assert.deepEqual(g.pos, { file: '/etc/k.conf', line: 1 });
});

test('a configuration without global_defs still has the defaults', () => {
  const r = loadText('');
  assert.equal(r.config.global_defs.vrrp_garp_lower_prio_repeat, 5);
  assert.equal(r.config.global_defs.pos, undefined);
});

test('the model is frozen', () => {
  const g = loadGlobal('router_id r1').config.global_defs;
  assert.ok(Object.isFrozen(g));
  assert.ok(Object.isFrozen(g.notification_email));
});

test('newGlobalDefs returns a fresh object each time', () => {
  const a = newGlobalDefs();
  a.notification_email.push('x');
  assert.deepEqual(newGlobalDefs().notification_email, []);
});

test('router_id takes one word', () => {
  const r = loadGlobal('router_id LVS_DEVEL');
  assertClean(r);
  assert.equal(r.config.global_defs.router_id, 'LVS_DEVEL');
  assert.deepEqual(diags(loadGlobal('router_id')), ['2 error router_id: missing value']);
  assert.deepEqual(diags(loadGlobal('router_id a b')), ["2 warning router_id: ignoring extra parameter 'b'"]);
});

test('an unknown keyword is reported at its line, with the nearest keyword as a hint', () => {
  assert.deepEqual(diags(loadGlobal('router_id a', 'smtp_connection_timeout 30')), [
    "3 error Unknown keyword 'smtp_connection_timeout' - did you mean smtp_connect_timeout?",
  ]);
  assert.deepEqual(diags(loadGlobal('vrrp_garp_master_dealy 3')), [
    "2 error Unknown keyword 'vrrp_garp_master_dealy' - did you mean vrrp_garp_master_delay?",
  ]);
  assert.deepEqual(diags(loadGlobal('notification_emails {', 'a@b', '}')), [
    "2 error Unknown keyword 'notification_emails' - did you mean notification_email?",
    // Keepalived 2.2.7 reads an unknown keyword's block line by line, each line unknown too.
    "2 error Unexpected '{' - ignoring",
    "3 error Unknown keyword 'a@b'",
    "4 error Unknown keyword '}'",
  ]);
  // Nothing close: no hint.
  assert.deepEqual(diags(loadGlobal('frobnicate 1')), ["2 error Unknown keyword 'frobnicate'"]);
  // The keywords of other sections are not global_defs keywords.
  assert.deepEqual(diags(loadGlobal('virtual_router_id 5')), ["2 error Unknown keyword 'virtual_router_id'"]);
});

test('closestKeyword finds typos and ignores strangers', () => {
  const known = Object.keys(globalDefsTable);
  assert.equal(closestKeyword('router-id', known), 'router_id');
  assert.equal(closestKeyword('vrrp_strickt', known), 'vrrp_strict');
  assert.equal(closestKeyword('enable_script_securty', known), 'enable_script_security');
  assert.equal(closestKeyword('xyz', known), undefined);
});

test('every keyword of Keepalived core/global_parser.c is in the table', () => {
  // The global_defs keywords of Keepalived 2.2.x (install_keyword in init_global_keywords).
  const keepalived = `process_names process_name vrrp_process_name checker_process_name lvs_process_name
    bfd_process_name use_symlink_paths set_supplementary_groups router_id notification_email_from
    smtp_server smtp_helo_name smtp_connect_timeout notification_email smtp_alert startup_script
    startup_script_timeout shutdown_script shutdown_script_timeout max_auto_priority
    min_auto_priority_delay smtp_alert_vrrp smtp_alert_checker checker_log_all_failures
    dynamic_interfaces no_email_faults default_interface disable_local_igmp v3_checksum_as_v2
    lvs_timeouts lvs_flush lvs_flush_on_stop lvs_flush_onstop lvs_sync_daemon vrrp_mcast_group4
    vrrp_mcast_group6 vrrp_garp_master_delay vrrp_garp_master_repeat vrrp_garp_master_refresh
    vrrp_garp_master_refresh_repeat vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat
    vrrp_down_timer_adverts vrrp_garp_interval vrrp_gna_interval vrrp_min_garp vrrp_garp_extra_if
    vrrp_vmac_garp_intvl vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert vrrp_version
    vrrp_iptables vrrp_ipsets nftables nftables_priority nftables_ifindex vrrp_check_unicast_src
    vrrp_skip_check_adv_addr vrrp_strict vrrp_priority vrrp_no_swap vrrp_rt_priority
    vrrp_cpu_affinity vrrp_rlimit_rttime vrrp_rlimit_rtime nftables_ipvs nftables_ipvs_priority
    nftables_ipvs_start_fwmark nftables_counters notify_fifo notify_fifo_script vrrp_notify_fifo
    vrrp_notify_fifo_script vrrp_notify_priority_changes fifo_write_vrrp_states_on_reload
    lvs_notify_fifo lvs_notify_fifo_script checker_priority checker_no_swap checker_rt_priority
    checker_cpu_affinity checker_rlimit_rttime checker_rlimit_rtime bfd_priority bfd_no_swap
    bfd_rt_priority bfd_cpu_affinity bfd_rlimit_rttime bfd_rlimit_rtime snmp_socket enable_traps
    enable_snmp_vrrp enable_snmp_keepalived enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3
    enable_snmp_checker snmp_vs_stats_update_interval snmp_rs_stats_update_interval enable_dbus
    dbus_service_name dbus_no_interface_name script_user enable_script_security
    vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs
    vrrp_netlink_monitor_rcv_bufs_force process_monitor_rcv_bufs process_monitor_rcv_bufs_force
    lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs
    lvs_netlink_monitor_rcv_bufs_force rs_init_notifies no_checker_emails vrrp_rx_bufs_policy
    vrrp_rx_bufs_multiplier vrrp_startup_delay vrrp_delay_after_boot log_unknown_vrids
    vrrp_owner_ignore_adverts vmac_prefix vmac_addr_prefix umask random_seed reload_check_config
    reload_time_file reload_repeat reload_file include_check config_save_dir tmp_config_directory
    data_use_instance json_version iproute_usr_dir iproute_etc_dir state_dump_file stats_dump_file
    json_dump_file`.split(/\s+/);
  // The root keywords (net_namespace, instance, ...) are installed by the same function but
  // belong to the top level; global_defs itself is the 8th.
  assert.equal(keepalived.length + 8, 148);
  const missing = keepalived.filter((k) => !Object.prototype.hasOwnProperty.call(globalDefsTable, k));
  assert.deepEqual(missing, []);
  const extra = Object.keys(globalDefsTable).filter((k) => !keepalived.includes(k));
  assert.deepEqual(extra, []);
});

test('several global_defs blocks add up; derived values use the final settings', () => {
  const r = loadText('global_defs {\n router_id a\n}\nglobal_defs {\n vrrp_garp_master_delay 9\n vmac_prefix vm\n}\n');
  assertClean(r);
  const g = r.config.global_defs;
  assert.equal(g.router_id, 'a');
  assert.equal(g.vrrp_garp_lower_prio_delay, 9);
  assert.equal(g.vmac_addr_prefix, 'vm');
  assert.deepEqual(g.pos, { file: '/etc/k.conf', line: 1 });
});

test('global_defs must open a block', () => {
  const r = loadText('global_defs\nrouter_id x\n');
  assert.deepEqual(diags(r).slice(0, 1), ["1 error global_defs: missing '{' at beginning of configuration block"]);
});

// --- the sample configurations and seeds ---

const repo = new URL('../../../', import.meta.url);
const seeds = new URL('test/fixtures/seeds/', repo);
const samples = SAMPLES + '/';

function loadFile(file: string) {
  return loadConfig(file, { configId: 'x' });
}

/** Diagnostics from the lines of the file's global_defs block. */
function globalDiags(file: string): string[] {
  const r = loadFile(file);
  const text = fs.readFileSync(file, 'utf8').split('\n');
  const first = text.findIndex((l) => /^\s*global_defs\b/.test(l));
  const indent = /^\s*/.exec(text[first]!)![0];
  // The block ends at the first '}' indented like the global_defs line.
  const close = text.findIndex((l, i) => i > first && l.startsWith(`${indent}}`));
  const [start, end] = [first + 1, close + 1];
  return r.diagnostics
    .filter((d) => d.pos && d.pos.file === file && d.pos.line >= start && d.pos.line <= end)
    .map((d) => `${d.pos!.line} ${d.severity} ${d.message}`);
}

test('seed 003-director: smtp settings, and the misspelt timeout Keepalived also rejects', () => {
  const file = new URL('003-director.conf', seeds).pathname;
  const g = loadFile(file).config.global_defs;
  assert.deepEqual(g.notification_email, ['skc361@163.com']);
  assert.equal(g.notification_email_from, 'sns-lvs@gmail.com');
  assert.deepEqual(g.smtp_server, { address: '192.168.80.1', port: 25, pos: { file, line: 6 } });
  assert.equal(g.smtp_connect_timeout, 30, 'the default: the misspelt line sets nothing');
  assert.equal(g.router_id, 'LVS_DEVEL');
  assert.deepEqual(globalDiags(file), ["7 error Unknown keyword 'smtp_connection_timeout' - did you mean smtp_connect_timeout?"]);
});

test('seeds with only a router_id', () => {
  const expect: Record<string, string> = {
    '000-lvs-server1.conf': 'Drector1',
    '000-lvs-server2.conf': 'Drector2',
    '001-serverA.conf': 'LVS_DEVEL',
    '001-serverB.conf': 'LVS_DEVEL',
    '004-keepalived.conf': 'LVS_8808',
    '004-keepalived-backup.conf': 'LVS_8808',
  };
  for (const [name, id] of Object.entries(expect)) {
    const file = new URL(name, seeds).pathname;
    assert.equal(loadFile(file).config.global_defs.router_id, id, name);
    assert.deepEqual(globalDiags(file), [], name);
  }
});

test('seed 002-proxy101: notification_email', () => {
  const file = new URL('002-proxy101.conf', seeds).pathname;
  const g = loadFile(file).config.global_defs;
  assert.deepEqual(g.notification_email, ['xxxx@qq.com']);
  assert.deepEqual(globalDiags(file), []);
});

test('sample keepalived.conf (Keepalived 2.2.7 reports lines 15 and 16)', () => {
  const file = samples + 'keepalived__etc__keepalived__keepalived.conf';
  const g = loadFile(file).config.global_defs;
  assert.deepEqual(g.notification_email, ['acassen@firewall.loc', 'failover@firewall.loc', 'sysadmin@firewall.loc']);
  assert.equal(g.notification_email_from, 'Alexandre.Cassen@firewall.loc');
  assert.equal(g.smtp_server?.address, '192.168.200.1');
  assert.equal(g.smtp_server?.port, 25);
  assert.equal(g.router_id, 'LVS_DEVEL');
  assert.equal(g.vrrp_skip_check_adv_addr, true);
  assert.equal(g.vrrp_strict, true);
  assert.equal(g.vrrp_garp_interval, 0, 'the invalid 0 leaves the default');
  assert.deepEqual(globalDiags(file), [
    "15 error vrrp_garp_interval: number '0' outside range [0.000001, 4294.967295]",
    "16 error vrrp_gna_interval: number '0' outside range [0.000001, 4294.967295]",
  ]);
});

test('every sample global_defs loads without global diagnostics except the known two', () => {
  for (const name of fs.readdirSync(samples)) {
    const file = samples + name;
    if (!fs.readFileSync(file, 'utf8').match(/^\s*global_defs\b/m)) continue;
    const got = globalDiags(file);
    if (name.startsWith('keepalived__etc__keepalived__keepalived.conf')) assert.equal(got.length, 2, name);
    else assert.deepEqual(got, [], name);
  }
});
