/**
 * Whether text is an IPv4 or IPv6 address, with the same answers as node:net's isIPv4/isIPv6/isIP.
 * Written out here because importing node:net for three predicates also loads its sockets, streams
 * and DNS: about 7 MB and 20 ms at every `keepalived-ts -t`. test/base/ip-syntax.test.ts compares
 * the two on generated text.
 */

/** A dotted quad: four decimal numbers 0-255, no leading zeros, no blanks. */
export function isIPv4(s: string): boolean {
  // A regular expression rather than a loop over the characters: V8 compiles it to machine code
  // at once, while a loop runs interpreted for the first thousands of calls, which is all of -t.
  return QUAD.test(s);
}

const BYTE = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const QUAD = new RegExp(`^${BYTE}(?:\\.${BYTE}){3}$`);

/**
 * Groups of 1-4 hex digits separated by ':': eight of them, or at most seven around one '::'.
 * The last may be a dotted quad standing for two groups. An optional zone (`%eth0`) follows.
 */
export function isIPv6(s: string): boolean {
  // Most addresses in a configuration are IPv4 ones: a native search settles those.
  if (s.indexOf(':') < 0) return false;
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  else if (end === s.length - 1 || !isZone(s, end + 1)) return false;
  if (end < 2) return false;
  let groups = 0;
  let gap = false;
  let i = 0;
  if (s.charCodeAt(0) === COLON) {
    // Only a '::' may open the address.
    if (s.charCodeAt(1) !== COLON) return false;
    gap = true;
    i = 2;
    if (i === end) return true;
  }
  for (;;) {
    const hexEnd = hexGroupEnd(s, i, end);
    if (hexEnd < 0) return false;
    const next = s.charCodeAt(hexEnd);
    if (hexEnd < end && next === DOT) {
      // A dotted quad, only as the last thing before the zone.
      if (quadEnd(s, i) !== end) return false;
      groups += 2;
      break;
    }
    groups++;
    if (hexEnd === end) break;
    if (next !== COLON) return false;
    i = hexEnd + 1;
    if (s.charCodeAt(i) === COLON) {
      if (gap) return false;
      gap = true;
      i++;
      if (i === end) break;
    } else if (i === end) return false;
  }
  return gap ? groups <= 7 : groups === 8;
}

/** 4, 6 or 0, as node:net's isIP. */
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}

const COLON = 0x3a;
const DOT = 0x2e;

/** Where 1-4 hex digits starting at `i` end, or -1 when there are none or more than four. */
function hexGroupEnd(s: string, i: number, end: number): number {
  let j = i;
  while (j < end && j - i <= 4 && isHex(s.charCodeAt(j))) j++;
  return j === i || j - i > 4 ? -1 : j;
}

/** Where a dotted quad starting at `i` ends, or -1. */
function quadEnd(s: string, i: number): number {
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== DOT) return -1;
      i++;
    }
    const start = i;
    let n = 0;
    while (i < s.length && i - start < 3 && isDigit(s.charCodeAt(i))) n = n * 10 + s.charCodeAt(i++) - 0x30;
    if (i === start || n > 255 || (i - start > 1 && s.charCodeAt(start) === 0x30)) return -1;
    if (i < s.length && isDigit(s.charCodeAt(i))) return -1;
  }
  return i;
}

function isZone(s: string, i: number): boolean {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === DOT || c === COLON)) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
