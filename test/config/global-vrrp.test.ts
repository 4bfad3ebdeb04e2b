/** global_defs VRRP defaults: values, ranges and Keepalived's wording (checked with 2.2.7 -t). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, diags, loadGlobal } from './global-helpers.js';

const g = (...lines: string[]) => loadGlobal(...lines).config.global_defs;

test('multicast groups: IPv4 and IPv6, multicast only; IPv6 should be link-local', () => {
  const r = loadGlobal('vrrp_mcast_group4 224.0.0.19', 'vrrp_mcast_group6 ff02::13');
  assertClean(r);
  assert.equal(r.config.global_defs.vrrp_mcast_group4, '224.0.0.19');
  assert.equal(r.config.global_defs.vrrp_mcast_group6, 'ff02::13');
  assert.deepEqual(diags(loadGlobal('vrrp_mcast_group4 1', 'vrrp_mcast_group4 ff02::1', 'vrrp_mcast_group4 10.0.0.1', 'vrrp_mcast_group6 fe80::1', 'vrrp_mcast_group6 224.0.0.1')), [
    "2 error Can't parse vrrp_mcast_group4 [1]. Skipping",
    '3 error vrrp_mcast_group4 [ff02::1] is not IPv4. Skipping',
    '4 error vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping',
    '5 error vrrp_mcast_group6 [fe80::1] is not multicast. Skipping',
    '6 error vrrp_mcast_group6 [224.0.0.1] is not IPv6. Skipping',
  ]);
  const w = loadGlobal('vrrp_mcast_group6 ff05::1');
  assert.deepEqual(diags(w), ['2 warning vrrp_mcast_group6 [ff05::1] should be link-local multicast.']);
  assert.equal(w.config.global_defs.vrrp_mcast_group6, 'ff05::1');
});

test('garp master settings and their ranges', () => {
  const r = loadGlobal('vrrp_garp_master_delay 10', 'vrrp_garp_master_repeat 2', 'vrrp_garp_master_refresh 60', 'vrrp_garp_master_refresh_repeat 3');
  assertClean(r);
  const d = r.config.global_defs;
  assert.deepEqual([d.vrrp_garp_master_delay, d.vrrp_garp_master_repeat, d.vrrp_garp_master_refresh, d.vrrp_garp_master_refresh_repeat], [10, 2, 60, 3]);
  // Lower-priority GARPs follow the master settings unless set.
  assert.deepEqual([d.vrrp_garp_lower_prio_delay, d.vrrp_garp_lower_prio_repeat], [10, 2]);
  assert.deepEqual(diags(loadGlobal('vrrp_garp_master_delay x', 'vrrp_garp_master_delay 4295')), [
    "2 error vrrp_garp_master_delay: invalid number 'x'",
    "3 error vrrp_garp_master_delay: number '4295' outside range [0, 4294]",
  ]);
});

test('a repeat of 0 is taken as 1, with a warning (pre v2.0.7 configurations)', () => {
  const r = loadGlobal('vrrp_garp_master_repeat 0', 'vrrp_garp_master_refresh_repeat 0');
  assert.deepEqual(diags(r), [
    '2 warning vrrp_garp_master_repeat must be greater than 0, setting to 1',
    '3 warning vrrp_garp_master_refresh_repeat must be greater than 0, setting to 1',
  ]);
  assert.equal(r.config.global_defs.vrrp_garp_master_repeat, 1);
  assert.equal(r.config.global_defs.vrrp_garp_master_refresh_repeat, 1);
});

test('lower-priority GARP settings', () => {
  const d = g('vrrp_garp_lower_prio_delay 0', 'vrrp_garp_lower_prio_repeat 7');
  assert.deepEqual([d.vrrp_garp_lower_prio_delay, d.vrrp_garp_lower_prio_repeat, d.vrrp_garp_master_delay], [0, 7, 5]);
  assert.deepEqual(diags(loadGlobal('vrrp_garp_lower_prio_repeat -1')), ["2 error vrrp_garp_lower_prio_repeat: number '-1' outside range [0, 2147483647]"]);
});

test('vrrp_min_garp changes only the settings still at their defaults', () => {
  let d = g('vrrp_min_garp');
  assert.deepEqual([d.vrrp_garp_master_repeat, d.vrrp_garp_master_delay, d.vrrp_garp_master_refresh_repeat, d.vrrp_min_garp], [1, 0, 0, true]);
  d = g('vrrp_garp_master_delay 8', 'vrrp_min_garp');
  assert.deepEqual([d.vrrp_garp_master_repeat, d.vrrp_garp_master_delay], [1, 8]);
  d = g('vrrp_min_garp', 'vrrp_garp_master_repeat 3');
  assert.equal(d.vrrp_garp_master_repeat, 3);
  d = g('vrrp_min_garp false');
  assert.deepEqual([d.vrrp_garp_master_repeat, d.vrrp_min_garp], [5, false]);
});

test('garp and gna intervals are decimal seconds from 1 microsecond', () => {
  const d = g('vrrp_garp_interval 0.001', 'vrrp_gna_interval 0.000001');
  assert.equal(d.vrrp_garp_interval, 0.001);
  assert.equal(d.vrrp_gna_interval, 0.000001);
  assert.deepEqual(diags(loadGlobal('vrrp_garp_interval 0', 'vrrp_gna_interval 0.0000001')), [
    "2 error vrrp_garp_interval: number '0' outside range [0.000001, 4294.967295]",
    "3 error vrrp_gna_interval: invalid number '0.0000001'",
  ]);
});

test('vrrp_garp_extra_if and its deprecated spelling', () => {
  assert.deepEqual(g('vrrp_garp_extra_if 100').vrrp_garp_extra_if, { interval: 100, all: false });
  assert.deepEqual(g('vrrp_garp_extra_if all 300').vrrp_garp_extra_if, { interval: 300, all: true });
  const r = loadGlobal('vrrp_vmac_garp_intvl 60', 'vrrp_garp_extra_if all', 'vrrp_garp_extra_if 86401');
  assert.deepEqual(diags(r), [
    '2 warning Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"',
    '3 error vrrp_garp_extra_if specified without time - ignoring',
    "4 error vrrp_garp_extra_if: number '86401' outside range [1, 86400]",
  ]);
  assert.deepEqual(r.config.global_defs.vrrp_garp_extra_if, { interval: 60, all: false });
});

test('vrrp_version is 2 or 3', () => {
  assert.equal(g('vrrp_version 3').vrrp_version, 3);
  const r = loadGlobal('vrrp_version 1');
  assert.deepEqual(diags(r), ["2 error vrrp_version: number '1' outside range [2, 3]"]);
  assert.equal(r.config.global_defs.vrrp_version, 2);
});

test('boolean options take an optional <BOOL>', () => {
  const d = g('vrrp_strict', 'vrrp_skip_check_adv_addr on', 'vrrp_lower_prio_no_advert yes', 'vrrp_higher_prio_send_advert true', 'vrrp_owner_ignore_adverts', 'vrrp_notify_priority_changes', 'v3_checksum_as_v2');
  assert.deepEqual(
    [d.vrrp_strict, d.vrrp_skip_check_adv_addr, d.vrrp_lower_prio_no_advert, d.vrrp_higher_prio_send_advert, d.vrrp_owner_ignore_adverts, d.vrrp_notify_priority_changes, d.v3_checksum_as_v2],
    [true, true, true, true, true, true, true],
  );
  assert.equal(g('vrrp_strict', 'vrrp_strict off').vrrp_strict, false);
  assert.deepEqual(diags(loadGlobal('vrrp_strict 1')), ["2 error vrrp_strict: invalid boolean '1' (use on|off|true|false|yes|no)"]);
});

test('flags take no value', () => {
  const d = g('vrrp_check_unicast_src', 'log_unknown_vrids', 'disable_local_igmp', 'no_email_faults', 'fifo_write_vrrp_states_on_reload');
  assert.deepEqual([d.vrrp_check_unicast_src, d.log_unknown_vrids, d.disable_local_igmp, d.no_email_faults, d.fifo_write_vrrp_states_on_reload], [true, true, true, true, true]);
  assert.deepEqual(diags(loadGlobal('vrrp_check_unicast_src yes')), ["2 warning vrrp_check_unicast_src: ignoring extra parameter 'yes'"]);
});

test('dynamic_interfaces [allow_if_changes]', () => {
  let d = g('dynamic_interfaces');
  assert.deepEqual([d.dynamic_interfaces, d.allow_if_changes], [true, false]);
  d = g('dynamic_interfaces allow_if_changes');
  assert.deepEqual([d.dynamic_interfaces, d.allow_if_changes], [true, true]);
  assert.deepEqual(diags(loadGlobal('dynamic_interfaces sometimes')), ["2 error Unknown dynamic_interfaces option 'sometimes'"]);
});

test('default_interface', () => {
  assert.equal(g('default_interface p33p1.3').default_interface, 'p33p1.3');
  assert.deepEqual(diags(loadGlobal('default_interface')), ['2 error default_interface: missing value']);
});

test('nftables: table name, priority, options; vrrp_iptables maps to nftables', () => {
  let d = g('nftables', 'nftables_priority -5', 'nftables_counters', 'nftables_ifindex');
  assert.deepEqual([d.nftables, d.nftables_priority, d.nftables_counters, d.nftables_ifindex], ['keepalived', -5, true, true]);
  assert.equal(g('nftables ka_table').nftables, 'ka_table');
  assert.deepEqual(diags(loadGlobal('nftables a', 'nftables b', 'nftables_priority x')), [
    '3 error nftables already specified - ignoring',
    "4 error nftables_priority: invalid number 'x'",
  ]);
  const r = loadGlobal('vrrp_iptables ka_in ka_out');
  d = r.config.global_defs;
  assert.deepEqual(d.vrrp_iptables, { inchain: 'ka_in', outchain: 'ka_out' });
  assert.equal(d.nftables, 'keepalived');
  assert.match(diags(r)[0]!, /^2 warning iptables not supported, using nftables instead/);
  assert.deepEqual(g('vrrp_iptables').vrrp_iptables, { inchain: 'INPUT', outchain: 'OUTPUT' });
  assert.deepEqual(diags(loadGlobal('vrrp_iptables same same')), ['2 error vrrp_iptables: chain names cannot be the same']);
  assert.deepEqual(diags(loadGlobal(`vrrp_iptables ${'c'.repeat(28)}`)), ['2 error vrrp_iptables: in chain name too long - ignored']);
  assert.match(diags(loadGlobal('vrrp_ipsets keepalived'))[0]!, /^2 warning vrrp_ipsets: ipsets are not used with nftables/);
});

test('vrrp_rx_bufs_policy and multiplier', () => {
  assert.equal(g('vrrp_rx_bufs_policy MTU').vrrp_rx_bufs_policy, 'MTU');
  assert.equal(g('vrrp_rx_bufs_policy advert').vrrp_rx_bufs_policy, 'ADVERT');
  assert.equal(g('vrrp_rx_bufs_policy 65536').vrrp_rx_bufs_policy, 65536);
  const r = loadGlobal('vrrp_rx_bufs_policy MTU ADVERT', 'vrrp_rx_bufs_multiplier 0');
  assert.deepEqual(diags(r), [
    '2 error Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT',
    "3 error vrrp_rx_bufs_multiplier: number '0' outside range [1, 4294967295]",
  ]);
  assert.equal(r.config.global_defs.vrrp_rx_bufs_policy, 'MTU');
  assert.equal(g('vrrp_rx_bufs_multiplier 4').vrrp_rx_bufs_multiplier, 4);
});

test('startup delays: the longer vrrp_startup_delay wins; delay after boot kept apart', () => {
  assert.equal(g('vrrp_startup_delay 5.5').vrrp_startup_delay, 5.5);
  assert.equal(g('vrrp_startup_delay 5.5', 'vrrp_startup_delay 2').vrrp_startup_delay, 5.5);
  assert.equal(g('vrrp_delay_after_boot 15.23').vrrp_delay_after_boot, 15.23);
  assert.deepEqual(diags(loadGlobal('vrrp_startup_delay 0.0001')), ["2 error vrrp_startup_delay: number '0.0001' outside range [0.001, 4294.967295]"]);
});

test('vmac prefixes may be set once', () => {
  const d = g('vmac_prefix vm', 'vmac_addr_prefix va');
  assert.deepEqual([d.vmac_prefix, d.vmac_addr_prefix], ['vm', 'va']);
  assert.deepEqual(diags(loadGlobal('vmac_prefix a', 'vmac_prefix b')), ['3 error vmac prefix has already been specified - ignoring b']);
});

test('vrrp_down_timer_adverts is 1..100', () => {
  assert.equal(g('vrrp_down_timer_adverts 10').vrrp_down_timer_adverts, 10);
  assert.deepEqual(diags(loadGlobal('vrrp_down_timer_adverts 101')), ["2 error vrrp_down_timer_adverts: number '101' outside range [1, 100]"]);
});
