/**
 * vrrp_delay_after_boot through the driver: the machine's uptime (injected, /proc/uptime in the
 * daemon) decides how long instances stay deaf in BACKUP at start-up.
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

async function masterAfter(uptime: number | undefined): Promise<number> {
  const clock = new ManualClock();
  const config = loadConfig('/k.conf', {
    fs: memoryConfigFs({ '/k.conf': `global_defs { vrrp_delay_after_boot 30 }
vrrp_instance VI_1 { interface eth0
  virtual_router_id 7
  priority 100
  virtual_ipaddress { 10.1.0.100/24 } }` }),
    configId: 'x',
  }).config;
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), net: new SyncFakeNet(), announcer: new FakeAnnouncer(),
    links: new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]),
    openSocket: new FakeLan(clock).socketsFor('a', () => ['10.1.0.1']),
    ...(uptime !== undefined ? { uptimeSeconds: () => uptime } : {}),
  });
  await driver.start();
  let t = 0;
  while (driver.routerState().instances.get('VI_1')!.state !== 'MASTER' && t < 60 * S) {
    clock.advance(S / 10);
    t += S / 10;
  }
  await driver.stop();
  return t / S;
}

test('booted 10 s ago with vrrp_delay_after_boot 30: master only after the 20 s left plus Master_Down_Interval', async () => {
  const t = await masterAfter(10);
  assert.ok(t > 23 && t < 24.5, `master after ${t} s`);
});

test('booted long ago, or uptime unknown: no delay', async () => {
  for (const uptime of [1000, undefined]) {
    const t = await masterAfter(uptime);
    assert.ok(t > 3 && t < 4.5, `uptime ${uptime}: master after ${t} s`);
  }
});
