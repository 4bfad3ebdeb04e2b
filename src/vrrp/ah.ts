/**
 * VRRPv2 `auth_type AH`, as Keepalived 2.2.7 does it (RFC 2338 5.3.6.2 with the IP Authentication
 * Header of RFC 2402): the advert travels in an IPv4 datagram of protocol 51 (AH) whose AH header
 * names 112 (VRRP) as next header, and the VRRP header's auth type says 2.
 *
 *   IPv4 header (20, TOS 0xc0, protocol 51) | AH (24) | VRRP message (auth data zero)
 *   AH: next header 112 | payload len 4 | reserved 0 | SPI = the IP source address | sequence
 *       number | ICV (12: HMAC-MD5-96)
 *
 * The ICV is HMAC-MD5 (RFC 2104), truncated to 96 bits, keyed by the 8-byte auth_pass field (the
 * password zero padded, as for PASS), over the IP header with its mutable fields zeroed (TOS,
 * fragment offset, header checksum; the TTL too when unicast), the AH header with a zero ICV, and
 * the VRRP message. The IP ID is covered, so the sender chooses it (Keepalived counts from 1,
 * never 0, which the kernel would replace) and the IP header is ours, not the kernel's.
 *
 * The sequence number is one counter per instance, for sending and receiving alike: a sender
 * increments it before each advert; a receiver accepts only a number above it and keeps that
 * number, so a backup that takes over continues from the last number it heard. A master that
 * hears a lower-priority advert moves its counter past that advert's number.
 *
 * Pure: building and checking bytes (node:crypto's HMAC is a pure function of its input).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { addressBytes, readAddress } from '../base/addr.js';
import { internetChecksum } from '../base/checksum.js';
import { passAuthData } from './packet.js';

export const IPPROTO_AH = 51;
export const IPPROTO_VRRP = 112;
export const IPV4_HEADER_LENGTH = 20;
export const AH_LENGTH = 24;
export const AH_ICV_LENGTH = 12;
/** The AH payload length field: the header in 32-bit words minus 2 (RFC 2402 2.2). */
const AH_PAYLOAD_LEN = 4;
const AH_ICV_OFFSET = 12;
/** IPTOS_PREC_INTERNETCONTROL, as Keepalived sends adverts. */
const TOS_INTERNETCONTROL = 0xc0;
/** Keepalived stops counting here (more than 136 years of one advert a second). */
export const AH_SEQ_LIMIT = 0xfffffffd;

/** The HMAC key: auth_pass's 8-byte field, zero padded (Keepalived keys with all 8 bytes). */
export function ahKey(password: string): Uint8Array {
  return passAuthData(password);
}

/** HMAC-MD5 (RFC 2104) of the parts, in order. */
function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export interface AhDatagram {
  readonly src: string;
  readonly dst: string;
  /** The IP ID, 1..65535 (covered by the ICV, so not left for the kernel to choose). */
  readonly id: number;
  readonly ttl: number;
  readonly seq: number;
  /** Unicast: the TTL is a mutable field, zeroed for the ICV. */
  readonly unicast: boolean;
}

/** The IP header with the fields AH cannot protect zeroed (Keepalived's choice of them). */
function immutableHeader(ip: Uint8Array, unicast: boolean): Uint8Array {
  const h = Uint8Array.from(ip);
  h[1] = 0; // TOS
  h[6] = 0; // flags + fragment offset
  h[7] = 0;
  h[10] = 0; // header checksum
  h[11] = 0;
  if (unicast) h[8] = 0; // TTL
  return h;
}

/** The whole IPv4 datagram of an AH advert: header, AH with its ICV, and `vrrp` (from encodeAdvertisement). */
export function buildAhDatagram(vrrp: Uint8Array, d: AhDatagram, key: Uint8Array): Uint8Array {
  if (!Number.isInteger(d.id) || d.id < 1 || d.id > 0xffff) throw new RangeError(`IP ID ${d.id} outside 1..65535`);
  if (!Number.isInteger(d.seq) || d.seq < 0 || d.seq > 0xffffffff) throw new RangeError(`AH sequence number ${d.seq} out of range`);
  const total = IPV4_HEADER_LENGTH + AH_LENGTH + vrrp.length;
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  buf[0] = 0x45;
  buf[1] = TOS_INTERNETCONTROL;
  view.setUint16(2, total);
  view.setUint16(4, d.id);
  buf[8] = d.ttl;
  buf[9] = IPPROTO_AH;
  const src = addressBytes(d.src);
  const dst = addressBytes(d.dst);
  if (src.length !== 4 || dst.length !== 4) throw new RangeError('AH adverts are IPv4 only');
  buf.set(src, 12);
  buf.set(dst, 16);
  const ah = IPV4_HEADER_LENGTH;
  buf[ah] = IPPROTO_VRRP;
  buf[ah + 1] = AH_PAYLOAD_LEN;
  buf.set(src, ah + 4); // SPI: the source address, in network order
  view.setUint32(ah + 8, d.seq);
  buf.set(vrrp, ah + AH_LENGTH);
  const icv = hmacMd5(key, immutableHeader(buf.subarray(0, IPV4_HEADER_LENGTH), d.unicast), buf.subarray(ah));
  buf.set(icv.subarray(0, AH_ICV_LENGTH), ah + AH_ICV_OFFSET);
  view.setUint16(10, internetChecksum(buf.subarray(0, IPV4_HEADER_LENGTH)));
  return buf;
}

