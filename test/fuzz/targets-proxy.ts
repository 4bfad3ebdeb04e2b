/**
 * Fuzz target of the PROXY protocol header (lb/dataplane/proxy-protocol.ts). The module only
 * encodes (the userspace proxy speaks it to real servers; nothing of ours reads it), so the
 * property is the receiver's: for any endpoints a socket or the relay may report, proxyHeader()
 * returns a header that a strict reader of HAProxy's proxy-protocol.txt accepts, carrying the
 * endpoints when they are all known and saying UNKNOWN (v1) or LOCAL (v2) when they are not.
 * It never throws: it runs in a connection handler, where a throw ends the process.
 */
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { readAddress } from '../../src/base/addr.js';
import { proxyHeader, type Endpoints } from '../../src/lb/dataplane/proxy-protocol.js';
import type { FuzzTarget } from './harness.js';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export type Parsed =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'proxy'; readonly family: 'inet' | 'inet6'; readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number };

const PORT = /^(0|[1-9]\d{0,4})$/;
const port = (s: string): number => {
  assert.match(s, PORT, `port '${s}'`);
  const n = Number(s);
  assert.ok(n <= 65535, `port ${n}`);
  return n;
};

/** A strict reader of proxy-protocol.txt 2.1 (v1) and 2.2 (v2); throws at the first deviation. */
export function parseProxyHeader(b: Buffer): Parsed {
  if (b.subarray(0, 12).equals(SIGNATURE)) {
    assert.ok(b.length >= 16, 'v2 header shorter than 16 bytes');
    const verCmd = b[12]!;
    const fam = b[13]!;
    const len = b.readUInt16BE(14);
    assert.equal(b.length, 16 + len, 'v2 length field disagrees with the header');
    assert.ok(verCmd === 0x20 || verCmd === 0x21, `v2 version/command 0x${verCmd.toString(16)}`);
    if (verCmd === 0x20 || fam === 0x00) return { kind: 'unknown' };
    assert.ok(fam === 0x11 || fam === 0x21, `v2 family/protocol 0x${fam.toString(16)}`);
    const alen = fam === 0x11 ? 4 : 16;
    assert.ok(len >= 2 * alen + 4, `v2 address block of ${len} bytes for family 0x${fam.toString(16)}`);
    const family = fam === 0x11 ? 'inet' : 'inet6';
    return {
      kind: 'proxy', family,
      src: readAddress(b, 16, family), dst: readAddress(b, 16 + alen, family),
      sport: b.readUInt16BE(16 + 2 * alen), dport: b.readUInt16BE(18 + 2 * alen),
    };
  }
  const text = b.toString('latin1');
  assert.ok(text.length <= 107, `v1 line of ${text.length} bytes`);
  assert.ok(text.endsWith('\r\n') && text.indexOf('\r\n') === text.length - 2, 'v1 line not ended by one CRLF');
  const words = text.slice(0, -2).split(' ');
  assert.equal(words[0], 'PROXY', 'v1 line without PROXY');
  if (words[1] === 'UNKNOWN') return { kind: 'unknown' };
  assert.equal(words.length, 6, `v1 line of ${words.length} words`);
  const [, proto, src, dst, sport, dport] = words as [string, string, string, string, string, string];
  assert.ok(proto === 'TCP4' || proto === 'TCP6', `v1 protocol '${proto}'`);
  const isIp = proto === 'TCP4' ? isIPv4 : isIPv6;
  assert.ok(isIp(src) && !src.includes('%'), `v1 ${proto} source '${src}'`);
  assert.ok(isIp(dst) && !dst.includes('%'), `v1 ${proto} destination '${dst}'`);
  return { kind: 'proxy', family: proto === 'TCP4' ? 'inet' : 'inet6', src, dst, sport: port(sport), dport: port(dport) };
}

const ipv4 = fc.ipV4();
const address: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: ipv4 },
  { weight: 4, arbitrary: fc.ipV6() },
  { weight: 2, arbitrary: ipv4.map((a) => `::ffff:${a}`) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(0xffff), fc.constantFrom('eth0', '2', 'veth-a')).map(([g, z]) => `fe80::${g.toString(16)}%${z}`) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'localhost', '::ffff:', '1.2.3', '01.2.3.4') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const portArb: fc.Arbitrary<number | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, -1, 65536, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER, Infinity) },
);

export interface ProxyInput {
  readonly version: 'v1' | 'v2';
  readonly endpoints: Endpoints;
}

const proxyInput: fc.Arbitrary<ProxyInput> = fc.record({
  version: fc.constantFrom('v1' as const, 'v2' as const),
  endpoints: fc.record({ remoteAddress: address, remotePort: portArb, localAddress: address, localPort: portArb }),
});

/** The address as a receiver should see it: IPv4 for a mapped v4, without a zone. */
function expectedAddress(a: string | undefined): string | undefined {
  if (a === undefined) return undefined;
  const plain = a.replace(/%.*$/, '');
  if (plain.startsWith('::ffff:') && isIPv4(plain.slice(7))) return plain.slice(7);
  return isIPv4(plain) || isIPv6(plain) ? plain : undefined;
}
const validPort = (p: number | undefined) => p !== undefined && Number.isInteger(p) && p >= 0 && p <= 65535;
/** IPv6 text compared through the WHATWG URL parser's canonical form (independent of ours). */
const canonical6 = (a: string) => new URL(`http://[${isIPv4(a) ? `::ffff:${a}` : a}]/`).hostname;

export function checkProxyHeader({ version, endpoints: e }: ProxyInput): void {
  const header = proxyHeader(version, e);
  const parsed = parseProxyHeader(header);
  assert.equal(header.subarray(0, 12).equals(SIGNATURE), version === 'v2', 'the version asked for');
  const src = expectedAddress(e.remoteAddress);
  const dst = expectedAddress(e.localAddress);
  const known = src !== undefined && dst !== undefined && validPort(e.remotePort) && validPort(e.localPort);
  if (!known) {
    assert.equal(parsed.kind, 'unknown', `endpoints not all known, yet ${JSON.stringify(parsed)}`);
    return;
  }
  assert.equal(parsed.kind, 'proxy', 'known endpoints sent as unknown');
  if (parsed.kind !== 'proxy') return;
  const family = isIPv4(src) && isIPv4(dst) ? 'inet' : 'inet6';
  assert.equal(parsed.family, family);
  if (family === 'inet') {
    assert.equal(parsed.src, src);
    assert.equal(parsed.dst, dst);
  } else {
    assert.equal(canonical6(parsed.src), canonical6(src), `source ${parsed.src} for ${src}`);
    assert.equal(canonical6(parsed.dst), canonical6(dst), `destination ${parsed.dst} for ${dst}`);
  }
  assert.equal(parsed.sport, e.remotePort);
  assert.equal(parsed.dport, e.localPort);
}

export const proxyTarget: FuzzTarget<ProxyInput> = {
  name: 'proxy-protocol proxyHeader',
  input: proxyInput,
  run: checkProxyHeader,
};
