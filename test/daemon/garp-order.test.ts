/**
 * A step's GARP batches go out after the step's adverts (garpsLast, daemon/vrrp/actions.ts):
 * masters that became master together owe their delayed GARP batch (garp_master_delay) at the
 * moment their adverts are due, and the adverts must not wait behind every instance's GARPs.
 * The driver on fake OS parts and a manual clock, with one log of adverts and announcements.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { garpsLast } from '../../src/daemon/vrrp/actions.js';
import { FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { RouterAction } from '../../src/vrrp/router.js';

const S = 1_000_000;
const flush = () => new Promise((r) => setImmediate(r));

test('garpsLast: an instance\'s GARP batch, and what follows it for that instance bar adverts, waits; the rest keeps its order', () => {
  const adv = (instance: string): RouterAction => ({ kind: 'send_advert', instance, priority: 255 });
  const garp = (instance: string): RouterAction => ({ kind: 'send_garp', instance, count: 5 });
  const removal = (instance: string): RouterAction => ({ kind: 'remove_addresses', instance });
  const group: RouterAction = { kind: 'group_transition', group: 'G', from: 'MASTER', to: 'BACKUP', reason: 'x' };
  const steps: RouterAction[] = [garp('A'), adv('A'), garp('B'), adv('B'), adv('C'), removal('A'), removal('C'), group, adv('D')];
  const name = (a: RouterAction) => `${a.kind} ${'instance' in a ? a.instance : a.group}`;
  assert.deepEqual(garpsLast(steps).map(name), [
    // Adverts overtake their own instance's GARPs; C had none, so its removal does not wait.
    'send_advert A', 'send_advert B', 'send_advert C', 'remove_addresses C', 'send_advert D',
    // A's removal stays after A's GARPs; the group's transition after the GARPs before it.
    'send_garp A', 'send_garp B', 'remove_addresses A', 'group_transition G',
  ]);
  const plain = [adv('A'), adv('B')];
  assert.equal(garpsLast(plain), plain, 'nothing to defer: the same list');
});

test('masters that became master together send every advert of the delayed-GARP moment before any of its GARPs', async () => {
  const owner = (vrid: number) => `vrrp_instance VI_${vrid} { interface eth0\n virtual_router_id ${vrid}\n priority 255\n virtual_ipaddress { 10.1.0.${100 + vrid}/24 } }\n`;
  const text = [1, 2, 3].map(owner).join('');
  const config = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;
  const clock = new ManualClock();
  const events: Array<{ at: number; what: string }> = [];
  const lan = new FakeLan(clock);
  const sockets = lan.socketsFor('a', () => ['10.1.0.1']);
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), net: new FakeNet(),
    announcer: { announce: (_ifname, addresses) => void events.push({ at: clock.now(), what: `garp ${addresses.join()}` }), close() {} },
    links: new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]),
    // The VRID is the advert's second byte.
    openSocket: (o) => {
      const s = sockets(o);
      return { ...s, send: (payload, dst, src, ttl) => (events.push({ at: clock.now(), what: `advert ${payload[1]}` }), s.send(payload, dst, src, ttl)) };
    },
  });
  await driver.start();
  // Master together 1 us after start, then every advert up to just before the delayed batch.
  for (const step of [1, 5 * S - 100]) {
    clock.advance(step);
    await flush();
  }
  assert.ok(events.some((e) => e.what === 'advert 3'));
  events.length = 0;
  // The delayed batch (garp_master_delay 5, garp_master_repeat 5) falls on an advert moment of all three.
  clock.advance(200);
  await flush();
  await driver.stop();
  // The moment's own sends (the fake LAN's echo of them to the other instances' sockets follows).
  const seen = events.filter((e) => e.at === events[0]!.at).map((e) => e.what.split(' ')[0]);
  assert.deepEqual(seen, ['advert', 'advert', 'advert', ...Array(15).fill('garp')], JSON.stringify(events));
});
