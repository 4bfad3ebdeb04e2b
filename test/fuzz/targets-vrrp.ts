/**
 * Fuzz targets of the VRRP receive path: decodeAdvertisement() over what a socket may hand it, and
 * the AH datagram checks (checkAhDatagram(), ahPayload(), then the advert inside) for auth_type AH.
 * Both answer with a result ({ ok: false, reason } for a bad packet) and never throw.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Family } from '../../src/base/addr.js';
import { internetChecksum } from '../../src/base/checksum.js';
import { ahKey, ahPayload, buildAhDatagram, checkAhDatagram } from '../../src/vrrp/ah.js';
import { pseudoHeaderSum } from '../../src/vrrp/checksum.js';
import {
  AUTH_AH, AUTH_PASS, decodeAdvertisement, encodeAdvertisement, passAuthData, VRRP_AUTH_LENGTH, VRRP_HEADER_LENGTH,
  type Advertisement, type ChecksumContext, type DecodeResult,
} from '../../src/vrrp/packet.js';
import { byteMutation, mutate, randomBytes, type FuzzTarget } from './harness.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const addressOf = (f: Family) => (f === 'inet' ? ipv4 : ipv6);

const contextOf = (f: Family): fc.Arbitrary<ChecksumContext> =>
  fc.record({
    src: addressOf(f),
    dst: f === 'inet' ? fc.constantFrom('224.0.0.18', '10.0.0.2') : fc.constantFrom('ff02::12', 'fe80::2'),
    v3ChecksumAsV2: fc.boolean(),
    oldUnicast: fc.boolean(),
  }).map(({ oldUnicast, ...c }) => (oldUnicast ? { ...c, oldUnicastDst: f === 'inet' ? '224.0.0.18' : 'ff02::12' } : c));

const advertOf = (f: Family): fc.Arbitrary<Advertisement> =>
  fc.record({
    version: fc.constantFrom(2 as const, 3 as const),
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.nat(255),
    seconds: fc.integer({ min: 1, max: 255 }),
    cs: fc.integer({ min: 1, max: 0xfff }),
    addresses: fc.array(addressOf(f), { minLength: 1, maxLength: 20 }),
    auth: fc.constantFrom(0, AUTH_PASS, AUTH_AH),
    password: fc.string({ maxLength: 10 }),
  }).map((a) => ({
    version: a.version, vrid: a.vrid, priority: a.priority, family: f, addresses: a.addresses,
    intervalCs: a.version === 2 ? a.seconds * 100 : a.cs,
    authType: a.version === 2 ? a.auth : 0,
    ...(a.version === 2 && a.auth === AUTH_PASS ? { authData: passAuthData(a.password) } : {}),
  }));

/**
 * Rewrites the checksum as a sender would have, when the header says enough for it: without this
 * nearly every mutant stops at the checksum and the address reading is never reached.
 */
function fixChecksum(b: Uint8Array, f: Family, ctx: ChecksumContext): Uint8Array {
  if (b.length < VRRP_HEADER_LENGTH) return b;
  const version = b[0]! >> 4;
  const expected = VRRP_HEADER_LENGTH + b[3]! * (f === 'inet' ? 4 : 16) + (version === 2 ? VRRP_AUTH_LENGTH : 0);
  if (b.length < expected) return b;
  const out = Uint8Array.from(b);
  const msg = out.subarray(0, expected);
  msg[6] = 0;
  msg[7] = 0;
  const pseudo = version === 3 && !(f === 'inet' && ctx.v3ChecksumAsV2);
  const sum = internetChecksum(msg, pseudo ? pseudoHeaderSum(f, ctx.src, ctx.dst, expected) : 0);
  msg[6] = sum >> 8;
  msg[7] = sum & 0xff;
  return out;
}

export interface DecodeInput {
  readonly bytes: Uint8Array;
  readonly family: Family;
  readonly ctx: ChecksumContext;
}

const decodeInput: fc.Arbitrary<DecodeInput> = fc.constantFrom<Family>('inet', 'inet6').chain((family) =>
  fc.oneof(
    fc.record({ bytes: randomBytes, family: fc.constant(family), ctx: contextOf(family) }),
    fc.tuple(advertOf(family), contextOf(family), fc.array(byteMutation, { maxLength: 4 }), fc.boolean()).map(([a, ctx, ms, fix]) => {
      const mutated = mutate(encodeAdvertisement(a, ctx), ms);
      return { bytes: fix ? fixChecksum(mutated, family, ctx) : mutated, family, ctx };
    }),
  ),
);

const FAILURES = new Set(['length', 'version', 'type', 'checksum', 'addr_count']);

/** What every decoded advert must be, whatever the bytes. */
export function checkDecoded(r: DecodeResult, input: DecodeInput): void {
  if (!r.ok) {
    assert.ok(FAILURES.has(r.reason), `unknown reason ${r.reason}`);
    assert.equal(typeof r.detail, 'string');
    return;
  }
  const a = r.advert;
  assert.ok(a.version === 2 || a.version === 3);
  assert.ok(a.addresses.length >= 1 && a.addresses.length <= 255);
  assert.equal(a.family, input.family);
  assert.ok(Number.isInteger(a.intervalCs) && a.intervalCs >= 0);
  if (a.version === 2) assert.equal(a.authData?.length, VRRP_AUTH_LENGTH);
}

export const decodeTarget: FuzzTarget<DecodeInput> = {
  name: 'vrrp decodeAdvertisement',
  input: decodeInput,
  run: (i) => checkDecoded(decodeAdvertisement(i.bytes, i.family, i.ctx), i),
};

export interface AhInput {
  readonly datagram: Uint8Array;
  readonly password: string;
  readonly unicast: boolean;
}

const ahInput: fc.Arbitrary<AhInput> = fc.oneof(
  fc.record({ datagram: randomBytes, password: fc.string({ maxLength: 10 }), unicast: fc.boolean() }),
  fc.tuple(
    advertOf('inet').map((a) => ({ ...a, version: 2 as const, intervalCs: 100, authType: AUTH_AH })),
    ipv4, fc.integer({ min: 1, max: 0xffff }), fc.nat(255), fc.nat({ max: 0xffffffff }), fc.boolean(),
    fc.string({ maxLength: 10 }), fc.array(byteMutation, { maxLength: 4 }),
  ).map(([a, src, id, ttl, seq, unicast, password, ms]) => {
    const dst = unicast ? '10.0.0.2' : '224.0.0.18';
    const d = buildAhDatagram(encodeAdvertisement(a, { src, dst }), { src, dst, id, ttl, seq, unicast }, ahKey(password));
    return { datagram: mutate(d, ms), password, unicast };
  }),
);

/** The receive path of an AH advert: the datagram's authentication, then the advert it carries. */
export const ahTarget: FuzzTarget<AhInput> = {
  name: 'vrrp checkAhDatagram',
  input: ahInput,
  run: ({ datagram, password, unicast }) => {
    const r = checkAhDatagram(datagram, ahKey(password), unicast);
    if (r.ok) assert.ok(Number.isInteger(r.seq) && r.seq >= 0 && r.seq <= 0xffffffff);
    else assert.ok(['length', 'not_vrrp', 'icv', 'spi'].includes(r.reason), `unknown reason ${r.reason}`);
    const payload = ahPayload(datagram);
    if (payload) {
      const src = `${datagram[12]}.${datagram[13]}.${datagram[14]}.${datagram[15]}`;
      const ctx = { src, dst: '224.0.0.18' };
      checkDecoded(decodeAdvertisement(payload, 'inet', ctx), { bytes: payload, family: 'inet', ctx });
    }
  },
};
