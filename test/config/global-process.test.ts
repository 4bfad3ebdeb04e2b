/** global_defs process, LVS, SNMP/D-Bus and housekeeping keywords. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, diags, loadGlobal } from './global-helpers.js';

const g = (...lines: string[]) => loadGlobal(...lines).config.global_defs;

test('process names: defaults, explicit names, 15-character limit, deprecated lvs_process_name', () => {
  let d = g('process_names');
  assert.deepEqual([d.process_name, d.vrrp_process_name, d.checker_process_name, d.bfd_process_name], [undefined, 'keepalived_vrrp', 'keepalived_lvs', 'keepalived_bfd']);
  const r = loadGlobal('process_name ka', 'vrrp_process_name a_very_long_process_name', 'lvs_process_name chk');
  d = r.config.global_defs;
  assert.deepEqual([d.process_name, d.vrrp_process_name, d.checker_process_name], ['ka', 'a_very_long_pro', 'chk']);
  assert.deepEqual(diags(r), [
    '3 warning Process name a_very_long_process_name more than 15 characters, truncating',
    "4 note 'lvs_process_name' is deprecated - please use 'checker_process_name'",
  ]);
});

/** Diagnostics without the notes that say a keyword is read but not acted on. */
const acted = (r: Parameters<typeof diags>[0]) => diags(r).filter((l) => !l.includes('not acted on'));

test('scheduling: the VRRP and checker keywords are acted on; the BFD ones and *_no_swap are reported at their line', () => {
  const r = loadGlobal('vrrp_priority -5', 'vrrp_rt_priority 10', 'vrrp_rlimit_rttime 20000', 'vrrp_cpu_affinity 1', 'checker_priority 3',
    'checker_rt_priority 5', 'checker_rlimit_rttime 5000', 'checker_cpu_affinity 0', 'bfd_priority 1', 'bfd_rt_priority 2', 'bfd_rlimit_rttime 3',
    'bfd_cpu_affinity 0', 'bfd_no_swap', 'vrrp_no_swap', 'checker_no_swap');
  const bfd = "is read but not acted on here: there is no BFD process in keepalived-ts";
  const swap = "is read but not acted on here: locking a Node process in memory makes V8 abort (systemd: MemorySwapMax=0 keeps it out of swap)";
  assert.deepEqual(diags(r), [
    `10 note 'bfd_priority' ${bfd}`, `11 note 'bfd_rt_priority' ${bfd}`, `12 note 'bfd_rlimit_rttime' ${bfd}`,
    `13 note 'bfd_cpu_affinity' ${bfd}`, `14 note 'bfd_no_swap' ${bfd}`, `15 note 'vrrp_no_swap' ${swap}`, `16 note 'checker_no_swap' ${swap}`,
  ]);
});

test('nice priorities, realtime priorities (clamped), no_swap', () => {
  const r = loadGlobal('vrrp_priority -20', 'checker_priority 19', 'bfd_no_swap', 'vrrp_rt_priority 200', 'checker_rt_priority 0', 'bfd_rt_priority 50');
  const d = r.config.global_defs;
  assert.deepEqual([d.vrrp_priority, d.checker_priority, d.bfd_no_swap, d.vrrp_rt_priority, d.checker_rt_priority, d.bfd_rt_priority], [-20, 19, true, 99, 1, 50]);
  assert.deepEqual(acted(r), [
    '5 warning vrrp process real-time priority 200 greater than maximum 99 - setting to maximum',
    '6 warning checker process real-time priority 0 less than minimum 1 - setting to minimum',
  ]);
  assert.deepEqual(diags(loadGlobal('vrrp_priority 30')), ["2 error vrrp_priority: number '30' outside range [-20, 19]"]);
});

test('cpu affinity, rlimit_rttime and its deprecated spelling', () => {
  const r = loadGlobal('vrrp_cpu_affinity 0 1 1', 'checker_rlimit_rttime 1', 'bfd_rlimit_rtime 5000');
  const d = r.config.global_defs;
  assert.deepEqual(d.vrrp_cpu_affinity, [0, 1]);
  assert.equal(d.checker_rlimit_rttime, 2, 'Keepalived raises 1 to 2');
  assert.equal(d.bfd_rlimit_rttime, 5000);
  assert.deepEqual(acted(r), ["4 note 'bfd_rlimit_rtime' is deprecated - please use 'bfd_rlimit_rttime'"]);
  assert.equal(g('vrrp_rlimit_rttime x').vrrp_rlimit_rttime, 0, 'a bad value: no limit at all, as Keepalived');
  assert.deepEqual(g('vrrp_cpu_affinity 0 x').vrrp_cpu_affinity, [], 'a bad id drops the whole set');
  assert.deepEqual(diags(loadGlobal('vrrp_cpu_affinity')), ['2 error vrrp_cpu_affinity: no cpu_id specified']);
});

