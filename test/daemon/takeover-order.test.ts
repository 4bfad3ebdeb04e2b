/**
 * A backup taking over does what Keepalived's vrrp_state_become_master does, in one go: advert,
 * addresses, gratuitous ARPs, and only then the log line and the notifications (measured in
 * bench/failover: reporting first cost ~0.3 ms of the takeover). With an OS whose address calls
 * are asynchronous (no addAddressesNow) the announcement still waits for the addresses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet, SyncFakeNet } from '../../src/os/fake.js';

const S = 1_000_000;
const CONF = `vrrp_instance VI_1 { state BACKUP
  interface eth0
  virtual_router_id 7
  priority 100
  virtual_ipaddress { 10.1.0.100/24 } }`;

function takeover(net: FakeNet) {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const announcer = new FakeAnnouncer();
  const seen: string[] = [];
  const config = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': CONF }), configId: 'x' }).config;
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), net, announcer,
    links: new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]),
    openSocket: lan.socketsFor('a', () => ['10.1.0.1']),
    onAction: (a) => {
      if (a.kind === 'transition' && a.to === 'MASTER') seen.push(`reported MASTER: ${net.log.length} address change(s), ${announcer.sent.length} announcement(s)`);
    },
  });
  return { clock, driver, announcer, net, seen };
}

test('with synchronous addresses, the VIP is added and announced before MASTER is reported', async () => {
  const t = takeover(new SyncFakeNet());
  await t.driver.start();
  t.clock.advance(4 * S);
  assert.deepEqual(t.seen, ['reported MASTER: 1 address change(s), 5 announcement(s)']);
  await t.driver.stop();
});

test('with asynchronous addresses, the announcement follows the addresses (queued)', async () => {
  const t = takeover(new FakeNet());
  await t.driver.start();
  t.clock.advance(4 * S);
  assert.deepEqual(t.seen, ['reported MASTER: 0 address change(s), 0 announcement(s)']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(t.net.log, ['add 10.1.0.100/24 dev eth0']);
  assert.equal(t.announcer.sent.length, 5);
  await t.driver.stop();
});
