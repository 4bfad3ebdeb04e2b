/**
 * use_vmac wiring on fakes: the driver creates the macvlan at start, puts the VIPs on it, sends
 * adverts and GARPs from it (or adverts from the base with vmac_xmit_base) and deletes it at stop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { VrrpDriver } from '../../src/daemon/vrrp/driver.js';
import { vmacName } from '../../src/daemon/vrrp/runtime.js';
import { FakeAnnouncer, FakeLan, FakeLinks, FakeNet, FakeVmacs } from '../../src/os/fake.js';
import { vmacAddress } from '../../src/os/vmac.js';

const S = 1_000_000;
const flush = () => new Promise((r) => setImmediate(r));

function node(extra: string, vips = '10.0.0.100/24', keepAddressesOnStop = false) {
  const text = `vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    ${vips}
  }
  ${extra}
}
`;
  const config = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;
  const clock = new ManualClock();
  const lan = new FakeLan(clock);
  const links = new FakeLinks([{ name: 'eth0', index: 2, up: true, mac: '02:00:00:00:00:01', ipv4: ['10.0.0.1/24'], ipv6: [] }]);
  const net = new FakeNet();
  const announcer = new FakeAnnouncer();
  const vmacs = new FakeVmacs();
  const sockets: string[] = [];
  const open = lan.socketsFor('n', () => ['10.0.0.1']);
  const log = memoryLogger();
  const driver = new VrrpDriver(config, {
    clock, log, links, net, announcer, vmacs, keepAddressesOnStop,
    openSocket: (o) => {
      sockets.push(o.ifname);
      return open(o);
    },
  });
  return { driver, clock, net, announcer, vmacs, sockets, log };
}

test('use_vmac: vrrp.51 with 00:00:5e:00:01:33 on eth0; VIP, adverts and GARPs on it; deleted at stop', async () => {
  const n = node('use_vmac', '10.0.0.100/24\n    10.9.0.1/32 dev lo');
  await n.driver.start();
  assert.deepEqual([...n.vmacs.links.values()], [{ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33', family: 'inet' }]);
  assert.deepEqual(n.sockets, ['vrrp.51']);
  n.clock.advance(5 * S);
  await flush();
  assert.equal(n.driver.routerState().instances.get('VI_1')!.state, 'MASTER');
  assert.deepEqual([...(n.net.held.get('vrrp.51') ?? [])], ['10.0.0.100/24']);
  assert.deepEqual([...(n.net.held.get('lo') ?? [])], ['10.9.0.1/32'], 'a VIP naming another interface stays there');
  assert.deepEqual([...(n.net.held.get('eth0') ?? [])], []);
  // Each address on its own interface (the Linux announcer then skips NOARP lo, as Keepalived).
  const sent = n.announcer.sent;
  assert.ok(sent.length > 0 && sent.every((s) => (s.ifname === 'vrrp.51' && s.addresses.join() === '10.0.0.100') || (s.ifname === 'lo' && s.addresses.join() === '10.9.0.1')), JSON.stringify(sent));
  assert.ok(sent.some((s) => s.ifname === 'vrrp.51'));
  await n.driver.stop();
  assert.deepEqual([...n.net.held.get('vrrp.51')!], []);
  assert.deepEqual(n.vmacs.log, ['add vrrp.51 link eth0 address 00:00:5e:00:01:33', 'del vrrp.51']);
});

test('use_vmac NAME MAC with vmac_xmit_base: adverts from eth0, VIPs on the named VMAC', async () => {
  const n = node('use_vmac vm1 02:11:22:33:44\n  vmac_xmit_base');
  await n.driver.start();
  assert.deepEqual([...n.vmacs.links.keys()], ['vm1']);
  assert.equal(n.vmacs.links.get('vm1')!.mac, '02:11:22:33:44:33', 'five octets: the VRID is the sixth');
  assert.deepEqual(n.sockets, ['eth0']);
  n.clock.advance(5 * S);
  await flush();
  assert.deepEqual([...(n.net.held.get('vm1') ?? [])], ['10.0.0.100/24']);
  await n.driver.stop();
  assert.equal(n.vmacs.links.size, 0);
});

test('-V (dont_release_vrrp): the VMAC stays with its VIPs', async () => {
  const n = node('use_vmac', '10.0.0.100/24', true);
  await n.driver.start();
  n.clock.advance(5 * S);
  await flush();
  await n.driver.stop();
  assert.deepEqual([...n.vmacs.links.keys()], ['vrrp.51']);
});

test('VMAC names and addresses as Keepalived makes them', () => {
  assert.equal(vmacAddress(51, 'inet'), '00:00:5e:00:01:33');
  assert.equal(vmacAddress(255, 'inet6'), '00:00:5e:00:02:ff');
  assert.equal(vmacAddress(1, 'inet', '2:a:b:c:d'), '02:0a:0b:0c:0d:01');
  assert.equal(vmacAddress(1, 'inet', '02:0a:0b:0c:0d:0e'), '02:0a:0b:0c:0d:0e');
  assert.equal(vmacName('vrrp', 51, 'inet', new Set()), 'vrrp.51');
  assert.equal(vmacName('vrrp', 51, 'inet', new Set(['vrrp.51'])), 'vrrp1.51');
  assert.equal(vmacName('vrrp', 51, 'inet6', new Set(['vrrp.51'])), 'vrrp6.51');
  assert.equal(vmacName('vrrp', 51, 'inet6', new Set(['vrrp.51', 'vrrp6.51', 'vrrp1.51', 'vrrp2.51', 'vrrp3.51', 'vrrp4.51', 'vrrp5.51'])), 'vrrp7.51');
});
