/**
 * Keepalived behaviours beyond the RFC that the engine mirrors: two address owners on one segment
 * (vrrp_state_master_rx), owner_ignore_adverts, unicast_fault_no_peer and vrrp_startup_delay.
 * The scripted cases owner-conflict.txt, owner-rogue.txt and startup-delay.txt show the timelines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { simInstance } from '../../src/sim/build.js';
import { Segment } from '../../src/sim/segment.js';
import { instanceParams, routerParams } from '../../src/vrrp/from-config.js';
import { US_PER_SECOND as S } from '../../src/vrrp/types.js';

const conf = (text: string) => loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;

test('RFC 5798 6.4.3 (two owners, Keepalived): of two routers at 255, the one with the lower primary address reverts to BACKUP', () => {
  const seg = new Segment({ delayUs: 100 });
  seg.addNode({ name: 'A', instances: [simInstance({ primaryAddress: '10.0.0.1', basePriority: 255 })] });
  seg.addNode({ name: 'B', instances: [simInstance({ primaryAddress: '10.0.0.2', basePriority: 255 })] });
  seg.run(20 * S);
  assert.deepEqual(seg.masters(51), ['B']);
  assert.equal(seg.routerState('B').instances.get('VI_1')!.effectivePriority, 255, 'the survivor keeps 255');
  const logs = seg.timeline.filter((e) => e.action.kind === 'log').map((e) => (e.action as { message: string }).message);
  assert.ok(logs.some((m) => m.includes('CONFIGURATION ERROR: local instance and 10.0.0.2 are both configured as address owner')), logs.join('\n'));
  assert.ok(logs.some((m) => m.includes('rogue address owner appears to have stopped advertising')), logs.join('\n'));
});

test('Keepalived rogue owner: an owner that keeps advertising after our two adverts makes us back off to 254', () => {
  const seg = new Segment({ delayUs: 100 });
  seg.addNode({ name: 'A', instances: [simInstance({ primaryAddress: '10.0.0.1', basePriority: 255, ownerIgnoreAdverts: true })] });
  seg.addNode({ name: 'B', instances: [simInstance({ primaryAddress: '10.0.0.2', basePriority: 255 })] });
  seg.run(20 * S);
  assert.deepEqual(seg.masters(51), ['A'], 'one master, not two');
  assert.equal(seg.routerState('B').instances.get('VI_1')!.effectivePriority, 254);
  // owner_ignore_adverts: an owner at 255 drops adverts before they count.
  assert.equal(seg.routerState('A').instances.get('VI_1')!.stats.advert_rcvd, 0);
  assert.ok(seg.routerState('B').instances.get('VI_1')!.stats.advert_rcvd > 10);
  // The rogue gone (kill -9), B is master again after Master_Down_Interval, back at 255.
  seg.crash('A');
  seg.run(5 * S);
  assert.deepEqual(seg.masters(51), ['B']);
  assert.equal(seg.routerState('B').instances.get('VI_1')!.effectivePriority, 255);
});

test('owner_ignore_adverts: the global default reaches address owners only (vrrp_complete_instance)', () => {
  const c = conf(`global_defs { vrrp_owner_ignore_adverts }
vrrp_instance O { interface eth0
  virtual_router_id 1
  priority 255
  virtual_ipaddress { 10.0.0.100 } }
vrrp_instance N { interface eth0
  virtual_router_id 2
  priority 100
  virtual_ipaddress { 10.0.0.101 } }`);
  assert.equal(instanceParams(c.vrrp_instance[0]!, '10.0.0.1').ownerIgnoreAdverts, true);
  assert.equal(instanceParams(c.vrrp_instance[1]!, '10.0.0.1').ownerIgnoreAdverts, false);
});

test('unicast_fault_no_peer: a unicast instance without peers is in FAULT for good; without the keyword it falls back to multicast', () => {
  const text = (flag: string) => `vrrp_instance VI_1 { interface eth0
  virtual_router_id 51
  priority 150
  unicast_src_ip 10.0.0.1
  ${flag}
  virtual_ipaddress { 10.0.0.100 } }`;
  const faulty = instanceParams(conf(text('unicast_fault_no_peer')).vrrp_instance[0]!, '10.0.0.1');
  assert.match(faulty.configFault ?? '', /without any peers/);
  const withPeer = conf(text('unicast_fault_no_peer\n  unicast_peer { 10.0.0.2 }')).vrrp_instance[0]!;
  assert.equal(instanceParams(withPeer, '10.0.0.1').configFault, undefined);
  assert.equal(instanceParams(conf(text('check_unicast_src')).vrrp_instance[0]!, '10.0.0.1').configFault, undefined);

  const seg = new Segment({ delayUs: 100 });
  seg.addNode({ name: 'A', instances: [{ ...simInstance({ primaryAddress: '10.0.0.1', basePriority: 150 }), configFault: faulty.configFault! }] });
  seg.addNode({ name: 'B', instances: [simInstance({ primaryAddress: '10.0.0.2', basePriority: 100 })] });
  assert.equal(seg.stateOf('A', 'VI_1'), 'FAULT');
  seg.setInterface('A', false);
  seg.setInterface('A', true);
  seg.tracking('A', 'VI_1', 0, false);
  seg.run(20 * S);
  assert.equal(seg.stateOf('A', 'VI_1'), 'FAULT', 'nothing brings it out of FAULT');
  assert.deepEqual(seg.masters(51), ['B']);
  assert.ok(!seg.timeline.some((e) => e.node === 'A' && e.action.kind === 'send_advert'));
});

test('vrrp_startup_delay: no instance leaves BACKUP, nor hears adverts, before the delay has passed', () => {
  const seg = new Segment({ delayUs: 100 });
  seg.addNode({ name: 'B', instances: [simInstance({ primaryAddress: '10.0.0.2', basePriority: 100 })] });
  seg.run(10 * S);
  // An owner would take over at once; with the delay it waits (then 1 us more).
  seg.addNode({ name: 'A', instances: [simInstance({ primaryAddress: '10.0.0.1', basePriority: 255 })], startupDelayUs: 5 * S });
  seg.run(5 * S);
  assert.equal(seg.stateOf('A', 'VI_1'), 'BACKUP');
  assert.equal(seg.routerState('A').instances.get('VI_1')!.stats.advert_rcvd, 0, 'adverts during the delay are dropped');
  seg.run(1);
  assert.equal(seg.stateOf('A', 'VI_1'), 'MASTER');
  assert.equal(seg.lastTransition('A', 'VI_1', 'MASTER'), 15 * S + 1);
});

test('vrrp_startup_delay: global_defs seconds become the router\'s start-up delay', () => {
  const c = conf(`global_defs { vrrp_startup_delay 5.5 }
vrrp_instance VI_1 { interface eth0
  virtual_router_id 51
  virtual_ipaddress { 10.0.0.100 } }`);
  assert.equal(routerParams(c, () => '10.0.0.1').params.startupDelayUs, 5.5 * S);
});
