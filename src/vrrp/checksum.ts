/**
 * The Internet checksum (RFC 1071) and VRRP's use of it: v2 over the VRRP message alone
 * (RFC 3768 5.3.8), v3 with the IPv4 or IPv6 pseudo-header in front (RFC 5798 5.2.8).
 */
import { addressBytes, type Family } from '../base/addr.js';

export const IPPROTO_VRRP = 112;

/** One's complement sum of 16-bit words, folded; `initial` chains partial sums. */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/** Sum of the pseudo-header: source, destination, protocol 112 and the VRRP message length. */
export function pseudoHeaderSum(family: Family, src: string, dst: string, length: number): number {
  const s = addressBytes(src);
  const d = addressBytes(dst);
  let sum = onesComplementSum(s);
  sum = onesComplementSum(d, sum);
  // IPv4: zero, protocol, 16-bit length. IPv6 (RFC 2460 8.1): 32-bit length, 3 zero bytes, next header.
  sum += family === 'inet' ? IPPROTO_VRRP + length : (length >>> 16) + (length & 0xffff) + IPPROTO_VRRP;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
