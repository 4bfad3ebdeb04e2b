/**
 * Receive checks that depend on the instance an advert is for (RFC 3768 7.1, RFC 5798 7.1, and
 * Keepalived's vrrp_check_packet()): TTL / hop limit, version, authentication (v2), interval
 * (v2), unicast peers, address list. Each refusal has its own reason, which the daemon counts
 * under Keepalived's statistics names.
 */
import { ahFresh, checkAhDatagram, type AhCounter } from './ah.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, type Advertisement } from './packet.js';

export type RefuseReason =
  | 'ttl'
  | 'version'
  | 'auth_type_invalid'
  | 'auth_type_mismatch'
  | 'auth_failure'
  | 'interval'
  | 'unicast_peer'
  /** An AH header for another protocol than VRRP: not ours, ignored without counting (Keepalived). */
  | 'not_vrrp';

export interface ReceiveParams {
  readonly version: 2 | 3;
  /** Configured auth (v2): type and the 8-byte PASS field we expect. */
  readonly authType: number;
  readonly authData?: Uint8Array;
  /** auth_type AH: the HMAC key (the 8-byte auth_pass field). */
  readonly ahKey?: Uint8Array;
  readonly advertIntervalCs: number;
  /** Our virtual addresses, to compare with the advert's list. */
  readonly addresses: readonly string[];
  /** When set, adverts come by unicast from these peers only (check_unicast_src). */
  readonly unicastPeers?: ReadonlyArray<{ readonly address: string; readonly minTtl?: number; readonly maxTtl?: number }>;
  readonly checkUnicastSrc: boolean;
  readonly skipCheckAdvAddr: boolean;
}

export interface PacketMeta {
  readonly src: string;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  readonly multicast: boolean;
  /** The whole IPv4 datagram, when the advert came inside an AH header (IP protocol 51). */
  readonly ahDatagram?: Uint8Array;
  /** The instance's AH sequence counter (auth_type AH): only a higher number is fresh. */
  readonly ahCounter?: AhCounter;
}

/**
 * `ahSeq`: an AH advert that passed authentication (ICV, SPI, anti-replay) carries the sequence
 * number the instance's counter now takes, even when a later check refuses the advert (Keepalived).
 */
export type ReceiveVerdict =
  | { readonly accept: true; readonly addressListMismatch: boolean; readonly ahSeq?: number }
  | { readonly accept: false; readonly reason: RefuseReason; readonly detail: string; readonly ahSeq?: number };

export function checkAdvert(a: Advertisement, meta: PacketMeta, p: ReceiveParams): ReceiveVerdict {
  // Keepalived: an AH header where the instance expects none, or none where it expects one.
  const ahExpected = p.version === 2 && p.authType === AUTH_AH;
  if ((meta.ahDatagram !== undefined) !== ahExpected) {
    return refuse('auth_type_mismatch', ahExpected ? 'No AH header but auth type is AH' : 'Received AH header but auth type not AH');
  }
  if (a.version !== p.version) return refuse('version', `version ${a.version}, ours ${p.version}`);
  const peer = p.unicastPeers?.find((u) => u.address === meta.src);
  if (meta.multicast || !p.unicastPeers) {
    // RFC 5798 5.1.1.3: multicast adverts must have TTL/hop limit 255 (not routed).
    if (meta.ttl !== 255) return refuse('ttl', `TTL ${meta.ttl} (must be 255)`);
  } else {
    if (!peer && p.checkUnicastSrc) return refuse('unicast_peer', `source ${meta.src} is not a unicast_peer`);
    if (peer?.minTtl !== undefined && meta.ttl < peer.minTtl) return refuse('ttl', `TTL ${meta.ttl} below min_ttl ${peer.minTtl}`);
    if (peer?.maxTtl !== undefined && meta.ttl > peer.maxTtl) return refuse('ttl', `TTL ${meta.ttl} above max_ttl ${peer.maxTtl}`);
  }
  if (a.version === 2) {
    if (a.authType !== AUTH_NONE && a.authType !== AUTH_PASS && a.authType !== AUTH_AH) {
      return refuse('auth_type_invalid', `auth type ${a.authType}`);
    }
    if (a.authType !== p.authType) return refuse('auth_type_mismatch', `auth type ${a.authType}, ours ${p.authType}`);
    if (a.authType === AUTH_PASS && !sameBytes(a.authData, p.authData)) return refuse('auth_failure', 'password mismatch');
    let ahSeq: number | undefined;
    if (a.authType === AUTH_AH) {
      const ah = checkAhDatagram(meta.ahDatagram!, p.ahKey ?? new Uint8Array(8), !!p.unicastPeers);
      if (!ah.ok) return refuse(ah.reason === 'not_vrrp' ? 'not_vrrp' : 'auth_failure', ah.detail);
      const counter = meta.ahCounter?.seq ?? 0;
      if (!ahFresh(meta.ahCounter ?? { seq: 0, cycle: false }, ah.seq)) {
        return refuse('auth_failure', `IPSEC-AH : sequence number ${ah.seq} already processed. Packet dropped. Local(${counter})`);
      }
      ahSeq = ah.seq;
    }
    const seq = ahSeq !== undefined ? { ahSeq } : {};
    // RFC 3768 7.1: a v2 advert whose interval differs from ours is discarded.
    if (a.intervalCs !== p.advertIntervalCs) {
      return { ...refuse('interval', `advert interval ${a.intervalCs / 100}s, ours ${p.advertIntervalCs / 100}s`), ...seq };
    }
    const mismatch = !p.skipCheckAdvAddr && !sameSet(a.addresses, p.addresses);
    return { accept: true, addressListMismatch: mismatch, ...seq };
  }
  const mismatch = !p.skipCheckAdvAddr && !sameSet(a.addresses, p.addresses);
  return { accept: true, addressListMismatch: mismatch };
}

function refuse(reason: RefuseReason, detail: string): ReceiveVerdict {
  return { accept: false, reason, detail };
}

/** Compares every byte whatever differs first, so the time taken does not reveal the password. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  const x = a ?? new Uint8Array(8);
  const y = b ?? new Uint8Array(8);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}
