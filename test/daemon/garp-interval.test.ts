/**
 * vrrp_garp_interval / vrrp_gna_interval (global_defs) and garp_group: the messages of one GARP
 * batch leave spaced by the interval, across all instances on the interface, instead of back to
 * back. The driver on fake OS parts and a manual clock, with an announcer that notes the time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import type { KeepalivedConfig } from '../../src/config/model.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { GarpPacer } from '../../src/daemon/vrrp/garp-pacer.js';
import { FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { Announcer } from '../../src/os/types.js';

const S = 1_000_000;
const flush = () => new Promise((r) => setImmediate(r));
const load = (text: string) => loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;

class TimedAnnouncer implements Announcer {
  readonly sent: Array<{ at: number; ifname: string; addresses: readonly string[] }> = [];
  constructor(private readonly clock: ManualClock) {}
  announce(ifname: string, addresses: readonly string[]): void {
    this.sent.push({ at: this.clock.now(), ifname, addresses: [...addresses] });
  }
  close(): void {}
}

const owner = (vrid: number, vips: string, extra = '') => `vrrp_instance VI_${vrid} { interface eth0
  virtual_router_id ${vrid}
  priority 255
  garp_master_delay 0
  ${extra}
  virtual_ipaddress { ${vips} } }
`;

/** An address owner: master 1 us after start, when its first batch goes out. */
async function startOwner(text: string) {
  const clock = new ManualClock();
  const announcer = new TimedAnnouncer(clock);
  const driver = new VrrpDriver(load(text), {
    clock, log: memoryLogger(), net: new FakeNet(), announcer,
    links: new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]),
    openSocket: new FakeLan(clock).socketsFor('a', () => ['10.1.0.1']),
  });
  await driver.start();
  clock.advance(1);
  await flush();
  return { clock, announcer, driver };
}

test('without vrrp_garp_interval a batch goes out back to back (garp_master_repeat 5)', async () => {
  const { clock, announcer, driver } = await startOwner(owner(1, '10.1.0.100/24\n 10.1.0.101/24'));
  clock.advance(S / 2);
  await flush();
  assert.deepEqual(announcer.sent.map((m) => m.at), [1, 1, 1, 1, 1]);
  assert.deepEqual(announcer.sent[0]!.addresses, ['10.1.0.100', '10.1.0.101']);
  await driver.stop();
});

test('vrrp_garp_interval 0.1: each message of the batch leaves 100 ms after the previous one', async () => {
  const { clock, announcer, driver } = await startOwner(`global_defs { vrrp_garp_interval 0.1 }\n${owner(1, '10.1.0.100/24\n 10.1.0.101/24', 'garp_master_repeat 2')}`);
  assert.equal(announcer.sent.length, 1, 'only the first message at once');
  clock.advance(S);
  await flush();
  assert.deepEqual(announcer.sent.map((m) => m.at), [1, 100_001, 200_001, 300_001]);
  assert.deepEqual(announcer.sent.map((m) => m.addresses.join()), ['10.1.0.100', '10.1.0.101', '10.1.0.100', '10.1.0.101']);
  await driver.stop();
});

test('the interval spaces the messages of all the instances on the interface; a garp_group overrides the global one', async () => {
  const text = `global_defs { vrrp_garp_interval 0.1 }
garp_group { garp_interval 0.05
  interface eth0 }
${owner(1, '10.1.0.100/24', 'garp_master_repeat 2')}${owner(2, '10.1.0.200/24', 'garp_master_repeat 2')}`;
  const { clock, announcer, driver } = await startOwner(text);
  clock.advance(S);
  await flush();
  assert.deepEqual(announcer.sent.map((m) => m.at), [1, 50_001, 100_001, 150_001]);
  assert.deepEqual(announcer.sent.map((m) => m.addresses.join()).sort(), ['10.1.0.100', '10.1.0.100', '10.1.0.200', '10.1.0.200']);
  await driver.stop();
});

test('messages still waiting when the instance stops are not sent', async () => {
  const { clock, announcer, driver } = await startOwner(`global_defs { vrrp_garp_interval 0.5 }\n${owner(1, '10.1.0.100/24')}`);
  assert.equal(announcer.sent.length, 1);
  await driver.stop();
  clock.advance(5 * S);
  await flush();
  assert.equal(announcer.sent.length, 1);
});

test('vrrp_gna_interval spaces unsolicited NAs; ARPs without an interval still go at once', () => {
  const clock = new ManualClock();
  const announcer = new TimedAnnouncer(clock);
  const config = { garp_group: [], global_defs: { vrrp_garp_interval: 0, vrrp_gna_interval: 0.01 } } as unknown as KeepalivedConfig;
  const pacer = new GarpPacer(clock, announcer, () => config);
  clock.advance(1000);
  pacer.send('VI_1', 'eth0', 'eth0', ['10.1.0.100', 'fd00::100', 'fd00::101'], 1);
  clock.advance(S);
  assert.deepEqual(announcer.sent.map((m) => [m.at, m.addresses.join()]), [[1000, '10.1.0.100'], [1000, 'fd00::100'], [11_000, 'fd00::101']]);
});