export type AhFailure = 'length' | 'not_vrrp' | 'icv' | 'spi';

export type AhCheck =
  | { readonly ok: true; readonly seq: number; readonly spi: string }
  | { readonly ok: false; readonly reason: AhFailure; readonly detail: string };

/**
 * The authentication of a received AH datagram (IP header included; `length` bytes of it are the
 * datagram): the ICV with `key`, then the SPI against the source. Anti-replay is the caller's
 * (ahFresh), with the instance's counter. `not_vrrp`: AH for another protocol, to ignore.
 */
export function checkAhDatagram(datagram: Uint8Array, key: Uint8Array, unicast: boolean): AhCheck {
  if (datagram.length < IPV4_HEADER_LENGTH) return { ok: false, reason: 'length', detail: `${datagram.length} bytes` };
  const ihl = (datagram[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LENGTH || datagram.length < ihl + AH_LENGTH) {
    return { ok: false, reason: 'length', detail: `IPv4 VRRP packet with AH too short - ${datagram.length} bytes` };
  }
  const ah = datagram.subarray(ihl);
  if (ah[0] !== IPPROTO_VRRP) return { ok: false, reason: 'not_vrrp', detail: `AH next header ${ah[0]}` };
  const zeroed = Uint8Array.from(datagram.subarray(ihl));
  zeroed.fill(0, AH_ICV_OFFSET, AH_ICV_OFFSET + AH_ICV_LENGTH);
  const icv = hmacMd5(key, immutableHeader(datagram.subarray(0, ihl), unicast), zeroed).subarray(0, AH_ICV_LENGTH);
  if (!timingSafeEqual(icv, ah.subarray(AH_ICV_OFFSET, AH_ICV_OFFSET + AH_ICV_LENGTH))) {
    return { ok: false, reason: 'icv', detail: 'IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !' };
  }
  const spi = readAddress(ah, 4, 'inet');
  const src = readAddress(datagram, 12, 'inet');
  if (spi !== src) return { ok: false, reason: 'spi', detail: `IPSEC AH : invalid IPSEC SPI value ${spi}, expected ${src}` };
  const seq = new DataView(ah.buffer, ah.byteOffset + 8, 4).getUint32(0);
  return { ok: true, seq, spi };
}

/** The VRRP message inside an AH datagram (after the IP and AH headers), up to the IP total length. */
export function ahPayload(datagram: Uint8Array): Uint8Array | undefined {
  const ihl = (datagram[0]! & 0x0f) * 4;
  const total = (datagram[2]! << 8) | datagram[3]!;
  if (datagram.length < ihl + AH_LENGTH) return undefined;
  return datagram.subarray(ihl + AH_LENGTH, Math.min(total, datagram.length));
}

/** An instance's AH sequence counter (Keepalived's seq_counter_t), for sending and receiving. */
export interface AhCounter {
  readonly seq: number;
  /** The counter reached AH_SEQ_LIMIT: reset when the instance next becomes master. */
  readonly cycle: boolean;
}

export const AH_COUNTER_START: AhCounter = { seq: 0, cycle: false };

/** The counter before sending an advert: the advert carries the new seq. */
export function ahNextSend(c: AhCounter): AhCounter {
  return c.seq > AH_SEQ_LIMIT ? { seq: c.seq, cycle: true } : { seq: c.seq + 1, cycle: c.cycle };
}

/** Anti-replay: only a number above the counter is accepted (and becomes the counter). */
export function ahFresh(c: AhCounter, seq: number): boolean {
  return seq > c.seq;
}

/**
 * After an accepted advert: the counter takes its number; a master hearing a lower-priority
 * router moves one past it (Keepalived's vrrp_state_master_rx "Syncing seq_num").
 */
export function ahAccepted(c: AhCounter, seq: number, masterHearsLower: boolean): AhCounter {
  if (masterHearsLower) return { seq: seq + 1, cycle: false };
  return { seq: Math.max(c.seq, seq), cycle: c.cycle };
}

/** Becoming master: a cycled counter starts again (Keepalived's vrrp_state_goto_master). */
export function ahBecameMaster(c: AhCounter): AhCounter {
  return c.cycle ? AH_COUNTER_START : c;
}