test('max_auto_priority and min_auto_priority_delay', () => {
  assert.equal(g('max_auto_priority').max_auto_priority, 99);
  assert.equal(g('max_auto_priority -1').max_auto_priority, -1);
  assert.deepEqual(diags(loadGlobal('max_auto_priority 100', 'min_auto_priority_delay 0')), [
    "2 error max_auto_priority: number '100' outside range [-1, 99]",
    "3 error min_auto_priority_delay: number '0' outside range [1, 10000000]",
  ]);
});

test('netlink buffer sizes and force flags', () => {
  const d = g('vrrp_netlink_cmd_rcv_bufs 1048576', 'vrrp_netlink_cmd_rcv_bufs_force', 'lvs_netlink_monitor_rcv_bufs 524288', 'process_monitor_rcv_bufs 500000', 'process_monitor_rcv_bufs_force off', 'vrrp_netlink_monitor_rcv_bufs 0');
  assert.equal(d.vrrp_netlink_cmd_rcv_bufs, 1048576);
  assert.equal(d.vrrp_netlink_cmd_rcv_bufs_force, true);
  assert.equal(d.lvs_netlink_monitor_rcv_bufs, 524288);
  assert.equal(d.process_monitor_rcv_bufs, 500000);
  assert.equal(d.process_monitor_rcv_bufs_force, false);
  assert.equal(d.vrrp_netlink_monitor_rcv_bufs, undefined, '0 keeps the system default');
});

test('umask as a number (octal, hex, decimal) or as bit names', () => {
  assert.equal(g('umask 0177').umask, 0o177);
  assert.equal(g('umask 0x3f').umask, 0x3f);
  assert.equal(g('umask 18').umask, 18);
  assert.equal(g('umask IXUSR|IRWXG|IRWXO').umask, 0o177);
  assert.equal(g('umask IRWXG | IRWXO').umask, 0o077);
  assert.deepEqual(diags(loadGlobal('umask 99999', 'umask IRWXX', 'umask 0177 1', 'umask IRUSR|')), [
    '2 error invalid umask value 99999',
    '3 error Unknown umask bit IRWXX',
    '4 error Extra parameter(s) to umask option',
    '5 error umask missing bit value',
  ]);
});

test('lvs_timeouts', () => {
  assert.deepEqual(g('lvs_timeouts tcp 7200 tcpfin 120 udp 300').lvs_timeouts, { tcp: 7200, tcpfin: 120, udp: 300 });
  const r = loadGlobal('lvs_timeouts tcp 9999999 udp 10', 'lvs_timeouts', 'lvs_timeouts sctp 5 udp');
  assert.deepEqual(r.config.global_defs.lvs_timeouts, { udp: 10 });
  assert.deepEqual(diags(r), [
    "2 error lvs_timeouts: number '9999999' outside range [0, 2678400]",
    '3 error lvs_timeouts requires at least one option',
    '4 error Unknown option sctp specified for lvs_timeouts',
    '4 error Unknown option 5 specified for lvs_timeouts',
    '4 error No value specified for lvs_timeout udp - ignoring',
  ]);
});


test('lvs_sync_daemon: new and old forms', () => {
  const pos = { file: '/etc/k.conf', line: 2 };
  assert.deepEqual(g('lvs_sync_daemon eth0 inst VI_1 id 5 maxlen 1400 port 8849 ttl 2 group 224.0.0.82').lvs_sync_daemon, {
    interface: 'eth0', inst: 'VI_1', id: 5, maxlen: 1400, port: 8849, ttl: 2, group: '224.0.0.82', pos,
  });
  assert.deepEqual(g('lvs_sync_daemon eth1').lvs_sync_daemon, { interface: 'eth1', pos });
  const old = loadGlobal('lvs_sync_daemon eth0 VI_1 7');
  // Read, and the operator told at its line that nothing acts on it here.
  assert.deepEqual(diags(old).filter((l) => l.includes('not acted on')), ['2 note lvs_sync_daemon is read but not acted on here: there is no IPVS (nor its sync daemon) in the nftables data plane']);
  assert.deepEqual(old.config.global_defs.lvs_sync_daemon, { interface: 'eth0', inst: 'VI_1', id: 7, pos });
  assert.deepEqual(acted(old), ['2 warning Please use keyword "id" before lvs_sync_daemon SYNCID']);
  assert.deepEqual(acted(loadGlobal('lvs_sync_daemon', 'lvs_sync_daemon eth0 group 10.0.0.1 ttl 0 bogus', 'lvs_sync_daemon eth2', 'lvs_sync_daemon averyveryverylongif')), [
    '2 error lvs_sync_daemon requires interface',
    '3 error lvs_sync_daemon group address 10.0.0.1 is not multicast - ignoring',
    "3 error lvs_sync_daemon: number '0' outside range [1, 255]",
    '3 error Unknown option bogus specified for lvs_sync_daemon',
    '4 error lvs_sync_daemon has already been specified as eth0 - ignoring',
    '5 error lvs_sync_daemon has already been specified as eth0 - ignoring',
  ]);
});

