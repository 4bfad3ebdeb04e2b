/** `conntrack -L --dst-nat` lines read as connection entries (os/conntrack.ts parseConntrackLine). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConntrackLine } from '../../src/os/conntrack.js';

test('a TCP line: state, timeout, the original tuple and the reply source (the real server)', () => {
  assert.deepEqual(
    parseConntrackLine('tcp      6 431995 ESTABLISHED src=10.1.1.1 dst=10.1.1.100 sport=40000 dport=80 src=10.1.1.3 dst=10.1.1.1 sport=8080 dport=40000 [ASSURED] mark=0 use=1'),
    { protocol: 'tcp', expires: 431995, state: 'ESTABLISHED', client: '10.1.1.1', clientPort: 40000, vip: '10.1.1.100', vport: 80, server: '10.1.1.3', serverPort: 8080 },
  );
});

test('a UDP line has no state; IPv6 addresses; junk is skipped', () => {
  assert.deepEqual(
    parseConntrackLine('udp      17 28 src=fd00::9 dst=fd00::1 sport=5353 dport=53 [UNREPLIED] src=fd00::2 dst=fd00::9 sport=53 dport=5353 mark=0 use=1'),
    { protocol: 'udp', expires: 28, client: 'fd00::9', clientPort: 5353, vip: 'fd00::1', vport: 53, server: 'fd00::2', serverPort: 53 },
  );
  assert.equal(parseConntrackLine(''), undefined);
  assert.equal(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.'), undefined);
});
