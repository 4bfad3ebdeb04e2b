/**
 * base/ip-syntax.ts stands in for node:net's isIPv4/isIPv6/isIP in the configuration front end:
 * it must give node:net's answer for every text, including the odd ones (zones, dotted-quad
 * tails, leading zeros, too many groups).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { isIP, isIPv4, isIPv6 } from '../../src/base/ip-syntax.js';

function same(s: string): void {
  assert.equal(isIPv4(s), net.isIPv4(s), `isIPv4(${JSON.stringify(s)})`);
  assert.equal(isIPv6(s), net.isIPv6(s), `isIPv6(${JSON.stringify(s)})`);
  assert.equal(isIP(s), net.isIP(s), `isIP(${JSON.stringify(s)})`);
}

test('the cases people write, and their near misses', () => {
  const cases = [
    '', '0.0.0.0', '1.2.3.4', '1.2.3.4\n', '\n1.2.3.4', '::1\n', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4/24', '1234.1.1.1',
    '::', '::1', '1::', ':1', '1:', ':::', '1:::2', '::1::2', 'fe80::1%eth0', 'fe80::1%', '%eth0', 'fe80::1%a%b', 'fe80::1%eth0.10:x-y', '1%eth0',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7::8', '1::2:3:4:5:6:7',
    '::ffff:1.2.3.4', '::1.2.3.4', '1.2.3.4::', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4',
    '::01.2.3.4', '::1.2.3.4%lo', '::1.2.3.4.5', '::a.2.3.4', '12345::', 'abcd::EF01', 'abcg::', '2001:db8::/64', 'fe80::1%eth0%', '::%x',
  ];
  for (const s of cases) same(s);
});

test('generated text: groups, colons, dots and zones in every arrangement', () => {
  const piece = fc.oneof(
    fc.constantFrom(':', '::', '.', '%', '0', '1', '00', '255', '256', 'ffff', 'FFFF', 'abcde', '1.2.3.4', '01', 'eth0', '-', 'g', ' '),
    fc.hexaString({ minLength: 1, maxLength: 5 }),
    fc.integer({ min: 0, max: 300 }).map(String),
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 14 }), (parts) => same(parts.join(''))), { numRuns: 20_000 });
  const group = fc.hexaString({ minLength: 1, maxLength: 4 });
  const v6 = fc.tuple(fc.array(group, { maxLength: 8 }), fc.integer({ min: -1, max: 8 }), fc.boolean(), fc.option(fc.constantFrom('eth0', 'a.b', 'x:y', '1')))
    .map(([gs, gap, quad, zone]) => {
      const list = quad ? [...gs, '10.0.0.1'] : [...gs];
      const text = gap < 0 ? list.join(':') : `${list.slice(0, gap).join(':')}::${list.slice(gap).join(':')}`;
      return zone === null ? text : `${text}%${zone}`;
    });
  fc.assert(fc.property(v6, same), { numRuns: 20_000 });
});
