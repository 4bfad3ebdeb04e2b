/**
 * IP addresses as the bytes that go on the wire, and back. Pure, so the codec and its tests need
 * no socket library.
 */
import { isIPv4, isIPv6 } from './ip-syntax.js';

export type Family = 'inet' | 'inet6';

export function familyOf(addr: string): Family | undefined {
  if (isIPv4(addr)) return 'inet';
  if (isIPv6(addr)) return 'inet6';
  return undefined;
}

export function addressLength(family: Family): number {
  return family === 'inet' ? 4 : 16;
}

/** Writes `addr` into `buf` at `offset`; throws a RangeError for text that is not an address. */
export function writeAddress(addr: string, buf: Uint8Array, offset: number): void {
  if (isIPv4(addr)) {
    const parts = addr.split('.');
    for (let i = 0; i < 4; i++) buf[offset + i] = Number(parts[i]);
    return;
  }
  if (!isIPv6(addr)) throw new RangeError(`not an IP address: '${addr}'`);
  // An IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const text = addr.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : [];
  const restGroups = rest ? rest.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : [];
  const fill = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...(rest !== undefined ? new Array<number>(Math.max(fill, 0)).fill(0) : []), ...restGroups];
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    buf[offset + 2 * i] = g >> 8;
    buf[offset + 2 * i + 1] = g & 0xff;
  }
}

export function addressBytes(addr: string): Uint8Array {
  const family = familyOf(addr);
  if (!family) throw new RangeError(`not an IP address: '${addr}'`);
  const buf = new Uint8Array(addressLength(family));
  writeAddress(addr, buf, 0);
  return buf;
}

/** Text form: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as '::'). */
export function readAddress(buf: Uint8Array, offset: number, family: Family): string {
  if (family === 'inet') return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[offset + 2 * i]! << 8) | buf[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** One text per address (`fd00:0::01` and `fd00::1` alike give `fd00::1`); text that is no address comes back as it is. */
export function canonicalAddress(addr: string): string {
  const family = familyOf(addr);
  return family ? readAddress(addressBytes(addr), 0, family) : addr;
}

/** Compares two addresses of one family numerically (for VRRP's primary-address tie break). */
export function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}
