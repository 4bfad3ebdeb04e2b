/**
 * Receive checks that depend on the instance an advert is for (RFC 3768 7.1, RFC 5798 7.1, and
 * Keepalived's vrrp_check_packet()): TTL / hop limit, version, authentication (v2), interval
 * (v2), unicast peers, address list. Each refusal has its own reason, which the daemon counts
 * under Keepalived's statistics names.
 */
import { AUTH_AH, AUTH_NONE, AUTH_PASS, type Advertisement } from './packet.js';

export type RefuseReason =
  | 'ttl'
  | 'version'
  | 'auth_type_invalid'
  | 'auth_type_mismatch'
  | 'auth_failure'
  | 'interval'
  | 'unicast_peer';

export interface ReceiveParams {
  readonly version: 2 | 3;
  /** Configured auth (v2): type and the 8-byte PASS field we expect. */
  readonly authType: number;
  readonly authData?: Uint8Array;
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
}

export type ReceiveVerdict =
  | { readonly accept: true; readonly addressListMismatch: boolean }
  | { readonly accept: false; readonly reason: RefuseReason; readonly detail: string };

export function checkAdvert(a: Advertisement, meta: PacketMeta, p: ReceiveParams): ReceiveVerdict {
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
    // RFC 3768 7.1: a v2 advert whose interval differs from ours is discarded.
    if (a.intervalCs !== p.advertIntervalCs) {
      return refuse('interval', `advert interval ${a.intervalCs / 100}s, ours ${p.advertIntervalCs / 100}s`);
    }
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
