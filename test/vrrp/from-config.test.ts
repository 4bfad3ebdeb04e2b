/**
 * The seeds' keepalived.conf files driving the engine: configuration in, failover out, through
 * the same mapping the daemon uses.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { Segment } from '../../src/sim/segment.js';
import { instanceParams, receiveParams, routerParams } from '../../src/vrrp/from-config.js';
import { AUTH_PASS } from '../../src/vrrp/packet.js';
import { US_PER_SECOND as S } from '../../src/vrrp/types.js';

const seeds = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/seeds');
const load = (name: string) => loadConfig(path.join(seeds, name), { configId: 'x' }).config;

test('seed 000: keywords become engine parameters (priority, interval, PASS, garp defaults)', () => {
  const inst = load('000-lvs-server1.conf').vrrp_instance[0]!;
  const p = instanceParams(inst, '192.168.100.10');
  assert.equal(p.vrid, 51);
  assert.equal(p.basePriority, 150);
  assert.equal(p.advertIntervalUs, S);
  assert.equal(p.initialMaster, true);
  assert.deepEqual(p.garp, { delayUs: 5 * S, repeat: 5, refreshUs: 0, refreshRepeat: 1, lowerPrioDelayUs: 5 * S, lowerPrioRepeat: 5 });
  const r = receiveParams(inst);
  assert.equal(r.authType, AUTH_PASS);
  assert.equal(Buffer.from(r.authData!).toString('latin1'), '1111\0\0\0\0');
  assert.deepEqual(r.addresses, ['192.168.100.14']);
});

test('seed 004: garp_master_refresh 10 with repeat 2', () => {
  const p = instanceParams(load('004-keepalived.conf').vrrp_instance[0]!, '192.168.88.8');
  assert.equal(p.garp.refreshUs, 10 * S);
  assert.equal(p.garp.refreshRepeat, 2);
});

test('seed 002: unicast peers become the only accepted sources', () => {
  const r = receiveParams(load('002-proxy101.conf').vrrp_instance[0]!);
  assert.deepEqual(r.unicastPeers, [{ address: '192.168.0.102' }]);
});

test('seed 000 pair on a simulated segment: server1 (150) is master, server2 takes over when it dies', () => {
  const seg = new Segment({ delayUs: 100 });
  for (const [node, file, addr] of [['lvs-server1', '000-lvs-server1.conf', '192.168.100.10'], ['lvs-server2', '000-lvs-server2.conf', '192.168.100.11']] as const) {
    const { params } = routerParams(load(file), () => addr);
    seg.addNode({ name: node, instances: params.instances.map((i) => ({ ...i, addresses: ['192.168.100.14'], authPass: '1111' })) });
  }
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['lvs-server1']);
  seg.crash('lvs-server1');
  seg.run(5 * S);
  assert.deepEqual(seg.masters(51), ['lvs-server2']);
});

test('seed 001 pair: both nopreempt BACKUP, the sync group keeps VI_1 and VI_2 together', () => {
  const seg = new Segment({ delayUs: 100 });
  for (const [node, file, a1, a2] of [['A', '001-serverA.conf', '192.168.1.104', '192.168.1.105'], ['B', '001-serverB.conf', '192.168.1.109', '192.168.1.106']] as const) {
    const { params } = routerParams(load(file), (i) => (i.name === 'VI_1' ? a1 : a2));
    assert.deepEqual(params.groups, [{ name: 'VG1', members: ['VI_1', 'VI_2'] }]);
    seg.addNode({
      name: node,
      groups: params.groups,
      instances: params.instances.map((i) => ({ ...i, link: i.name, addresses: [i.name === 'VI_1' ? '192.168.1.111' : '192.168.1.112'], authPass: i.name === 'VI_1' ? '1111' : '2222' })),
    });
  }
  seg.run(15 * S);
  assert.deepEqual([seg.masters(51), seg.masters(52)], [['A'], ['A']]);
  seg.setInterface('A', false);
  seg.run(10 * S);
  assert.deepEqual([seg.holders(51), seg.holders(52)], [['B'], ['B']]);
  seg.setInterface('A', true);
  seg.run(30 * S);
  assert.deepEqual([seg.masters(51), seg.masters(52)], [['B'], ['B']], 'nopreempt: A does not take it back');
});
