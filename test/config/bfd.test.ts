/** bfd_instance, linkbeat_interfaces and interface_up_down_delays (checked with Keepalived 2.2.7 -t). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClean, diags, loadText } from './global-helpers.js';

test('a bfd_instance with defaults (RFC 5881: TTL 255 for IPv4, hop limit 64 for IPv6)', () => {
  const r = loadText('bfd_instance b1 {\n neighbor_ip 10.0.0.1\n}\nbfd_instance b6 {\n neighbour_ip fe80::1\n}\n');
  assertClean(r);
  assert.deepEqual(r.config.bfd_instance[0], {
    name: 'b1', pos: { file: '/etc/k.conf', line: 1 }, neighbor_ip: '10.0.0.1',
    min_rx: 10, min_tx: 10, idle_tx: 1000, multiplier: 5, passive: false, ttl: 255, max_hops: 0,
    multihop: false, weight: 0, weight_reverse: false, vrrp: true, checker: true,
  });
  assert.equal(r.config.bfd_instance[1]?.ttl, 64);
});

test('bfd_instance settings', () => {
  const r = loadText(['bfd_instance b {', ' neighbor_ip 10.0.0.1', ' source_ip 10.0.0.2', ' min_rx 3.312', ' min_tx 20', ' idle_tx 2000', ' multiplier 3',
    ' passive', ' hoplimit 10', ' max_hops 2', ' multihop', ' weight -20 reverse', ' vrrp', '}', ''].join('\n'));
  assertClean(r);
  const b = r.config.bfd_instance[0]!;
  assert.deepEqual(
    [b.source_ip, b.min_rx, b.min_tx, b.idle_tx, b.multiplier, b.passive, b.ttl, b.max_hops, b.multihop, b.weight, b.weight_reverse, b.vrrp, b.checker],
    ['10.0.0.2', 3.312, 20, 2000, 3, true, 10, 2, true, -20, true, true, false],
  );
});

test('bfd_instance value ranges', () => {
  const r = loadText(['bfd_instance b5 {', ' neighbor_ip 10.0.0.1', ' min_rx 0', ' min_tx 4294968', ' idle_tx 999', ' multiplier 0', ' ttl 0', ' max_hops -2', ' weight 300', ' weight 1 sideways', ' neighbor_ip 10.0.0', '}', ''].join('\n'));
  assert.deepEqual(diags(r), [
    '3 error BFD instance b5 min_rx value 0 is not valid (must be in range [1-4294967]), ignoring',
    '4 error BFD instance b5 min_tx value 4294968 is not valid (must be in range [1-4294967]), ignoring',
    '5 error BFD instance b5 idle_tx value 999 is not valid (must be in range [1000-4294967]), ignoring',
    "6 error multiplier: number '0' outside range [1, 255]",
    "7 error ttl: number '0' outside range [1, 255]",
    "8 error max_hops: number '-2' outside range [-1, 255]",
    "9 error weight: number '300' outside range [-253, 253]",
    '10 error BFD instance b5 unknown weight option sideways',
    '11 error BFD instance b5 has malformed neighbor address 10.0.0, ignoring',
  ]);
  assert.equal(r.config.bfd_instance[0]?.weight, 1);
});

test('bfd_instance checks at the end of the block', () => {
  const r = loadText([
    'bfd_instance b2 {', ' source_ip 1.2.3.4', '}',
    'bfd_instance b3 {', ' neighbor_ip fe80::1', ' source_ip 1.2.3.4', '}',
    'bfd_instance b4 {', ' neighbor_ip 10.0.0.1', '}',
    'bfd_instance b5 {', ' neighbor_ip 10.0.0.1', '}',
    'bfd_instance b6 {', ' neighbor_ip 10.0.0.9', ' ttl 5', ' max_hops 10', '}',
    'bfd_instance b4 {', ' neighbor_ip 10.0.0.7', '}', ''].join('\n'));
  assert.deepEqual(diags(r), [
    '1 error BFD instance b2 has no neighbor address set, disabling instance',
    '4 error BFD instance b3 source address 1.2.3.4 and neighbor address fe80::1 are not of the same family, disabling instance',
    '11 error BFD instance b5 has duplicate neighbor address 10.0.0.1, ignoring instance',
    '14 warning BFD instance b6: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit',
    '19 error BFD instance b4 already specified - ignoring',
  ]);
  assert.deepEqual(r.config.bfd_instance.map((b) => b.name), ['b4', 'b6']);
  assert.equal(r.config.bfd_instance[1]?.max_hops, 5);
  assert.deepEqual(diags(loadText('bfd_instance {\n neighbor_ip 10.0.0.1\n}\n')), ['1 error bfd_instance: missing name']);
});

test('linkbeat_interfaces: interface and optional polling method', () => {
  const r = loadText('linkbeat_interfaces {\n eth0\n eth1 MII\n eth2 FOO\n eth3 ETHTOOL extra\n}\n');
  assert.deepEqual(r.config.linkbeat_interfaces.map((l) => [l.interface, l.type, l.pos.line]), [
    ['eth0', undefined, 2], ['eth1', 'MII', 3], ['eth2', undefined, 4], ['eth3', 'ETHTOOL', 5],
  ]);
  assert.deepEqual(diags(r), ['4 error extra characters FOO in linkbeat interface', '5 error extra characters ETHTOOL in linkbeat interface']);
});

test('interface_up_down_delays: seconds in [0, 255], an omitted up delay is 0', () => {
  const r = loadText('interface_up_down_delays {\n eth0 1.5 2\n eth1 0.000001\n eth2 x\n eth3 256\n eth4\n eth5 1 2 3\n}\n');
  assert.deepEqual(r.config.interface_up_down_delays.map((d) => [d.interface, d.down_delay, d.up_delay]), [
    ['eth0', 1.5, 2], ['eth1', 0.000001, 0], ['eth5', 1, 2],
  ]);
  assert.deepEqual(diags(r), [
    "4 error eth2: invalid number 'x'",
    "5 error eth3: number '256' outside range [0, 255]",
    '6 warning No timeouts specified for eth4 up/down delays',
    '7 warning Too many parameters for eth5 up/down delays',
  ]);
});
