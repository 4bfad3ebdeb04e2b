/**
 * A master's advert is stepped when its timer is armed and sent first when it fires
 * (daemon/vrrp/wakeup.ts): the order on the driver's trace, a state change in between, and a
 * timer that fires too late for the prepared step to hold.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { RouterAction } from '../../src/vrrp/router.js';

const S = 1_000_000;

const CONF = `
track_file up { file /run/kts-test-up }
vrrp_instance VI_1 { state BACKUP
  nopreempt
  interface eth0
  virtual_router_id 7
  priority 150
  advert_int 1
  timer_expired_backup 100
  track_file { up weight 20 }
  virtual_ipaddress { 10.1.0.100/24 } }`;

function master() {
  const clock = new ManualClock();
  const loaded = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': CONF }), configId: 'x' });
  assert.deepEqual(loaded.diagnostics, []);
  const config = loaded.config;
  const links = new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.1.0.1/24'], ipv6: [] }]);
  const trace: string[] = [];
  const adverts: number[] = [];
  const transitions: string[] = [];
  const driver = new VrrpDriver(config, {
    clock, log: memoryLogger(), links, net: new FakeNet(), announcer: new FakeAnnouncer(),
    openSocket: new FakeLan(clock).socketsFor('a', () => ['10.1.0.1']),
    trace: (what) => trace.push(what),
    onAction: (a: RouterAction) => {
      if (a.kind === 'send_advert') adverts.push(a.priority);
      if (a.kind === 'transition') transitions.push(a.to);
    },
  });
  return { clock, driver, trace, adverts, transitions, state: () => driver.routerState().instances.get('VI_1')!.state };
}

/** The master, MASTER after 5 s (its tracked file read as 0 first). */
async function started() {
  const n = master();
  await n.driver.start();
  n.driver.setTracked('file', 'up', { value: 0 });
  n.clock.advance(5 * S);
  assert.equal(n.state(), 'MASTER');
  return n;
}

/** What the trace says from each timer to the next, for the timers that fired after `from`. */
function turns(trace: readonly string[], from: number): string[][] {
  const out: string[][] = [];
  for (const t of trace.slice(from)) {
    if (t.startsWith('timer (')) out.push([]);
    else out[out.length - 1]?.push(t);
  }
  return out;
}

test('a master\'s advert goes out before the engine runs: its step was made when the timer was armed', async () => {
  const n = await started();
  const from = n.trace.length;
  const sent = n.adverts.length;
  n.clock.lateUs = 300; // late, but well within the interval: the prepared step still holds
  n.clock.advance(3 * S);
  assert.equal(n.adverts.length - sent, 3);
  assert.deepEqual(turns(n.trace, from), Array(3).fill(['advert sent', 'prepared step applied']));
  await n.driver.stop();
});

test('a priority change between the arming and the firing: the next advert carries the new priority, prepared again', async () => {
  const n = await started();
  assert.equal(n.adverts.at(-1), 150);
  n.clock.advance(S / 2);
  const from = n.trace.length;
  n.driver.setTracked('file', 'up', { value: 1 }); // weight 20: 170, the advert timer unmoved
  n.clock.advance(S);
  assert.equal(n.adverts.at(-1), 170, 'the step prepared at 150 was not sent');
  assert.deepEqual(turns(n.trace, from), [['advert sent', 'prepared step applied']]);
  await n.driver.stop();
});

test('a timer that fires past the next wake-up is stepped at the time it runs (timer_expired_backup), not as prepared', async () => {
  const n = await started();
  const sent = n.adverts.length;
  // 3.5 intervals late: a backup of priority 100 has been master for a while (3 intervals + skew).
  n.clock.lateUs = 3.5 * S;
  n.clock.advance(1 * S);
  assert.equal(n.adverts.length, sent, 'no advert from a master whose timer expired');
  assert.equal(n.state(), 'BACKUP');
  assert.equal(n.transitions.at(-1), 'BACKUP');
  await n.driver.stop();
});
