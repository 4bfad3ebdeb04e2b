/**
 * vrrp_instance: keywords, Keepalived's defaults and derived values, and what it reports.
 * Expected wording comes from Keepalived's vrrp_parser.c / vrrp.c / vrrp_data.c (and, where the
 * keyword exists there, from `keepalived -t` 2.2.7 run on the same text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instance, lines, load, only } from './vrrp-instance-helpers.js';

// Lines of instance(): 1 vrrp_instance, 2 interface, 3 virtual_router_id, 4-6 VIPs, 7.. extra.

test('defaults: BACKUP, priority 100, advert_int 1 s, VRRPv2, IPv4 multicast to 224.0.0.18', () => {
  const { config, diagnostics } = load(instance(''));
  assert.deepEqual(lines(diagnostics), []);
  const i = only(config);
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.priority, 100);
  assert.equal(i.advert_int, 1);
  assert.equal(i.version, 2);
  assert.equal(i.family, 'inet');
  assert.equal(i.mcast_dst_ip, '224.0.0.18');
  assert.equal(i.unicast, false);
  assert.equal(i.accept, true);
  assert.equal(i.nopreempt, false);
  assert.equal(i.preempt_delay, 0);
  assert.equal(i.strict_mode, false);
  assert.equal(i.down_timer_adverts, 3);
  // global_data.c defaults: 5 GARPs, a second set after 5 s, no refresh.
  assert.equal(i.garp_master_delay, 5);
  assert.equal(i.garp_master_repeat, 5);
  assert.equal(i.garp_master_refresh, 0);
  assert.equal(i.garp_master_refresh_repeat, 1);
  assert.equal(i.garp_lower_prio_delay, 5);
  assert.equal(i.garp_lower_prio_repeat, 5);
  assert.equal(i.smtp_alert, false);
  assert.equal(i.authentication, undefined);
  assert.equal(i.virtual_router_id, 51);
  assert.equal(i.interface, 'eth0');
  assert.equal(i.pos.line, 1);
});

test('state MASTER without priority makes the instance address owner (priority 255)', () => {
  const i = only(load(instance('  state MASTER')).config);
  assert.equal(i.priority, 255);
  assert.equal(i.state, 'MASTER');
  assert.equal(i.owner_ignore_adverts, false);
});

test('priority 255 without state starts as MASTER; state MASTER with priority 150 stays MASTER', () => {
  assert.equal(only(load(instance('  priority 255')).config).state, 'MASTER');
  const i = only(load(instance('  state MASTER\n  priority 150')).config);
  assert.equal(i.state, 'MASTER');
  assert.equal(i.priority, 150);
});

test('state: BACKUP after MASTER is ignored, an unknown state means BACKUP', () => {
  let r = load(instance('  state MASTER\n  state BACKUP'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) state previously set as MASTER - ignoring BACKUP']);
  assert.equal(only(r.config).state, 'MASTER');
  r = load(instance('  state master'));
  assert.deepEqual(lines(r.diagnostics), ["7: (VI_1) unknown state 'master', defaulting to BACKUP"]);
  assert.equal(only(r.config).state, 'BACKUP');
});

test('virtual_router_id: 1..255, and required', () => {
  let r = load(instance('  virtual_router_id 300'));
  assert.deepEqual(lines(r.diagnostics), ["7: (VI_1): VRID '300' not valid - must be between 1 & 255"]);
  assert.equal(only(r.config).virtual_router_id, 51);
  r = load('vrrp_instance VI_9 {\n  interface eth0\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n');
  assert.deepEqual(lines(r.diagnostics), ['1: (VI_9) the virtual router id must be set']);
});

test('priority: 1..255, an invalid one means the default 100', () => {
  const r = load(instance('  priority 0'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) Priority not valid! must be between 1 & 255. Using default 100']);
  assert.equal(only(r.config).priority, 100);
  assert.equal(only(load(instance('  priority 1')).config).priority, 1);
});

test('advert_int: VRRPv2 rounds fractions to whole seconds', () => {
  let r = load(instance('  advert_int 1.5'));
  assert.deepEqual(lines(r.diagnostics), ['7: warning: (VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding'].map((s) => s.replace('warning: ', '')));
  assert.equal(only(r.config).advert_int, 2);
  r = load(instance('  advert_int 0.4'));
  assert.equal(only(r.config).advert_int, 1, '0.4 rounds to 0, which becomes 1 s');
  r = load(instance('  advert_int 0'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) Advert interval (0) not valid! Must be > 0 - ignoring']);
  assert.equal(only(r.config).advert_int, 1);
  r = load(instance('  advert_int 256'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) Advert interval (256) not valid! Must be > 0 - ignoring']);
});

test('advert_int: VRRPv3 keeps centiseconds and caps at 40.95 s', () => {
  let i = only(load(instance('  version 3\n  advert_int 0.1')).config);
  assert.equal(i.version, 3);
  assert.equal(i.advert_int, 0.1);
  let r = load(instance('  version 3\n  advert_int 0.125'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) VRRPv3 advertisement interval 0.125000s must be in units of 10ms - rounding']);
  assert.equal(only(r.config).advert_int, 0.13);
  r = load(instance('  version 3\n  advert_int 50'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) VRRPv3 advertisement interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s']);
  i = only(r.config);
  assert.equal(i.advert_int, 40.95);
});

test('version: 2 or 3; a conflicting second version is ignored; IPv6 means VRRPv3', () => {
  let r = load(instance('  version 4'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1): Version must be either 2 or 3']);
  r = load(instance('  version 3\n  version 2'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) vrrp_version 2 conflicts with configured or deduced version 3; ignoring.']);
  const v6 = load('vrrp_instance V6 {\n  interface eth0\n  virtual_router_id 5\n  virtual_ipaddress {\n    fe80::1\n  }\n}\n');
  assert.deepEqual(lines(v6.diagnostics), []);
  assert.equal(only(v6.config, 'V6').version, 3);
  assert.equal(only(v6.config, 'V6').family, 'inet6');
  assert.equal(only(v6.config, 'V6').mcast_dst_ip, 'ff02::12');
});

test('global_defs vrrp_version 3 is the default version of IPv4 instances', () => {
  const r = load('global_defs {\n  vrrp_version 3\n}\n' + instance(''));
  assert.equal(only(r.config).version, 3);
});

test('nopreempt is reset for the address owner and with initial state MASTER', () => {
  let r = load(instance('  priority 255\n  nopreempt'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) nopreempt is incompatible with priority 255. resetting nopreempt']);
  assert.equal(only(r.config).nopreempt, false);
  r = load(instance('  state MASTER\n  priority 200\n  nopreempt'));
  assert.deepEqual(lines(r.diagnostics), ['9: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing']);
  r = load(instance('  state BACKUP\n  nopreempt\n  preempt_delay 2.5'));
  assert.deepEqual(lines(r.diagnostics), ['9: (VI_1) preempt_delay is incompatible with nopreempt mode - resetting']);
  const i = only(load(instance('  preempt_delay 2.5')).config);
  assert.equal(i.preempt_delay, 2.5);
  r = load(instance('  nopreempt\n  preempt'));
  assert.equal(only(r.config).nopreempt, false, 'preempt clears an earlier nopreempt');
  r = load(instance('  preempt_delay 1001'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) Preempt_delay not valid! must be between 0-1000']);
});

test('strict mode (vrrp_strict): state, authentication, preempt_delay, accept, garp', () => {
  const r = load(`global_defs {
  vrrp_strict
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 30
  priority 100
  advert_int 1.5
  preempt_delay 10
  authentication {
    auth_type AH
    auth_pass 1234
  }
  virtual_ipaddress {
    10.0.0.1/24
  }
}
`);
  // keepalived -t 2.2.7 prints these four for the same text (without line numbers).
  assert.deepEqual(lines(r.diagnostics), [
    '5: (VI_1) State MASTER must match being address owner',
    '11: (VI_1) Strict mode does not support authentication. Ignoring.',
    '10: (VI_1) preempt_delay is incompatible with strict mode - resetting',
    '9: (VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding',
  ]);
  const i = only(r.config);
  assert.equal(i.strict_mode, true);
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.authentication, undefined);
  assert.equal(i.preempt_delay, 0);
  assert.equal(i.accept, false, 'strict: no accept mode unless address owner');
  assert.equal(i.garp_lower_prio_repeat, 0);
  assert.equal(i.garp_lower_prio_delay, 0);
  assert.equal(i.lower_prio_no_advert, true);
  assert.equal(i.higher_prio_send_advert, false);
});

test('strict_mode per instance: explicit settings it forbids are reset', () => {
  const r = load(instance('  strict_mode\n  accept\n  garp_lower_prio_repeat 2\n  down_timer_adverts 5\n  higher_prio_send_advert'));
  assert.deepEqual(lines(r.diagnostics), [
    '10: (VI_1) down_timer_adverts is incompatible with strict mode - resetting',
    '1: (VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
    '9: (VI_1) Strict mode requires no repeat garps. resetting',
    '1: (VI_1) strict mode requires higher_prio_send_advert to be clear. resetting',
  ]);
  const i = only(r.config);
  assert.equal(i.down_timer_adverts, 3);
  assert.equal(i.accept, false);
  assert.equal(i.garp_lower_prio_repeat, 0);
  assert.equal(only(load(instance('  strict_mode off')).config).strict_mode, false);
  assert.deepEqual(lines(load(instance('  strict_mode maybe')).diagnostics), ['7: (VI_1) invalid strict_mode maybe specified']);
});

test('strict mode: the address owner accepts and ignores adverts', () => {
  const i = only(load(instance('  strict_mode\n  priority 255')).config);
  assert.equal(i.accept, true);
  assert.equal(i.owner_ignore_adverts, true);
  assert.equal(i.state, 'MASTER');
});

test('owner_ignore_adverts only for the address owner', () => {
  const r = load(instance('  owner_ignore_adverts'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) ignoring owner_ignore_adverts since priority is not 255']);
  assert.equal(only(r.config).owner_ignore_adverts, false);
});

test('authentication: PASS kept (v2), auth_pass truncated to 8 characters, AH with initial MASTER', () => {
  let r = load(instance('  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }'));
  assert.deepEqual(lines(r.diagnostics), ['9: Truncating auth_pass to 8 characters']);
  assert.deepEqual({ ...only(r.config).authentication, pos: undefined }, { auth_type: 'PASS', auth_pass: '12345678', pos: undefined });
  r = load(instance('  authentication {\n    auth_type XX\n  }'));
  assert.deepEqual(lines(r.diagnostics), ["8: (VI_1) unknown authentication type 'XX'"]);
  r = load(instance('  authentication {\n    auth_type PASS\n  }'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) Authentication specified but no password given. Ignoring']);
  r = load(instance('  state MASTER\n  priority 200\n  authentication {\n    auth_type AH\n    auth_pass x\n  }'));
  assert.deepEqual(lines(r.diagnostics), ['9: (VI_1) Initial state master is incompatible with AH authentication - clearing']);
  assert.equal(only(r.config).state, 'BACKUP');
  assert.equal(only(r.config).authentication?.auth_type, 'AH');
  r = load(instance('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
});

test('auth_hmac is not a Keepalived 2.2.7 keyword (it came with 2.4.0): unknown, and authentication stays', () => {
  const r = load(instance(`  auth_hmac {\n    key 1 hex:${'00'.repeat(32)}\n    active_key 1\n  }\n  authentication {\n    auth_type AH\n    auth_pass secret12\n  }`));
  // 2.2.7 reports an unknown block line by line.
  assert.deepEqual(lines(r.diagnostics), ["7: Unknown keyword 'auth_hmac'", "7: Unexpected '{' - ignoring", "8: Unknown keyword 'key'", "9: Unknown keyword 'active_key'", "10: Unknown keyword '}'"]);
  assert.equal((only(r.config) as Record<string, unknown>).auth_hmac, undefined);
  assert.deepEqual({ ...only(r.config).authentication, pos: undefined }, { auth_type: 'AH', auth_pass: 'secret12', pos: undefined });
});

test('track_script: weight from the vrrp_script, per-line weight, not found, duplicates', () => {
  const text = `vrrp_script chk {
  script "/bin/true"
  weight 5
}
${instance('  track_script {\n    chk\n    nosuch\n    chk weight 10\n  }')}`;
  const r = load(text);
  // The lines keepalived -t 2.2.7 reports for the same text.
  assert.deepEqual(lines(r.diagnostics), ['13: (VI_1) track script nosuch not found, ignoring...', '14: (VI_1) duplicate track_script chk - ignoring']);
  const t = only(r.config).track_script;
  assert.equal(t.length, 1);
  assert.equal(t[0]!.name, 'chk');
  assert.equal(t[0]!.weight, 5);
  assert.equal(t[0]!.pos.line, 12);
});

test('track_script: a vrrp_script defined after the instance is not found (as Keepalived)', () => {
  const r = load(`${instance('  track_script {\n    chk\n  }')}vrrp_script chk {\n  script "/bin/true"\n}\n`);
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) track script chk not found, ignoring...']);
});

test('track_script weights: range, +/-254, reverse/noreverse', () => {
  const r = load(`vrrp_script a {\n  script x\n}\nvrrp_script b {\n  script x\n}\nvrrp_script c {\n  script x\n}\n${instance(
    '  track_script {\n    a weight 300\n    b weight -254 reverse\n    c weight 3 sideways\n  }',
  )}`);
  assert.deepEqual(lines(r.diagnostics), [
    '17: (VI_1) track script a: weight must be between [-253..253] inclusive, ignoring...',
    '18: (VI_1) weight for b cannot be +/-254. Setting to +/-253',
    '19: (VI_1) unknown track_script c weight option sideways - ignoring',
  ]);
  const t = only(r.config).track_script.map((x) => [x.name, x.weight, x.reverse]);
  assert.deepEqual(t, [
    ['a', 0, false],
    ['b', -253, true],
    ['c', 3, false],
  ]);
});

test('track_interface: weights and options', () => {
  const r = load(instance('  track_interface {\n    eth1\n    eth2 weight -10 reverse\n    eth3 weight\n    eth4 size 3\n    eth1\n    eth5 weight 254\n  }'));
  assert.deepEqual(lines(r.diagnostics), [
    '10: (VI_1) weight without value specified for track_interface eth3 - ignoring',
    '11: (VI_1) unknown track_interface eth4 option size - ignoring',
    '12: (VI_1) duplicate track_interface eth1 - ignoring',
    '13: (VI_1) weight for eth5 cannot be +/-254. Setting to +/-253',
  ]);
  assert.deepEqual(
    only(r.config).track_interface.map((t) => [t.name, t.weight, t.reverse]),
    [
      ['eth1', 0, false],
      ['eth2', -10, true],
      ['eth5', 253, false],
    ],
  );
});

test('track_interface naming the instance interface is dropped', () => {
  const r = load(instance('  track_interface {\n    eth0\n  }'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1) Ignoring track_interface eth0 since own interface']);
  assert.deepEqual(only(r.config).track_interface, []);
});

test('address owner: weighted tracked scripts are dropped, track_file default weight cleared', () => {
  const r = load(`vrrp_script s {\n  script x\n  weight 4\n}\ntrack_file f {\n  file /tmp/f\n}\n${instance(
    '  priority 255\n  track_script {\n    s\n  }\n  track_file {\n    f\n  }',
  )}`);
  assert.deepEqual(lines(r.diagnostics), [
    '16: (VI_1) ignoring tracked script s with weights due to address_owner',
    '19: (VI_1) ignoring weight from tracked file f due to address_owner. specify weight 0',
  ]);
  assert.deepEqual(only(r.config).track_script, []);
  assert.equal(only(r.config).track_file[0]!.weight, 0);
});

test('unicast_peer: family, TTL options, duplicates; unicast_ttl and mode', () => {
  const r = load(instance('  unicast_src_ip 10.0.0.9\n  unicast_peer {\n    10.0.0.5 min_ttl 3 max_ttl 2\n    fe80::1\n    10.0.0.5\n    10.0.0.6 hops 3\n    10.0.0.7 max_ttl\n  }\n  unicast_ttl 7'));
  assert.deepEqual(lines(r.diagnostics), [
    '9: warning: (VI_1) 10.0.0.5 - min_ttl 3 > max_ttl 2 - all packets will be discarded'.replace('warning: ', ''),
    '10: Configuration error: VRRP instance[VI_1] and unicast peer address[fe80::1] MUST be of the same family !!! Skipping...',
    '11: (VI_1) 10.0.0.5 - duplicate unicast_peer',
    '12: (VI_1) 10.0.0.6 - unknown unicast_peer option hops',
    '13: (VI_1) 10.0.0.7 - max_ttl is missing a value',
  ]);
  const i = only(r.config);
  assert.equal(i.unicast, true);
  assert.equal(i.unicast_ttl, 7);
  assert.equal(i.unicast_src_ip, '10.0.0.9');
  assert.equal(i.check_unicast_src, true, 'a TTL range turns on check_unicast_src');
  assert.equal(i.mcast_dst_ip, undefined);
  assert.deepEqual(
    i.unicast_peer.map((p) => [p.address, p.min_ttl, p.max_ttl]),
    [
      ['10.0.0.5', 3, 2],
      ['10.0.0.6', undefined, undefined],
      ['10.0.0.7', undefined, undefined],
    ],
  );
  assert.equal(only(load(instance('  unicast_peer {\n    10.0.0.5\n  }')).config).unicast_ttl, 255);
});

test('unicast keywords without peers: multicast (deprecated) and unicast_ttl reset', () => {
  const r = load(instance('  unicast_ttl 5\n  check_unicast_src'));
  assert.deepEqual(lines(r.diagnostics), [
    '7: (VI_1): Cannot use unicast_ttl without unicast peers - resetting',
    '1: (VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.',
  ]);
  assert.equal(only(r.config).unicast, false);
  assert.equal(only(r.config).unicast_ttl, undefined);
});

test('unicast without interface needs a source address', () => {
  const r = load('vrrp_instance U {\n  virtual_router_id 3\n  unicast_peer {\n    10.1.1.1\n  }\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n');
  assert.deepEqual(lines(r.diagnostics), ['1: (U): Unicast instances must have unicast_src_ip or interface']);
  const m = load('vrrp_instance M {\n  virtual_router_id 3\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n');
  assert.deepEqual(lines(m.diagnostics), ['1: (M) Unknown interface!']);
});

test('mcast_src_ip / mcast_dst_ip: family and multicast checks', () => {
  const r = load(instance('  mcast_src_ip 10.1.2.3\n  mcast_dst_ip 10.0.0.1\n  mcast_dst_ip ff02::5\n  mcast_src_ip nonsense'));
  assert.deepEqual(lines(r.diagnostics), [
    '8: (VI_1) mcast_dst_ip 10.0.0.1 not multicast. Skipping...',
    '9: (VI_1) mcast dest address ff02::5 MUST match VRRP instance family. Skipping...',
    '10: Configuration error: VRRP instance[VI_1] malformed src address[nonsense]. Skipping...',
  ]);
  const i = only(load(instance('  mcast_dst_ip 224.0.0.99')).config);
  assert.equal(i.mcast_dst_ip, '224.0.0.99');
});

test('virtual_ipaddress: one family; eVIPs may mix; duplicates reported', () => {
  const r = load(instance('  virtual_ipaddress {\n    fe80::2\n    10.0.0.1\n  }\n  virtual_ipaddress_excluded {\n    2001:db8::1\n    10.0.0.1\n  }'));
  assert.deepEqual(lines(r.diagnostics), [
    '8: (VI_1): address family must match VRRP instance [fe80::2] - ignoring',
    '9: (VI_1): VIP duplicates a VIP 10.0.0.1 - ignoring',
    '13: (VI_1): Excluded VIP duplicates a VIP 10.0.0.1 - ignoring',
  ]);
  const i = only(r.config);
  assert.deepEqual(i.virtual_ipaddress.map((v) => `${v.address}/${v.prefixlen}`), ['10.0.0.1/24']);
  assert.deepEqual(i.virtual_ipaddress_excluded.map((v) => v.address), ['2001:db8::1']);
});

test('no VIPs: a warning for VRRPv2, an error for VRRPv3; no_virtual_ipaddress silences it', () => {
  const noVip = (extra: string) => `vrrp_instance N {\n  interface eth0\n  virtual_router_id 9\n${extra}}\n`;
  assert.deepEqual(lines(load(noVip('')).diagnostics), ['1: (N) No VIP specified; at least one is sensible']);
  assert.equal(load(noVip('')).diagnostics[0]!.severity, 'warning');
  assert.deepEqual(lines(load(noVip('  version 3\n')).diagnostics), ['1: (N) No VIP specified; at least one is required']);
  assert.deepEqual(lines(load(noVip('  no_virtual_ipaddress\n')).diagnostics), []);
});

test('notify scripts: a second word is the user, quotes group arguments, second script ignored', () => {
  const r = load(instance('  notify_master /path/x.sh arg\n  notify_backup "/path/y.sh BACKUP now" root wheel\n  notify_master /other.sh\n  notify_deleted\n  notify "/n.sh a"'));
  assert.deepEqual(lines(r.diagnostics), ['9: (VI_1) notify_master script already specified - ignoring /other.sh']);
  const i = only(r.config);
  assert.deepEqual(i.notify_master?.args, ['/path/x.sh']);
  assert.equal(i.notify_master?.user, 'arg');
  assert.deepEqual(i.notify_backup?.args, ['/path/y.sh', 'BACKUP', 'now']);
  assert.equal(i.notify_backup?.user, 'root');
  assert.equal(i.notify_backup?.group, 'wheel');
  assert.equal(i.notify_deleted, true);
  assert.equal(i.notify_deleted_script, undefined);
  assert.deepEqual(i.notify?.args, ['/n.sh', 'a']);
});

test('smtp_alert and notify_priority_changes: keyword, then global defaults', () => {
  let i = only(load(instance('  smtp_alert\n  notify_priority_changes')).config);
  assert.equal(i.smtp_alert, true);
  assert.equal(i.notify_priority_changes, true);
  i = only(load('global_defs {\n  smtp_alert_vrrp true\n  vrrp_notify_priority_changes true\n}\n' + instance('')).config);
  assert.equal(i.smtp_alert, true);
  assert.equal(i.notify_priority_changes, true);
  i = only(load('global_defs {\n  smtp_alert true\n}\n' + instance('  smtp_alert off')).config);
  assert.equal(i.smtp_alert, false);
  assert.deepEqual(lines(load(instance('  smtp_alert maybe')).diagnostics), ['7: Invalid vrrp_instance smtp_alert parameter maybe']);
});

test('garp settings: instance values, global_defs defaults, repeat 0 means 1', () => {
  let r = load(instance('  garp_master_delay 10\n  garp_master_repeat 0\n  garp_master_refresh 60\n  garp_master_refresh_repeat 2\n  garp_lower_prio_delay 3\n  garp_lower_prio_repeat 4'));
  assert.deepEqual(lines(r.diagnostics), ['8: (VI_1): garp_master_repeat must be greater than 0, setting to 1']);
  const i = only(r.config);
  assert.deepEqual(
    [i.garp_master_delay, i.garp_master_repeat, i.garp_master_refresh, i.garp_master_refresh_repeat, i.garp_lower_prio_delay, i.garp_lower_prio_repeat],
    [10, 1, 60, 2, 3, 4],
  );
  r = load('global_defs {\n  vrrp_garp_master_delay 7\n  vrrp_garp_master_repeat 2\n}\n' + instance(''));
  const g = only(r.config);
  // The lower-priority settings default to the master ones.
  assert.deepEqual([g.garp_master_delay, g.garp_master_repeat, g.garp_lower_prio_delay, g.garp_lower_prio_repeat], [7, 2, 7, 2]);
  assert.deepEqual(lines(load(instance('  garp_master_delay x')).diagnostics), ["7: (VI_1): garp_master_delay 'x' invalid - ignoring"]);
});

test('flags and small values', () => {
  const i = only(
    load(
      instance(
        '  dont_track_primary\n  track_src_ip\n  mcast_src_ip 10.0.0.2\n  skip_check_adv_addr\n  lower_prio_no_advert\n  higher_prio_send_advert on\n  kernel_rx_buf_size 65536\n  debug 2\n  down_timer_adverts 10\n  promote_secondaries\n  v3_checksum_as_v2\n  no_accept',
      ),
    ).config,
  );
  assert.equal(i.dont_track_primary, true);
  assert.equal(i.track_src_ip, true);
  assert.equal(i.skip_check_adv_addr, true);
  assert.equal(i.lower_prio_no_advert, true);
  assert.equal(i.higher_prio_send_advert, true);
  assert.equal(i.kernel_rx_buf_size, 65536);
  assert.equal(i.debug, 2);
  assert.equal(i.down_timer_adverts, 10);
  assert.equal(i.promote_secondaries, true);
  assert.equal(i.v3_checksum_as_v2, true);
  assert.equal(i.accept, false);
  // track_src_ip needs a configured source address.
  assert.equal(only(load(instance('  track_src_ip')).config).track_src_ip, false);
  assert.deepEqual(lines(load(instance('  debug 9')).diagnostics), ["7: (VI_1) Debug value '9' not valid; must be between 0-4"]);
  assert.deepEqual(lines(load(instance('  down_timer_adverts 0')).diagnostics), ["7: (VI_1): Invalid down_timer_adverts [1:100] '0'"]);
});

test('use_vmac, vmac_xmit_base, use_ipvlan', () => {
  let r = load(instance('  use_vmac vrrp.51 02:00:00:00:00:01 netlink_notify_msg'));
  assert.deepEqual(lines(r.diagnostics), []);
  assert.deepEqual({ ...only(r.config).use_vmac, pos: undefined }, { name: 'vrrp.51', mac: '02:00:00:00:00:01', netlink_notify_msg: true, pos: undefined });
  r = load(instance('  use_vmac 01:00:5e:00:00:01\n  use_vmac 00:00:5e:00:01:33'));
  assert.deepEqual(lines(r.diagnostics), ['7: VMAC MAC address is multicast 01:00:5e:00:00:01 - ignoring', '8: VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01:33) - ignoring']);
  r = load(instance('  vmac_xmit_base'));
  assert.deepEqual(lines(r.diagnostics), ['1: (VI_1) vmac_xmit_base is only valid with a vmac']);
  r = load(instance('  use_ipvlan'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']);
  r = load(instance('  use_ipvlan ipv1 10.0.0.3/24 private'));
  assert.deepEqual({ ...only(r.config).use_ipvlan, pos: undefined }, { name: 'ipv1', address: '10.0.0.3/24', mode: 'private', pos: undefined });
});

test('timer_expired_backup needs nopreempt', () => {
  let r = load(instance('  timer_expired_backup 200'));
  assert.deepEqual(lines(r.diagnostics), ['7: (VI_1) expired_timer_backup requires nopreempt - resetting']);
  r = load(instance('  nopreempt\n  timer_expired_backup'));
  assert.equal(only(r.config).timer_expired_backup, 254);
});

test('instance names: missing, duplicate; unknown keywords reported', () => {
  const r = load(`vrrp_instance {\n}\n${instance('  bogus_keyword 1')}${instance('', 'VI_1', 52)}`);
  assert.deepEqual(lines(r.diagnostics), ['1: vrrp_instance must have a name', "9: Unknown keyword 'bogus_keyword'", '11: vrrp instance VI_1 already defined']);
  assert.equal(r.config.vrrp_instance.length, 1);
});

test('two instances with the same VRID on one interface and family', () => {
  const r = load(instance('', 'VI_1', 30) + instance('', 'VI_2', 30) + instance('  virtual_ipaddress {\n    fe80::1\n  }', 'VI_3', 30).replace(/ {4}10\.0\.0\.1\/24\n/, ''));
  // keepalived -t 2.2.7: "VI_1 and VI_2 both use VRID 30 with IPv4 on interface eth0"; VI_3 is IPv6.
  assert.deepEqual(lines(r.diagnostics), ['11: VI_1 and VI_2 both use VRID 30 with IPv4 on interface eth0']);
});

test('unicast instances with the same VRID, source and a common peer conflict', () => {
  const u = (name: string, peer: string) => instance(`  unicast_src_ip 10.0.0.9\n  unicast_peer {\n    ${peer}\n  }`, name, 40);
  assert.deepEqual(lines(load(u('A', '10.0.0.5') + u('B', '10.0.0.6')).diagnostics), []);
  assert.deepEqual(lines(load(u('A', '10.0.0.5') + u('B', '10.0.0.5')).diagnostics), ['14: (A) duplicate VRID conflict with B VRID 40']);
});

test('the loaded model is frozen', () => {
  const i = only(load(instance('')).config);
  assert.throws(() => {
    (i as { priority: number }).priority = 1;
  });
});
