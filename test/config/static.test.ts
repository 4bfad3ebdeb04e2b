/**
 * static_ipaddress / static_routes / static_rules, track_group and garp_group, and Keepalived's
 * samples: every line `keepalived -t` (2.2.7) reports for these constructs, at the same line.
 * (Its "interface ... doesn't exist" reports depend on the host and are not the model's.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { memoryConfigFs } from '../../src/config/fs.js';
import { SAMPLES } from '../paths.js';
import { loadConfig } from '../../src/config/load.js';


function load(text: string) {
  const { config, diagnostics } = loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
  return { config, diags: diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.severity}: ${d.message}`) };
}

function sample(name: string) {
  const { config, diagnostics } = loadConfig(path.join(SAMPLES, name), { configId: 'x' });
  return { config, diags: diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.message}`) };
}

const mine = /preference|route|Route|IP |address|track_group|track group/;

test('sample vrrp.rules: invalid addresses at lines 11 and 26, as keepalived -t', () => {
  const { config, diags } = sample('keepalived.conf.vrrp.rules');
  assert.deepEqual(diags.filter((d) => mine.test(d)), [
    '10 Rule has no preference specified - setting to 16384. This is probably not what you want.',
    '11 VRRP parsed invalid IP 192.168.100./24. skipping IP...',
    '11 Invalid rule to address 192.168.100./24',
    '25 Rule has no preference specified - setting to 16383. This is probably not what you want.',
    '26 VRRP parsed invalid IP 192.168.200./24. skipping IP...',
    '26 Invalid rule to address 192.168.200./24',
  ]);
  assert.deepEqual(config.static_rules.map((r) => [r.pos.line, r.preference]), [[10, 16384]]);
});

test('sample vrrp.routes: loads with its deprecated or/gw and their warnings', () => {
  const { config, diags } = sample('keepalived.conf.vrrp.routes');
  assert.deepEqual(diags.filter((d) => mine.test(d)), [
    '29 Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking',
    '30 "or" for routes is deprecated. Please use "nexthop"',
    '30 Warning - cannot track route 192.168.113.0/24 with no interface specified, not tracking',
    '31 Warning - cannot track route 192.168.113.1/32 with no interface specified, not tracking',
    '32 "gw" for routes is deprecated. Please use "via"',
    '32 Warning - cannot track route 0.0.0.0/0 with no interface specified, not tracking',
  ]);
  const r = config.static_routes;
  assert.deepEqual(r.map((x) => x.pos.line), [8, 9, 10, 11, 12]);
  assert.deepEqual([r[0]!.src, r[0]!.to.address, r[0]!.via, r[0]!.dev], ['192.168.100.1', '192.168.209.0', '192.168.200.254', 'eth0']);
  assert.deepEqual([r[3]!.scope, r[4]!.scope], [200, 253]);
});

test('samples static_ipaddress and track_interface load their static lines', () => {
  const a = sample('keepalived.conf.vrrp.static_ipaddress');
  assert.deepEqual(a.diags.filter((d) => mine.test(d)), [
    '25 Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking',
  ]);
  assert.ok(a.config.static_ipaddress.length > 0);
  assert.ok(a.config.static_ipaddress.every((x) => x.dev !== undefined && x.pos.line > 0));
  const t = sample('keepalived.conf.track_interface');
  assert.deepEqual(t.diags.filter((d) => mine.test(d)), [
    '31 Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking',
  ]);
  assert.ok(t.config.static_routes.length > 0);
});

test('track_group: members, and the static lines that name it', () => {
  const { config, diags } = load(`track_group G1 {
  group {
    VI_1
  }
}
track_group G1 {
  group { VI_1 }
}
track_group {
}
track_group EMPTY {
}
static_ipaddress {
  10.0.0.1/24 dev eth0 track_group G1
  10.0.0.2/24 dev eth0 track_group NOPE
  10.0.0.3/24 dev eth0 track_group G1 no_track
  10.0.0.4/24 dev eth0 track_group G1 track_group G2
}
static_routes {
  10.1.0.0/16 dev eth0 track_group G1
  10.2.0.0/16 via 10.0.0.1 track_group G1
}
static_rules {
  from 10.0.0.0/8 table 5 preference 3 iif eth0 track_group G1
  from 10.0.0.0/8 table 5 preference 4 track_group G1
}
vrrp_instance VI_1 {
}
`);
  assert.deepEqual(diags.filter((d) => !/VI_1|vrrp_instance|virtual_router_id/.test(d)), [
    '6 error: track_group G1 already defined',
    '9 error: track_group must have a name - skipping',
    '12 error: Static track group EMPTY has no members - removing',
    '17 warning: track_group G2 is a duplicate',
    '21 warning: Warning - cannot track route 10.2.0.0/16 with no interface specified, not tracking',
    '15 warning: track_group NOPE not found',
    '16 warning: Static address has both track_group and no_track set - not tracking',
    '21 warning: Static route cannot have track group if no oif specified',
    '25 warning: Static rule cannot have track_group if dev/iif not specified',
  ]);
  assert.deepEqual(config.track_group, [{ name: 'G1', pos: { file: '/etc/k.conf', line: 1 }, group: ['VI_1'] }]);
  assert.deepEqual(config.static_ipaddress.map((a) => a.track_group), ['G1', undefined, undefined, 'G1']);
  assert.deepEqual(config.static_routes.map((a) => a.track_group), ['G1', undefined]);
  assert.deepEqual(config.static_rules.map((a) => a.track_group), ['G1', undefined]);
});

test('static lines refuse VIP-only use_vmac; a block inside is reported', () => {
  const { diags } = load('static_ipaddress {\n  10.0.0.1 dev eth0 use_vmac\n}\n');
  assert.deepEqual(diags, ["2 warning: Unknown configuration entry 'use_vmac' for ip address - ignoring"]);
});

test('garp_group', () => {
  const { config, diags } = load(`garp_group {
  garp_interval 0.001
  gna_interval 1.5
  interface eth0
}
garp_group {
  garp_interval x
  interfaces {
    eth1 eth0
    eth2
  }
}
garp_group {
  gna_interval 0.000002
  interfaces {
  }
}
`);
  assert.deepEqual(diags, [
    '3 warning: The gna_interval is very large - 1.5 seconds',
    "7 error: garp_group garp_interval 'x' invalid",
    '8 warning: garp_group already specified for eth0 - ignoring',
    '12 error: garp group 2 does not have any delay set - removing',
    '15 warning: Warning - empty garp_group interfaces block',
  ]);
  assert.equal(config.garp_group.length, 2);
  assert.deepEqual({ ...config.garp_group[0]!, pos: undefined }, {
    pos: undefined, garp_interval: 0.001, gna_interval: 1.5, interface: 'eth0', interfaces: [],
  });
  assert.equal(config.garp_group[1]!.gna_interval, 0.000002);
});
