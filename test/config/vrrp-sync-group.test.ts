/**
 * vrrp_sync_group: members, tracking, notify and the checks of Keepalived's
 * vrrp_sync_set_group() / vrrp_complete_init() (wording from vrrp_sync.c and vrrp.c; the
 * membership messages are also what keepalived -t 2.2.7 prints for the same text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instance, lines, load, only } from './vrrp-instance-helpers.js';

const two = instance('', 'VI_1', 1) + instance('', 'VI_2', 2);

test('a group of two instances; members point back at it', () => {
  const r = load(`vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_master "/x.sh up"\n  smtp_alert\n}\n${two}`);
  assert.deepEqual(lines(r.diagnostics), []);
  const g = r.config.vrrp_sync_group[0]!;
  assert.deepEqual(g.group, ['VI_1', 'VI_2']);
  assert.deepEqual(g.notify_master?.args, ['/x.sh', 'up']);
  assert.equal(g.smtp_alert, true);
  assert.equal(g.sync_group_tracking_weight, false);
  assert.equal(only(r.config, 'VI_1').sync_group, 'G');
  assert.equal(only(r.config, 'VI_2').sync_group, 'G');
});

test('unknown member, member of two groups, one-member group, empty group', () => {
  const r = load(`vrrp_sync_group G1 {\n  group {\n    VI_1 VI_X\n  }\n}\nvrrp_sync_group G2 {\n  group {\n    VI_1\n  }\n}\n${instance('', 'VI_1', 1)}`);
  assert.deepEqual(lines(r.diagnostics), [
    "3: Virtual router VI_X specified in sync group G1 doesn't exist - ignoring",
    "1: Sync group G1 has only 1 virtual router(s) - this probably isn't what you want",
    '8: Virtual router VI_1 cannot exist in more than one sync group; ignoring G2',
    '6: Sync group G2, no matching virtual router found in group declaration - removing',
  ]);
  assert.deepEqual(
    r.config.vrrp_sync_group.map((g) => g.name),
    ['G1'],
  );
  const e = load(`vrrp_sync_group E {\n  group {\n  }\n}\n${two}`);
  assert.deepEqual(lines(e.diagnostics), ['3: Warning - sync group E has empty group block', '1: Sync group E has no virtual router(s). removing']);
  assert.equal(e.config.vrrp_sync_group.length, 0);
});

test('duplicate group name and missing name', () => {
  const r = load(`vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n}\nvrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\nvrrp_sync_group {\n}\n${two}`);
  assert.deepEqual(lines(r.diagnostics), ['6: vrrp sync group G already defined', '11: vrrp_sync_group must have a name - skipping']);
});

test('weights of tracked objects of members are ignored unless sync_group_tracking_weight', () => {
  const script = 'vrrp_script chk {\n  script x\n  weight 10\n}\n';
  const member = instance('  track_script {\n    chk\n  }\n  track_interface {\n    eth1 weight 5\n  }', 'VI_1', 1);
  const group = (extra: string) => `vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n${extra}}\n`;
  let r = load(script + group('') + member + instance('', 'VI_2', 2));
  assert.deepEqual(lines(r.diagnostics), [
    '20: (VI_1) ignoring eth1 tracked interface weight due to SYNC group',
    '17: (VI_1) ignoring tracked script chk with weights due to SYNC group',
  ]);
  const i = only(r.config, 'VI_1');
  assert.deepEqual(i.track_script, []);
  assert.equal(i.track_interface[0]!.weight, 0);

  r = load(script + group('  sync_group_tracking_weight\n') + member + instance('', 'VI_2', 2));
  assert.deepEqual(lines(r.diagnostics), []);
  assert.equal(only(r.config, 'VI_1').track_script[0]!.weight, 10);
  assert.equal(only(r.config, 'VI_1').track_interface[0]!.weight, 5);

  r = load(script + group('  global_tracking\n') + member + instance('', 'VI_2', 2));
  assert.deepEqual(lines(r.diagnostics), ['9: (G) global_tracking is deprecated. Use track_interface/script/file on the sync group']);
  assert.equal(r.config.vrrp_sync_group[0]!.sync_group_tracking_weight, true);
});

test('group tracking: scripts resolved, weight kept; cleared when a member is address owner', () => {
  const text = (prio: string) =>
    `vrrp_script chk {\n  script x\n}\nvrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n  track_script {\n    chk weight 20\n    gone\n  }\n  track_interface {\n    eth3 weight -5 reverse\n  }\n}\n${instance(prio, 'VI_1', 1)}${instance('', 'VI_2', 2)}`;
  let r = load(text(''));
  assert.deepEqual(lines(r.diagnostics), ['10: (G) track script gone not found, ignoring...']);
  const g = r.config.vrrp_sync_group[0]!;
  assert.deepEqual(g.track_script.map((t) => [t.name, t.weight]), [['chk', 20]]);
  assert.deepEqual(g.track_interface.map((t) => [t.name, t.weight, t.reverse]), [['eth3', -5, true]]);
  r = load(text('  priority 255'));
  assert.deepEqual(lines(r.diagnostics).slice(1), [
    "9: (G) Cannot have weighted track script 'chk' with member having priority 255 - clearing weight",
    "13: (G) Cannot have weighted track interface 'eth3' with member having priority 255 - clearing weight",
  ]);
  assert.equal(r.config.vrrp_sync_group[0]!.track_script[0]!.weight, 0);
});

test('a group starts as MASTER only if every member can', () => {
  const r = load(`vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n}\n${instance('  state MASTER', 'VI_1', 1)}${instance('  state MASTER\n  priority 200', 'VI_2', 2)}`);
  assert.equal(only(r.config, 'VI_1').state, 'BACKUP');
  assert.equal(only(r.config, 'VI_2').state, 'BACKUP');
  const all = load(`vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n}\n${instance('  state MASTER', 'VI_1', 1)}${instance('  state MASTER', 'VI_2', 2)}`);
  assert.equal(only(all.config, 'VI_1').state, 'MASTER');
  assert.equal(only(all.config, 'VI_2').state, 'MASTER');
});

test('notify_priority_changes and smtp_alert: members inherit the group; invalid values', () => {
  const r = load(`global_defs {\n  smtp_alert on\n}\nvrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n  notify_priority_changes\n  notify_priority_changes maybe\n  notify_fault /f.sh\n  notify_fault /g.sh\n}\n${two}`);
  assert.deepEqual(lines(r.diagnostics), [
    "9: (G) Invalid value 'maybe' for sync group notify_priority_changes specified",
    '11: vrrp group G: notify_fault script already specified - ignoring /g.sh',
  ]);
  assert.equal(only(r.config, 'VI_1').notify_priority_changes, true);
  assert.equal(r.config.vrrp_sync_group[0]!.smtp_alert, true, 'from global smtp_alert');
  assert.deepEqual(r.config.vrrp_sync_group[0]!.notify_fault?.args, ['/f.sh']);
});

test('unknown keyword in a sync group', () => {
  const r = load(`vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n  priority 3\n}\n${two}`);
  assert.deepEqual(lines(r.diagnostics), ["5: Unknown keyword 'priority'"]);
});
