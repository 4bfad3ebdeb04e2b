/**
 * PING_CHECK with real ICMP: 127.0.0.1 and ::1 answer; an address on a link inside a namespace
 * made for the test, where no host holds it, does not (down after connect_timeout).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { echoRequest, isEchoReply, pingProbe } from '../../src/check/ping.js';
import { openIcmpSocket } from '../../src/os/icmp-socket.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { load } from '../config/lvs-helpers.js';

const sockets = { open: openIcmpSocket };
const skip = process.getuid?.() !== 0 ? 'needs root for raw ICMP sockets' : false;

function probe(ip: string) {
  const r = load(`virtual_server ${ip.includes(':') ? 'fd00::1' : '10.0.0.1'} 80 {\n protocol TCP\n real_server ${ip} 80 {\n PING_CHECK {\n connect_timeout 0.5\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'PING_CHECK', JSON.stringify(r.diagnostics));
  return pingProbe(c as Parameters<typeof pingProbe>[0], sockets);
}

test('echo codec: request checksum, reply matching by type, id and sequence', () => {
  const m = echoRequest('inet', 0x1234, 7, new Uint8Array([1, 2]));
  assert.deepEqual([...m], [8, 0, 0xe4, 0xc2, 0x12, 0x34, 0, 7, 1, 2]);
  const reply = Uint8Array.from(m);
  reply[0] = 0;
  assert.equal(isEchoReply('inet', reply, 0x1234, 7), true);
  assert.equal(isEchoReply('inet', reply, 0x1234, 8), false);
  assert.equal(isEchoReply('inet', m, 0x1234, 7), false, 'a request is not a reply');
});

test('127.0.0.1 and ::1 answer', { skip }, async () => {
  const a = await probe('127.0.0.1').run(new AbortController().signal);
  assert.equal(a.ok, true, a.reason);
  const b = await probe('::1').run(new AbortController().signal);
  assert.equal(b.ok, true, b.reason);
});

test('an address nobody holds, on a link of our own namespace, is down after connect_timeout', { skip: skip || labUnavailable() || false }, async () => {
  const tag = `kp${process.pid % 100000}`;
  const ns = `${tag}ns`;
  const net = 100 + (process.pid % 100);
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`, 'netns', ns]);
    execFileSync('ip', ['addr', 'add', `10.${net}.77.1/24`, 'dev', `${tag}a`]);
    execFileSync('ip', ['link', 'set', `${tag}a`, 'up']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', `10.${net}.77.2/24`, 'dev', `${tag}b`]);
    execFileSync('ip', ['-n', ns, 'link', 'set', `${tag}b`, 'up']);
    const up = await probe(`10.${net}.77.2`).run(new AbortController().signal);
    assert.equal(up.ok, true, up.reason);
    const started = Date.now();
    const down = await probe(`10.${net}.77.3`).run(new AbortController().signal);
    assert.equal(down.ok, false);
    assert.match(down.reason, /timed out/);
    assert.ok(Date.now() - started >= 450);
  } finally {
    try {
      execFileSync('ip', ['link', 'del', `${tag}a`], { stdio: 'ignore' });
    } catch {
      // gone with the namespace
    }
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
});
