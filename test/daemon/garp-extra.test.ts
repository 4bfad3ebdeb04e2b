/**
 * garp_extra_if through the driver (daemon/vrrp/garp-extra.ts): with `all`, a master announces
 * one address per extra interface every interval, from garp_master_delay + interval on, and stops
 * when it is no longer master; without `all` (keepalived-ts has no per-address VMACs) nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, SyncFakeNet } from '../../src/os/fake.js';

const S = 1_000_000;

async function run(extra: string) {
  const clock = new ManualClock();
  const config = loadConfig('/k.conf', {
    fs: memoryConfigFs({ '/k.conf': `global_defs { vrrp_garp_extra_if ${extra} }
vrrp_instance VI_1 { interface eth0
  virtual_router_id 7
  priority 100
  virtual_ipaddress {
    10.1.0.100/24
    10.2.0.100/24 dev eth1
    10.2.0.101/24 dev eth1
  } }` }),
    configId: 'x',
  }).config;
  const announcer = new FakeAnnouncer();
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), net: new SyncFakeNet(), announcer,
    links: new FakeLinks([
      { name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] },
      { name: 'eth1', index: 3, up: true, mac: '02:00:00:00:00:02', ipv4: ['10.2.0.1/24'], ipv6: [] },
    ]),
    openSocket: new FakeLan(clock).socketsFor('a', () => ['10.1.0.1']),
  });
  await driver.start();
  clock.advance(4 * S); // master after Master_Down_Interval (3.6 s)
  assert.equal(driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  // The takeover's batches announce both eth1 addresses together; the extra ones one at a time.
  const extraOnly = () => announcer.sent.filter((s) => s.ifname === 'eth1' && s.addresses.length === 1);
  const onEth1 = () => announcer.sent.filter((s) => s.ifname === 'eth1' && s.addresses.length === 2);
  return { clock, driver, extraOnly, onEth1, announcer };
}

test('vrrp_garp_extra_if all 2: one address on eth1 every 2 s from garp_master_delay + 2 s, none after leaving master', async () => {
  const r = await run('all 2');
  // Master at ~3.6 s; the first extra announcement is due 5 + 2 s later, at ~10.6 s.
  r.clock.advance(6 * S);
  assert.equal(r.extraOnly().length, 0);
  r.clock.advance(1 * S);
  assert.deepEqual(r.extraOnly().map((s) => s.addresses), [['10.2.0.100']]);
  r.clock.advance(4 * S);
  assert.equal(r.extraOnly().length, 3);
  await r.driver.stop();
  const atStop = r.extraOnly().length;
  r.clock.advance(10 * S);
  assert.equal(r.extraOnly().length, atStop, 'stopped with the master');
});

test('vrrp_garp_extra_if 2 without all: no VMAC per address here, so no extra announcements', async () => {
  const r = await run('2');
  r.clock.advance(20 * S);
  assert.equal(r.extraOnly().length, 0);
  await r.driver.stop();
});

test('each address is announced on its own interface (vrrp_send_link_update), not all on the instance\'s', async () => {
  const r = await run('2');
  const eth0 = r.announcer.sent.filter((s) => s.ifname === 'eth0');
  assert.ok(eth0.length > 0 && eth0.every((s) => s.addresses.join() === '10.1.0.100'), JSON.stringify(r.announcer.sent));
  assert.ok(r.onEth1().length > 0 && r.onEth1().every((s) => s.addresses.join() === '10.2.0.100,10.2.0.101'));
  await r.driver.stop();
});
