/**
 * auth_type AH through the daemon's VRRP wiring (fake LAN, manual clock): adverts go out as AH
 * datagrams on an AH socket, are authenticated on the way in, and the sequence number carries
 * over a failover; a wrong password or a forged ICV is counted and ignored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet } from '../../src/os/fake.js';
import type { VrrpSocketOptions } from '../../src/os/types.js';
import { ahKey, buildAhDatagram } from '../../src/vrrp/ah.js';
import { AUTH_AH, encodeAdvertisement } from '../../src/vrrp/packet.js';

const S = 1_000_000;
const flush = () => new Promise((r) => setImmediate(r));

const conf = (prio: number, pass: string, extra = '') => `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${prio}
  advert_int 1
  authentication {
    auth_type AH
    auth_pass ${pass}
  }
  ${extra}
  virtual_ipaddress { 10.1.0.100/24 }
}
`;

function node(clock: ManualClock, lan: FakeLan, address: string, text: string) {
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' });
  const links = new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: [`${address}/24`], ipv6: [] }]);
  const net = new FakeNet();
  const log = memoryLogger();
  const opened: VrrpSocketOptions[] = [];
  const open = lan.socketsFor(address, () => [address]);
  const driver = new VrrpDriver(config, {
    clock, log, links, net, announcer: new FakeAnnouncer(),
    openSocket: (o) => {
      opened.push(o);
      return open(o);
    },
  });
  return { driver, log, opened, rt: () => driver.runtimes.get('VI_1')! };
}

const state = (n: ReturnType<typeof node>) => n.driver.routerState().instances.get('VI_1')!.state;

test('AH: one master, the backup authenticates its adverts and continues its sequence numbers when it takes over', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, '10.1.0.1', conf(150, 'secret12'));
  const b = node(clock, lan, '10.1.0.2', conf(100, 'secret12'));
  await a.driver.start();
  await b.driver.start();
  assert.equal(a.opened[0]!.protocol, 'ah', 'an AH instance listens on IP protocol 51');
  clock.advance(10 * S);
  await flush();
  assert.equal(state(a), 'MASTER');
  assert.equal(state(b), 'BACKUP');
  assert.equal(b.rt().errors.auth_failure, 0);
  const heard = b.rt().ah!.counter.seq;
  assert.ok(heard >= 5 && heard === a.rt().ah!.counter.seq, `the backup's counter follows the master's (${heard})`);
  await a.driver.stop();
  clock.advance(2 * S);
  await flush();
  assert.equal(state(b), 'MASTER');
  assert.ok(b.rt().ah!.counter.seq > heard, 'the new master sends numbers above those it heard');
  await b.driver.stop();
});

test('AH: a wrong password is refused as an auth failure and both become master', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const a = node(clock, lan, '10.1.0.1', conf(150, 'secret12'));
  const b = node(clock, lan, '10.1.0.2', conf(100, 'wrong123'));
  await a.driver.start();
  await b.driver.start();
  clock.advance(10 * S);
  await flush();
  assert.equal(state(a), 'MASTER');
  assert.equal(state(b), 'MASTER', 'it hears nothing valid');
  assert.ok(b.rt().errors.auth_failure >= 5, `auth failures counted: ${b.rt().errors.auth_failure}`);
  assert.ok(a.rt().errors.auth_failure >= 1);
  await a.driver.stop();
  await b.driver.stop();
});

test('AH: a forged advert (bad ICV) does not hold a backup down; the same advert correctly signed does; a replay is refused', async () => {
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const b = node(clock, lan, '10.1.0.2', conf(100, 'secret12'));
  // A crafted sender on the AH protocol, priority 200: were AH ignored, it would keep b backup.
  const forger = lan.socketsFor('10.1.0.9', () => ['10.1.0.9'])({ family: 'inet', ifname: 'eth0', groups: [], protocol: 'ah', onPacket: () => {}, onError: () => {} });
  await b.driver.start();
  const vrrp = encodeAdvertisement(
    { version: 2, vrid: 51, priority: 200, intervalCs: 100, family: 'inet', addresses: ['10.1.0.100'], authType: AUTH_AH },
    { src: '10.1.0.9', dst: '224.0.0.18' },
  );
  let seq = 1;
  const forge = (key: Uint8Array, tamper: boolean) => {
    const d = buildAhDatagram(vrrp, { src: '10.1.0.9', dst: '224.0.0.18', id: seq, ttl: 255, seq: seq++, unicast: false }, key);
    if (tamper) d[20 + 12]! ^= 0xff; // the ICV
    forger.sendDatagram!(d, '224.0.0.18');
  };
  for (let i = 0; i < 8; i++) {
    forge(ahKey('secret12'), true);
    clock.advance(S / 2);
    await flush();
  }
  assert.equal(state(b), 'MASTER', 'adverts with a bad ICV are discarded');
  assert.ok(b.rt().errors.auth_failure >= 8);
  // The same advert with a good ICV makes b back off: the check is what decides.
  forge(ahKey('secret12'), false);
  clock.advance(S / 10);
  await flush();
  assert.equal(state(b), 'BACKUP');
  // A replay of an advert already heard is refused.
  const before = b.rt().errors.auth_failure;
  seq -= 1;
  forge(ahKey('secret12'), false);
  clock.advance(S / 10);
  await flush();
  assert.equal(b.rt().errors.auth_failure, before + 1, 'sequence number already processed');
  await b.driver.stop();
});