test('lvs_flush, lvs_flush_on_stop [VS] and the old lvs_flush_onstop', () => {
  assert.equal(g('lvs_flush').lvs_flush, true);
  assert.equal(g('lvs_flush_on_stop').lvs_flush_on_stop, 'full');
  assert.equal(g('lvs_flush_on_stop VS').lvs_flush_on_stop, 'VS');
  assert.equal(g('lvs_flush_onstop').lvs_flush_on_stop, 'full');
  assert.deepEqual(diags(loadGlobal('lvs_flush_on_stop RS')), ['2 error Unknown lvs_flush_on_stop type RS']);
});

test('checker email options and nftables_ipvs', () => {
  const d = g('rs_init_notifies', 'no_checker_emails', 'nftables_ipvs', 'nftables_ipvs_priority 5', 'nftables_ipvs_start_fwmark 2000');
  assert.deepEqual([d.rs_init_notifies, d.no_checker_emails, d.nftables_ipvs, d.nftables_ipvs_priority, d.nftables_ipvs_start_fwmark], [true, true, 'keepalived_ipvs', 5, 2000]);
  assert.deepEqual(diags(loadGlobal('nftables_ipvs_start_fwmark 0')), ["2 error nftables_ipvs_start_fwmark: number '0' outside range [1, 4294967295]"]);
});

test('SNMP and D-Bus settings are read (keepalived-ts has neither agent)', () => {
  const r = loadGlobal('snmp_socket udp:1.2.3.4:705', 'enable_traps', 'enable_snmp_rfc', 'enable_snmp_keepalived', 'enable_snmp_checker', 'snmp_vs_stats_update_interval 0.5', 'enable_dbus', 'dbus_service_name org.x', 'dbus_no_interface_name nil');
  const d = r.config.global_defs;
  assert.deepEqual(
    [d.snmp_socket, d.enable_traps, d.enable_snmp_rfcv2, d.enable_snmp_rfcv3, d.enable_snmp_vrrp, d.enable_snmp_checker, d.snmp_vs_stats_update_interval, d.snmp_rs_stats_update_interval, d.enable_dbus, d.dbus_service_name, d.dbus_no_interface_name],
    ['udp:1.2.3.4:705', true, true, true, true, true, 0.5, 0.5, true, 'org.x', 'nil'],
  );
  assert.deepEqual(diags(r), [
    "3 note 'enable_traps' is read but not acted on here: no SNMP agent in keepalived-ts (see --http for /metrics)",
    "5 note 'enable_snmp_keepalived' is deprecated - please use 'enable_snmp_vrrp'",
    "6 note 'enable_snmp_checker' is read but not acted on here: no SNMP agent in keepalived-ts (see --http for /metrics)",
    "8 note 'enable_dbus' is read but not acted on here: no DBus interface in keepalived-ts (see keepalived-ts status)",
  ]);
  assert.deepEqual(diags(loadGlobal('snmp_socket a b', 'snmp_rs_stats_update_interval 31')), [
    '2 error Too many parameters specified for snmp_socket - ignoring',
    "3 error snmp_rs_stats_update_interval: number '31' outside range [0.001, 30]",
  ]);
});

test('reload, dump and directory keywords', () => {
  const r = loadGlobal('reload_check_config', 'reload_time_file /run/ka.time', 'reload_repeat', 'reload_file', 'include_check +match -readable', 'config_save_dir /var/tmp/ka/', 'tmp_config_directory /tmp', 'data_use_instance', 'json_version 2', 'iproute_etc_dir /etc/iproute2', 'state_dump_file /tmp/s', 'random_seed 42', 'use_symlink_paths', 'set_supplementary_groups');
  assertClean(r);
  const d = r.config.global_defs;
  assert.equal(d.reload_check_config, '/dev/null');
  assert.equal(d.reload_time_file, '/run/ka.time');
  assert.equal(d.reload_repeat, true);
  assert.equal(d.reload_file, '');
  assert.deepEqual(d.include_check, ['+match', '-readable']);
  assert.equal(d.config_save_dir, '/var/tmp/ka');
  assert.equal(d.tmp_config_directory, '/tmp');
  assert.equal(d.data_use_instance, true);
  assert.equal(d.json_version, 2);
  assert.equal(d.iproute_etc_dir, '/etc/iproute2');
  assert.equal(d.state_dump_file, '/tmp/s');
  assert.equal(d.random_seed, 42);
  assert.equal(d.use_symlink_paths, true);
  assert.equal(d.set_supplementary_groups, true);
  assert.deepEqual(diags(loadGlobal('reload_time_file', 'json_version 3', 'random_seed -1')), [
    '2 error reload_time_file requires a non-empty path',
    "3 error json_version: number '3' outside range [1, 2]",
    "4 error random_seed: number '-1' outside range [0, 4294967295]",
  ]);
});
