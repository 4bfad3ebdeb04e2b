/**
 * The daemon's VRRP wiring on fake OS parts and a manual clock: real configuration files in,
 * adverts through the real codec on a fake LAN, addresses and ARP announcements out.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { RouterAction } from '../../src/vrrp/router.js';

const S = 1_000_000;
const seeds = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/seeds');
const flush = () => new Promise((r) => setImmediate(r));

function node(clock: ManualClock, lan: FakeLan, file: string, ifname: string, address: string, configText?: string, onAction?: (a: RouterAction) => void) {
  const config = configText
    ? loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': configText }), configId: 'x' }).config
    : loadConfig(path.join(seeds, file), { configId: 'x' }).config;
  const links = new FakeLinks([{ name: ifname, index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: [`${address}/24`], ipv6: [] }]);
  const net = new FakeNet();
  const announcer = new FakeAnnouncer();
  const log = memoryLogger();
  const driver = new VrrpDriver(config, {
    clock, log, links, net, announcer, ...(onAction ? { onAction } : {}),
    openSocket: lan.socketsFor(file + address, () => [address, ...[...(net.held.get(ifname) ?? [])].map((a) => a.split('/')[0]!)]),
  });
  return { driver, links, net, announcer, log };
}

test('seed 000 pair: server1 becomes master, holds the VIP and announces it; server2 takes over when it stops', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, '000-lvs-server1.conf', 'ens32', '192.168.100.10');
  const b = node(clock, lan, '000-lvs-server2.conf', 'ens32', '192.168.100.11');
  await a.driver.start();
  await b.driver.start();
  clock.advance(5 * S);
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  assert.equal(b.driver.routerState().instances.get('VI_1')!.state, 'BACKUP');
  assert.deepEqual([...a.net.held.get('ens32')!], ['192.168.100.14/24']);
  assert.equal(a.announcer.sent.length, 5, 'garp_master_repeat 5 at once');
  assert.deepEqual(a.announcer.prepared, ['ens32/inet'], 'the announcing path is readied at start, not at the first failover');
  assert.ok(a.log.lines.includes('(VI_1) Entering MASTER STATE (no advert received within Master_Down_Interval)'), a.log.lines.join('\n'));
  await a.driver.stop();
  assert.deepEqual([...a.net.held.get('ens32')!], [], 'the stopping master releases the VIP');
  clock.advance(1 * S);
  await flush();
  assert.equal(b.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  assert.deepEqual([...b.net.held.get('ens32')!], ['192.168.100.14/24']);
  await b.driver.stop();
});

test('the instance\'s own interface going down puts it in FAULT and releases the VIP', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, '000-lvs-server1.conf', 'ens32', '192.168.100.10');
  await a.driver.start();
  clock.advance(5 * S);
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  a.links.set('ens32', { up: false });
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'FAULT');
  assert.deepEqual([...a.net.held.get('ens32')!], []);
  a.links.set('ens32', { up: true });
  clock.advance(5 * S);
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  await a.driver.stop();
});

test('a failing vrrp_script with a negative weight hands the VIP to the peer (seed 002 style)', async () => {
  const conf = (prio: number, me: string, peer: string) => `
vrrp_script chk { script "/bin/true"
  interval 1
  weight -20 }
vrrp_instance VI_1 { state BACKUP
  interface eth0
  virtual_router_id 7
  priority ${prio}
  unicast_src_ip ${me}
  unicast_peer { ${peer} }
  virtual_ipaddress { 10.1.0.100/24 }
  track_script { chk } }`;
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, 'a', 'eth0', '10.1.0.1', conf(110, '10.1.0.1', '10.1.0.2'));
  const b = node(clock, lan, 'b', 'eth0', '10.1.0.2', conf(100, '10.1.0.2', '10.1.0.1'));
  await a.driver.start();
  await b.driver.start();
  clock.advance(5 * S);
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  a.driver.setTracked('script', 'chk', { up: false });
  assert.equal(a.driver.routerState().instances.get('VI_1')!.effectivePriority, 90);
  clock.advance(5 * S);
  await flush();
  assert.equal(b.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'BACKUP');
  assert.deepEqual([...b.net.held.get('eth0')!], ['10.1.0.100/24']);
  assert.deepEqual([...a.net.held.get('eth0')!], []);
  await a.driver.stop();
  await b.driver.stop();
});

test('timers that fire late are measured against their deadline', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, '000-lvs-server1.conf', 'ens32', '192.168.100.10');
  await a.driver.start();
  clock.advance(15 * S);
  assert.ok(a.driver.lag.fired >= 9);
  assert.equal(a.driver.lag.maxLateUs, 0, 'a manual clock fires on time');
  await a.driver.stop();
});

test('reload: a master stays master and only the changed addresses move; a removed instance resigns', async () => {
  const conf = (vips: string, extra = '') => `
vrrp_instance VI_1 { state MASTER
  interface eth0
  virtual_router_id 9
  priority 150
  virtual_ipaddress { ${vips} } }
${extra}`;
  const second = `vrrp_instance VI_2 { interface eth0
  virtual_router_id 10
  priority 200
  virtual_ipaddress { 10.1.0.200/24 } }`;
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, 'a', 'eth0', '10.1.0.1', conf('10.1.0.100/24', second));
  await a.driver.start();
  clock.advance(5 * S);
  await flush();
  assert.deepEqual([...a.net.held.get('eth0')!].sort(), ['10.1.0.100/24', '10.1.0.200/24']);
  const next = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': conf('10.1.0.100/24\n 10.1.0.101/24') }), configId: 'x' }).config;
  const before = a.log.lines.length;
  await a.driver.reload(next);
  clock.advance(3 * S);
  await flush();
  assert.equal(a.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  assert.equal(a.driver.routerState().instances.get('VI_2'), undefined);
  assert.deepEqual([...a.net.held.get('eth0')!].sort(), ['10.1.0.100/24', '10.1.0.101/24']);
  const after = a.log.lines.slice(before);
  assert.ok(!after.some((l) => l.includes('(VI_1) Entering')), `VI_1 must not change state: ${after.join(' | ')}`);
  assert.ok(a.driver.routerState().instances.get('VI_1')!.stats.become_master >= 1, 'counters carried over');
  await a.driver.stop();
});

test('static_ipaddress is set at start and removed at stop; -V keeps the VIPs of a stopping master', async () => {
  const text = `static_ipaddress { 10.9.9.9/32 dev eth0 }
vrrp_instance VI_1 { state MASTER
  interface eth0
  virtual_router_id 9
  priority 255
  virtual_ipaddress { 10.1.0.100/24 } }`;
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, 'a', 'eth0', '10.1.0.1', text);
  await a.driver.start();
  assert.ok(a.net.held.get('eth0')!.has('10.9.9.9/32'));
  clock.advance(S);
  await flush();
  assert.ok(a.net.held.get('eth0')!.has('10.1.0.100/24'));
  await a.driver.stop();
  assert.deepEqual([...a.net.held.get('eth0')!], []);

  const config = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;
  const net = new FakeNet();
  const keep = new VrrpDriver(config, {
    clock, log: memoryLogger(), net, announcer: new FakeAnnouncer(), keepAddressesOnStop: true,
    links: new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:02', ipv4: ['10.1.0.2/24'], ipv6: [] }]),
    openSocket: lan.socketsFor('keep', () => ['10.1.0.2']),
  });
  await keep.start();
  clock.advance(S);
  await flush();
  await keep.stop();
  assert.deepEqual([...net.held.get('eth0')!].sort(), ['10.1.0.100/24', '10.9.9.9/32']);
});

test('Master_Down runs from an advert\'s arrival (its socket timestamp), not from when a busy loop read it', async () => {
  const clock = new ManualClock();
  // Every packet is read 700 us after it arrived, and says so.
  const lan = new FakeLan(clock, 100, 700);
  const a = node(clock, lan, '000-lvs-server1.conf', 'ens32', '192.168.100.10');
  let tookOver: number | undefined;
  const b = node(clock, lan, '000-lvs-server2.conf', 'ens32', '192.168.100.11', undefined, (x) => {
    if (x.kind === 'transition' && x.to === 'MASTER') tookOver = clock.now();
  });
  await a.driver.start();
  await b.driver.start();
  clock.advance(5 * S);
  await flush();
  assert.equal(b.driver.routerState().instances.get('VI_1')!.state, 'BACKUP');
  // The master goes silent (a pulled cable); the backup's last advert arrived at `last`.
  lan.down = true;
  const last = lan.arrivals[lan.arrivals.length - 1]!;
  clock.advance(5 * S);
  await flush();
  assert.ok(tookOver !== undefined);
  // Seed 000's backup: priority 100, advert_int 1 -> Master_Down = 3 s + (256 - 100) / 256 s.
  const masterDown = 3 * S + Math.floor(((256 - 100) * S) / 256);
  assert.equal(tookOver - last, masterDown, `took over ${tookOver - last - masterDown} us after the bound`);
  await a.driver.stop();
  await b.driver.stop();
});
