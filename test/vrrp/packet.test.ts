/**
 * The advertisement codec against packets the real Keepalived 2.2.7 sent (captured with tcpdump
 * on a veth pair between two namespaces), and against RFC 3768 / RFC 5798's rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAddress, writeAddress, compareAddresses } from '../../src/base/addr.js';
import {
  AUTH_PASS,
  decodeAdvertisement,
  encodeAdvertisement,
  passAuthData,
  type Advertisement,
} from '../../src/vrrp/packet.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// Keepalived 2.2.7: vrid 51, priority 150, advert_int 1, PASS "secret12", two VIPs.
const V2_PASS = hex('2133 9602 0101 c56f 0a09 0064 0a09 0065 7365 6372 6574 3132');
// Keepalived 2.2.7: version 3, vrid 52, priority 200, advert_int 0.5 (50 cs), to 224.0.0.18.
const V3_MCAST = hex('3134 c801 0032 1190 0a09 0066');
// Keepalived 2.2.7: version 3 unicast from 10.9.0.1 to peer 10.9.0.2, vrid 53, priority 100.
const V3_UNICAST = hex('3135 6401 0064 4b64 0a09 0067');
// Keepalived 2.2.7: version 3 IPv6, vrid 54, priority 120, from a link-local to ff02::12.
const V3_IPV6 = hex('3136 7801 0064 b453 fd00 0000 0000 0000 0000 0000 0000 0054');
const V6_SRC = 'fe80::40aa:c2ff:fe3f:a4b3';

test('RFC 3768 5.1: decodes a v2 PASS advert from Keepalived', () => {
  const r = decodeAdvertisement(V2_PASS, 'inet', { src: '10.9.0.1', dst: '224.0.0.18' });
  assert.ok(r.ok);
  assert.equal(r.advert.version, 2);
  assert.equal(r.advert.vrid, 51);
  assert.equal(r.advert.priority, 150);
  assert.equal(r.advert.intervalCs, 100);
  assert.equal(r.advert.authType, AUTH_PASS);
  assert.deepEqual(r.advert.addresses, ['10.9.0.100', '10.9.0.101']);
  assert.equal(Buffer.from(r.advert.authData!).toString(), 'secret12');
});

test('RFC 3768 5.3.8: encodes the same v2 bytes as Keepalived (checksum over the message only)', () => {
  const a: Advertisement = {
    version: 2, vrid: 51, priority: 150, intervalCs: 100, family: 'inet',
    addresses: ['10.9.0.100', '10.9.0.101'], authType: AUTH_PASS, authData: passAuthData('secret12'),
  };
  // v2's checksum does not depend on the IP addresses: any context gives the same bytes.
  assert.deepEqual(encodeAdvertisement(a, { src: '10.0.0.9', dst: '224.0.0.18' }), V2_PASS);
});

test('RFC 5798 5.2.8: v3 IPv4 checksum includes the pseudo-header (multicast and unicast)', () => {
  const m: Advertisement = { version: 3, vrid: 52, priority: 200, intervalCs: 50, family: 'inet', addresses: ['10.9.0.102'], authType: 0 };
  assert.deepEqual(encodeAdvertisement(m, { src: '10.9.0.1', dst: '224.0.0.18' }), V3_MCAST);
  const u: Advertisement = { version: 3, vrid: 53, priority: 100, intervalCs: 100, family: 'inet', addresses: ['10.9.0.103'], authType: 0 };
  assert.deepEqual(encodeAdvertisement(u, { src: '10.9.0.1', dst: '10.9.0.2' }), V3_UNICAST);
  const r = decodeAdvertisement(V3_UNICAST, 'inet', { src: '10.9.0.1', dst: '10.9.0.2' });
  assert.ok(r.ok && !r.oldUnicastChecksum && r.advert.intervalCs === 100);
});

test('RFC 5798 5.2.8: v3 IPv6 advert round-trips with the IPv6 pseudo-header', () => {
  const r = decodeAdvertisement(V3_IPV6, 'inet6', { src: V6_SRC, dst: 'ff02::12' });
  assert.ok(r.ok);
  assert.deepEqual(r.advert.addresses, ['fd00::54']);
  assert.deepEqual(encodeAdvertisement(r.advert, { src: V6_SRC, dst: 'ff02::12' }), V3_IPV6);
  // The same bytes from another source fail: the pseudo-header is really covered.
  const other = decodeAdvertisement(V3_IPV6, 'inet6', { src: 'fe80::1', dst: 'ff02::12' });
  assert.equal(other.ok, false);
});

test('a v3 unicast advert checksummed against the multicast group (Keepalived <= 1.3.6) is accepted and flagged', () => {
  const u: Advertisement = { version: 3, vrid: 53, priority: 100, intervalCs: 100, family: 'inet', addresses: ['10.9.0.103'], authType: 0 };
  const old = encodeAdvertisement(u, { src: '10.9.0.1', dst: '224.0.0.18' });
  const strict = decodeAdvertisement(old, 'inet', { src: '10.9.0.1', dst: '10.9.0.2' });
  assert.equal(strict.ok, false);
  const compat = decodeAdvertisement(old, 'inet', { src: '10.9.0.1', dst: '10.9.0.2', oldUnicastDst: '224.0.0.18' });
  assert.ok(compat.ok && compat.oldUnicastChecksum);
});

test('v3_checksum_as_v2: IPv4 v3 without the pseudo-header', () => {
  const a: Advertisement = { version: 3, vrid: 9, priority: 10, intervalCs: 100, family: 'inet', addresses: ['10.1.1.1'], authType: 0 };
  const bytes = encodeAdvertisement(a, { src: '10.0.0.1', dst: '224.0.0.18', v3ChecksumAsV2: true });
  assert.ok(decodeAdvertisement(bytes, 'inet', { src: '10.0.0.99', dst: '224.0.0.18', v3ChecksumAsV2: true }).ok);
  assert.equal(decodeAdvertisement(bytes, 'inet', { src: '10.0.0.1', dst: '224.0.0.18' }).ok, false);
});

test('malformed packets are refused with a distinct reason each', () => {
  const ctx = { src: '10.9.0.1', dst: '224.0.0.18' };
  const reason = (b: Uint8Array) => {
    const r = decodeAdvertisement(b, 'inet', ctx);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(V2_PASS.subarray(0, 7)), 'length');
  assert.equal(reason(V2_PASS.subarray(0, 20)), 'length');
  const v4 = V2_PASS.slice();
  v4[0] = 0x41;
  assert.equal(reason(v4), 'version');
  const t2 = V2_PASS.slice();
  t2[0] = 0x22;
  assert.equal(reason(t2), 'type');
  const zero = V3_MCAST.slice();
  zero[3] = 0;
  assert.equal(reason(zero), 'addr_count');
  const bad = V2_PASS.slice();
  bad[2] = 151;
  assert.equal(reason(bad), 'checksum');
});

test('every single-bit corruption of a valid advert is refused or decodes to different content', () => {
  const ctx = { src: '10.9.0.1', dst: '224.0.0.18' };
  for (let bit = 0; bit < V3_MCAST.length * 8; bit++) {
    const b = V3_MCAST.slice();
    b[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(decodeAdvertisement(b, 'inet', ctx).ok, false, `bit ${bit} flipped went unnoticed`);
  }
});

test('the encoder refuses what the wire cannot carry', () => {
  const base: Advertisement = { version: 2, vrid: 1, priority: 1, intervalCs: 150, family: 'inet', addresses: ['10.0.0.1'], authType: 0 };
  assert.throws(() => encodeAdvertisement(base, { src: '10.0.0.1', dst: '224.0.0.18' }), /whole seconds/);
  assert.throws(() => encodeAdvertisement({ ...base, version: 3, intervalCs: 4096 }, { src: '10.0.0.1', dst: '224.0.0.18' }), /4095/);
});

test('IPv6 text forms round-trip through bytes in RFC 5952 form', () => {
  for (const [text, canonical] of [
    ['fd00::54', 'fd00::54'],
    ['FE80:0:0:0:40aa:c2ff:fe3f:a4b3', 'fe80::40aa:c2ff:fe3f:a4b3'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
  ] as const) {
    const b = new Uint8Array(16);
    writeAddress(text, b, 0);
    assert.equal(readAddress(b, 0, 'inet6'), canonical, text);
  }
  assert.ok(compareAddresses('10.0.0.2', '10.0.0.10') < 0);
  assert.ok(compareAddresses('fe80::2', 'fe80::1') > 0);
});
