/**
 * The Internet checksum (RFC 1071), as VRRP (vrrp/checksum.ts, vrrp/packet.ts) and ICMP echo
 * (check/ping.ts) compute it. Pure arithmetic over bytes.
 */

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
