/**
 * auth_type AH (vrrp/ah.ts) against datagrams the real Keepalived 2.2.7 sent (captured with tcpdump
 * on a veth pair between two namespaces), and the ways an advert can fail it.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  AH_COUNTER_START,
  AH_SEQ_LIMIT,
  ahAccepted,
  ahBecameMaster,
  ahFresh,
  ahKey,
  ahNextSend,
  ahPayload,
  buildAhDatagram,
  checkAhDatagram,
} from '../../src/vrrp/ah.js';
import { AUTH_AH, AUTH_PASS, decodeAdvertisement, encodeAdvertisement, passAuthData, type Advertisement } from '../../src/vrrp/packet.js';
import { checkAdvert, type ReceiveParams } from '../../src/vrrp/receive.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// Keepalived 2.2.7, auth_type AH, auth_pass secret12: vrid 51, priority 150, advert_int 1,
// VIPs 10.77.0.100 and .101, from 10.77.0.1 to 224.0.0.18; its first two adverts (IP ID and
// sequence number 1, then 2). The IP header onwards.
const KEEPALIVED_SEQ1 = hex(`45c0 0044 0001 0000 ff33 d065 0a4d 0001 e000 0012
  7004 0000 0a4d 0001 0000 0001 146a e011 b96a 504c f2bb 232b
  2133 9602 0201 3166 0a4d 0064 0a4d 0065 0000 0000 0000 0000`);
const KEEPALIVED_SEQ2 = hex(`45c0 0044 0002 0000 ff33 d064 0a4d 0001 e000 0012
  7004 0000 0a4d 0001 0000 0002 0028 afd5 7294 890e ccb4 7162
  2133 9602 0201 3166 0a4d 0064 0a4d 0065 0000 0000 0000 0000`);

const advert: Advertisement = {
  version: 2, vrid: 51, priority: 150, intervalCs: 100, family: 'inet', addresses: ['10.77.0.100', '10.77.0.101'], authType: AUTH_AH,
};
const key = ahKey('secret12');
const vrrp = () => encodeAdvertisement(advert, { src: '10.77.0.1', dst: '224.0.0.18' });
const build = (over: Partial<Parameters<typeof buildAhDatagram>[1]> = {}, k = key) =>
  buildAhDatagram(vrrp(), { src: '10.77.0.1', dst: '224.0.0.18', id: 1, ttl: 255, seq: 1, unicast: false, ...over }, k);

test('our AH datagram is byte for byte the one Keepalived sent', () => {
  assert.deepEqual(Buffer.from(build()).toString('hex'), Buffer.from(KEEPALIVED_SEQ1).toString('hex'));
  assert.deepEqual(Buffer.from(build({ id: 2, seq: 2 })).toString('hex'), Buffer.from(KEEPALIVED_SEQ2).toString('hex'));
});

test("Keepalived's AH adverts pass our check; the VRRP message inside decodes with auth type 2", () => {
  for (const [d, seq] of [[KEEPALIVED_SEQ1, 1], [KEEPALIVED_SEQ2, 2]] as const) {
    const r = checkAhDatagram(d, key, false);
    assert.deepEqual(r, { ok: true, seq, spi: '10.77.0.1' });
    const dec = decodeAdvertisement(ahPayload(d)!, 'inet', { src: '10.77.0.1', dst: '224.0.0.18' });
    assert.ok(dec.ok);
    assert.equal(dec.advert.authType, AUTH_AH);
    assert.equal(dec.advert.priority, 150);
  }
});

test('the key is the 8-byte password field: a longer password counts by its first 8 bytes', () => {
  assert.ok(checkAhDatagram(KEEPALIVED_SEQ1, ahKey('secret12andmore'), false).ok);
});

test('a wrong password, or any changed byte the ICV covers, fails the ICV', () => {
  const bad = checkAhDatagram(KEEPALIVED_SEQ1, ahKey('secret13'), false);
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.reason, 'icv');
  // Priority, a VIP, the sequence number, the IP ID, the destination, the ICV itself.
  for (const at of [20 + 24 + 2, 20 + 24 + 9, 20 + 11, 5, 19, 20 + 12]) {
    const d = Uint8Array.from(KEEPALIVED_SEQ1);
    d[at]! ^= 0x01;
    const r = checkAhDatagram(d, key, false);
    assert.equal(!r.ok && r.reason, 'icv', `byte ${at}`);
  }
});

test('mutable fields are outside the ICV: TOS, fragment bits, checksum; the TTL only when unicast', () => {
  const d = Uint8Array.from(KEEPALIVED_SEQ1);
  d[1] = 0;
  d[6] = 0x40;
  d[10] = 0x12;
  assert.ok(checkAhDatagram(d, key, false).ok);
  d[8] = 64;
  assert.equal(checkAhDatagram(d, key, false).ok, false, 'multicast: the TTL is covered');
  const u = build({ dst: '10.77.0.2', ttl: 64, unicast: true });
  u[8] = 63;
  assert.ok(checkAhDatagram(u, key, true).ok, 'unicast: the TTL is not');
});

test('the SPI must be the source address; AH for another protocol is not VRRP', () => {
  // A sender holding the key whose SPI is not its address: signed by hand.
  const d = build();
  d.set([10, 77, 0, 9], 24);
  const h = Uint8Array.from(d);
  h[1] = 0;
  h.fill(0, 10, 12);
  h.fill(0, 32, 44);
  d.set(createHmac('md5', key).update(h).digest().subarray(0, 12), 32);
  const r = checkAhDatagram(d, key, false);
  assert.equal(!r.ok && r.reason, 'spi');
  const other = build();
  other[20] = 6;
  const o = checkAhDatagram(other, key, false);
  assert.equal(!o.ok && o.reason, 'not_vrrp');
  const short = checkAhDatagram(build().subarray(0, 40), key, false);
  assert.equal(!short.ok && short.reason, 'length');
});

test('the sequence counter: sent numbers count up from 1; only a higher number is accepted', () => {
  let c = AH_COUNTER_START;
  c = ahNextSend(c);
  assert.equal(c.seq, 1);
  c = ahNextSend(c);
  assert.equal(c.seq, 2);
  assert.equal(ahFresh(c, 2), false, 'a replay of our own number');
  assert.equal(ahFresh(c, 3), true);
  c = ahAccepted(c, 7, false);
  assert.equal(c.seq, 7, 'a backup keeps the master\'s number and continues from it when it takes over');
  assert.equal(ahNextSend(c).seq, 8);
  assert.equal(ahAccepted(c, 9, true).seq, 10, 'a master hearing a lower-priority router moves past its number');
  const top = { seq: AH_SEQ_LIMIT + 1, cycle: false };
  assert.deepEqual(ahNextSend(top), { seq: AH_SEQ_LIMIT + 1, cycle: true });
  assert.deepEqual(ahBecameMaster(ahNextSend(top)), AH_COUNTER_START);
});

describe('checkAdvert with auth_type AH', () => {
  const params: ReceiveParams = {
    version: 2, authType: AUTH_AH, ahKey: key, advertIntervalCs: 100, addresses: ['10.77.0.100', '10.77.0.101'],
    checkUnicastSrc: false, skipCheckAdvAddr: false,
  };
  const decoded = (d: Uint8Array) => {
    const r = decodeAdvertisement(ahPayload(d)!, 'inet', { src: '10.77.0.1', dst: '224.0.0.18' });
    assert.ok(r.ok);
    return r.advert;
  };
  const meta = (d: Uint8Array | undefined, seq = 0) => ({ src: '10.77.0.1', ttl: 255, multicast: true, ...(d ? { ahDatagram: d } : {}), ahCounter: { seq, cycle: false } });

  test("Keepalived's advert is accepted with its sequence number", () => {
    assert.deepEqual(checkAdvert(decoded(KEEPALIVED_SEQ2), meta(KEEPALIVED_SEQ2, 1), params), { accept: true, addressListMismatch: false, ahSeq: 2 });
  });

  test('a number already heard is a replay; a wrong password an auth failure', () => {
    const r = checkAdvert(decoded(KEEPALIVED_SEQ1), meta(KEEPALIVED_SEQ1, 1), params);
    assert.equal(!r.accept && r.reason, 'auth_failure');
    const w = checkAdvert(decoded(KEEPALIVED_SEQ1), meta(KEEPALIVED_SEQ1), { ...params, ahKey: ahKey('other') });
    assert.equal(!w.accept && w.reason, 'auth_failure');
  });

  test('AH where none is expected, or none where it is, is an auth type mismatch', () => {
    const none = checkAdvert(decoded(KEEPALIVED_SEQ1), meta(undefined), params);
    assert.equal(!none.accept && none.reason, 'auth_type_mismatch');
    const pass = checkAdvert(decoded(KEEPALIVED_SEQ1), meta(KEEPALIVED_SEQ1), { ...params, authType: AUTH_PASS, authData: passAuthData('secret12') });
    assert.equal(!pass.accept && pass.reason, 'auth_type_mismatch');
  });

  test('an authenticated advert refused later (interval) still moves the counter', () => {
    const r = checkAdvert(decoded(KEEPALIVED_SEQ1), meta(KEEPALIVED_SEQ1), { ...params, advertIntervalCs: 200 });
    assert.deepEqual([r.accept, !r.accept && r.reason, r.ahSeq], [false, 'interval', 1]);
  });
});
