/**
 * VRRP's use of the Internet checksum (base/checksum.ts): v2 over the VRRP message alone
 * (RFC 3768 5.3.8), v3 with the IPv4 or IPv6 pseudo-header in front (RFC 5798 5.2.8).
 */
import { addressBytes, type Family } from '../base/addr.js';
import { onesComplementSum } from '../base/checksum.js';

export const IPPROTO_VRRP = 112;

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
