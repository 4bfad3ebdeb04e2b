/**
 * VRRP advertisements on the wire: RFC 3768 (v2) and RFC 5798 (v3), IPv4 and IPv6.
 *
 *   v2: ver|type vrid prio count | auth_type adver_int(s) checksum | addresses | auth data (8)
 *   v3: ver|type vrid prio count | rsvd(4) max_adver_int(12, cs) checksum | addresses
 *
 * The interval is kept in centiseconds for both versions. Decoding checks only what the packet
 * alone can tell (length, version, type, checksum); what depends on the receiving instance is in
 * receive.ts.
 */
import { addressLength, readAddress, writeAddress, type Family } from '../base/addr.js';
import { internetChecksum, onesComplementSum } from '../base/checksum.js';
import { pseudoHeaderSum } from './checksum.js';

export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
export const VRRP_AUTH_LENGTH = 8;
/** v3's 12-bit interval field: 4095 cs = 40.95 s. */
export const MAX_V3_INTERVAL_CS = 0xfff;

export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;

export interface Advertisement {
  readonly version: 2 | 3;
  readonly vrid: number;
  readonly priority: number;
  /** Advertisement interval in centiseconds (v2 carries whole seconds on the wire). */
  readonly intervalCs: number;
  readonly family: Family;
  readonly addresses: readonly string[];
  /** v2 only; 0 in v3. */
  readonly authType: number;
  /** v2 only: the 8 authentication bytes (PASS: the password, zero padded). */
  readonly authData?: Uint8Array;
}

/** The addresses of the IP header, which v3's checksum covers through the pseudo-header. */
export interface ChecksumContext {
  readonly src: string;
  readonly dst: string;
  /** `v3_checksum_as_v2`: v3 IPv4 without the pseudo-header, as some vendors send it. */
  readonly v3ChecksumAsV2?: boolean;
  /**
   * The multicast group. Keepalived up to 1.3.6 computed unicast v3 IPv4 checksums with it as the
   * destination; given here, such a packet is accepted and flagged (old_unicast_checksum).
   */
  readonly oldUnicastDst?: string;
}

export type DecodeFailure = 'length' | 'version' | 'type' | 'checksum' | 'addr_count';

export type DecodeResult =
  | { readonly ok: true; readonly advert: Advertisement; readonly oldUnicastChecksum: boolean }
  | { readonly ok: false; readonly reason: DecodeFailure; readonly detail: string };

export function encodedLength(a: Pick<Advertisement, 'version' | 'family' | 'addresses'>): number {
  return VRRP_HEADER_LENGTH + a.addresses.length * addressLength(a.family) + (a.version === 2 ? VRRP_AUTH_LENGTH : 0);
}

export function encodeAdvertisement(a: Advertisement, ctx: ChecksumContext): Uint8Array {
  if (a.version === 2 && a.intervalCs % 100 !== 0) throw new RangeError('VRRPv2 advertises whole seconds');
  if (a.version === 3 && (a.intervalCs < 1 || a.intervalCs > MAX_V3_INTERVAL_CS)) {
    throw new RangeError(`VRRPv3 interval ${a.intervalCs} cs outside 1..${MAX_V3_INTERVAL_CS}`);
  }
  if (a.addresses.length > 255) throw new RangeError('at most 255 addresses per advertisement');
  const buf = new Uint8Array(encodedLength(a));
  buf[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[1] = a.vrid;
  buf[2] = a.priority;
  buf[3] = a.addresses.length;
  if (a.version === 2) {
    buf[4] = a.authType;
    buf[5] = a.intervalCs / 100;
  } else {
    buf[4] = (a.intervalCs >> 8) & 0x0f;
    buf[5] = a.intervalCs & 0xff;
  }
  const alen = addressLength(a.family);
  a.addresses.forEach((addr, i) => writeAddress(addr, buf, VRRP_HEADER_LENGTH + i * alen));
  if (a.version === 2 && a.authData) buf.set(a.authData.subarray(0, VRRP_AUTH_LENGTH), buf.length - VRRP_AUTH_LENGTH);
  const sum = checksumFor(buf, a.version, a.family, ctx, ctx.dst);
  buf[6] = sum >> 8;
  buf[7] = sum & 0xff;
  return buf;
}

/** The checksum over `buf` with its checksum field taken as zero. */
function checksumFor(buf: Uint8Array, version: 2 | 3, family: Family, ctx: ChecksumContext, dst: string): number {
  const saved = [buf[6]!, buf[7]!];
  buf[6] = 0;
  buf[7] = 0;
  const usePseudo = version === 3 && !(family === 'inet' && ctx.v3ChecksumAsV2);
  const initial = usePseudo ? pseudoHeaderSum(family, ctx.src, dst, buf.length) : 0;
  const sum = internetChecksum(buf, initial);
  buf[6] = saved[0]!;
  buf[7] = saved[1]!;
  return sum;
}

function verifies(buf: Uint8Array, version: 2 | 3, family: Family, ctx: ChecksumContext, dst: string): boolean {
  const usePseudo = version === 3 && !(family === 'inet' && ctx.v3ChecksumAsV2);
  const initial = usePseudo ? pseudoHeaderSum(family, ctx.src, dst, buf.length) : 0;
  return onesComplementSum(buf, initial) === 0xffff;
}

export function decodeAdvertisement(buf: Uint8Array, family: Family, ctx: ChecksumContext): DecodeResult {
  if (buf.length < VRRP_HEADER_LENGTH) return fail('length', `${buf.length} bytes, less than the 8-byte header`);
  const version = buf[0]! >> 4;
  if (version !== 2 && version !== 3) return fail('version', `version ${version}`);
  const type = buf[0]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('type', `type ${type}`);
  const count = buf[3]!;
  if (count === 0) return fail('addr_count', 'no addresses');
  const expected = VRRP_HEADER_LENGTH + count * addressLength(family) + (version === 2 ? VRRP_AUTH_LENGTH : 0);
  if (buf.length < expected) return fail('length', `${buf.length} bytes for ${count} addresses (need ${expected})`);
  // The checksum covers what the sender sent: trailing bytes beyond the advert count for v3's
  // pseudo-header length only as far as the message goes, so trim to the expected length.
  const msg = buf.length === expected ? buf : buf.subarray(0, expected);
  let oldUnicastChecksum = false;
  if (!verifies(msg, version, family, ctx, ctx.dst)) {
    const compat = version === 3 && family === 'inet' && ctx.oldUnicastDst !== undefined && ctx.oldUnicastDst !== ctx.dst;
    if (compat && verifies(msg, version, family, ctx, ctx.oldUnicastDst!)) oldUnicastChecksum = true;
    else return fail('checksum', `bad checksum 0x${((buf[6]! << 8) | buf[7]!).toString(16)}`);
  }
  const alen = addressLength(family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(readAddress(msg, VRRP_HEADER_LENGTH + i * alen, family));
  const advert: Advertisement =
    version === 2
      ? {
          version, vrid: buf[1]!, priority: buf[2]!, intervalCs: buf[5]! * 100, family, addresses,
          authType: buf[4]!, authData: msg.slice(expected - VRRP_AUTH_LENGTH, expected),
        }
      : { version, vrid: buf[1]!, priority: buf[2]!, intervalCs: ((buf[4]! & 0x0f) << 8) | buf[5]!, family, addresses, authType: 0 };
  return { ok: true, advert, oldUnicastChecksum };
}

function fail(reason: DecodeFailure, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** The PASS authentication field: the password's first 8 bytes, zero padded (RFC 2338 5.3.10). */
export function passAuthData(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LENGTH);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_AUTH_LENGTH));
  return out;
}
