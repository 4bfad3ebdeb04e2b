/**
 * A tracked vrrp_script before its first result, through the driver and the notifier's filter:
 * weight 0 holds the instance in FAULT without a notification until the script returns; a
 * weighted one moves no priority; a reload keeps the last result; a disabled script holds nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { RouterAction } from '../../src/vrrp/router.js';

const S = 1_000_000;

function conf(weight: number, extraScript = '') {
  return `
vrrp_script chk { script "/bin/true"
  interval 1
  weight ${weight} }
${extraScript}
vrrp_instance VI_1 { state BACKUP
  interface eth0
  virtual_router_id 7
  priority 100
  virtual_ipaddress { 10.1.0.100/24 }
  track_script { chk${extraScript ? '\n    chk2' : ''} } }`;
}

function node(text: string) {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const config = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;
  const links = new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]);
  const net = new FakeNet();
  const actions: RouterAction[] = [];
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), links, net, announcer: new FakeAnnouncer(),
    openSocket: lan.socketsFor('a', () => ['10.1.0.1']),
    onAction: (a) => actions.push(a),
  });
  const state = () => driver.routerState().instances.get('VI_1')!;
  const transitions = () => actions.flatMap((a) => (a.kind === 'transition' ? [`${a.to}${a.silent ? ' (silent)' : ''}`] : []));
  return { clock, driver, state, transitions, load: (t: string) => loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': t }), configId: 'x' }).config };
}

test('weight 0: FAULT without notification until the first result; success brings BACKUP, then MASTER', async () => {
  const n = node(conf(0));
  await n.driver.start();
  n.clock.advance(10 * S);
  assert.equal(n.state().state, 'FAULT');
  assert.deepEqual(n.transitions(), ['FAULT (silent)']);
  n.driver.setTracked('script', 'chk', { up: true });
  assert.equal(n.state().state, 'BACKUP');
  n.clock.advance(5 * S);
  assert.equal(n.state().state, 'MASTER');
  await n.driver.stop();
});

test('weight 0: a first result that fails turns the silent FAULT into a notified one', async () => {
  const n = node(conf(0));
  await n.driver.start();
  n.driver.setTracked('script', 'chk', { up: false });
  assert.equal(n.state().state, 'FAULT');
  assert.deepEqual(n.transitions(), ['FAULT (silent)', 'FAULT']);
  await n.driver.stop();
});

test('weighted: no priority change until the first result, which then counts (+20 on success)', async () => {
  const n = node(conf(20));
  await n.driver.start();
  assert.equal(n.state().state, 'BACKUP');
  assert.equal(n.state().effectivePriority, 100);
  n.driver.setTracked('script', 'chk', { up: true });
  assert.equal(n.state().effectivePriority, 120);
  await n.driver.stop();
});

test('a reload keeps a script\'s last result; a script the reload adds holds nothing (INIT_RELOAD)', async () => {
  const n = node(conf(0));
  await n.driver.start();
  n.driver.setTracked('script', 'chk', { up: true });
  n.clock.advance(5 * S);
  assert.equal(n.state().state, 'MASTER');
  await n.driver.reload(n.load(conf(0, 'vrrp_script chk2 { script "/bin/true"\n  weight 0 }')));
  n.clock.advance(2 * S);
  assert.equal(n.state().state, 'MASTER');
  assert.ok(!n.transitions().includes('FAULT (silent)') || n.transitions().indexOf('FAULT (silent)') === 0);
  assert.equal(n.transitions().filter((t) => t.startsWith('FAULT')).length, 1);
  await n.driver.stop();
});

test('a script disabled before the driver starts (security, missing) holds nothing', async () => {
  const n = node(conf(0));
  n.driver.setTracked('script', 'chk', { ignored: true });
  await n.driver.start();
  assert.equal(n.state().state, 'BACKUP');
  assert.deepEqual(n.transitions(), ['BACKUP']);
  await n.driver.stop();
});
