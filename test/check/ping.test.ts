/**
 * PING_CHECK: the echo codec and reply matching (through a recording socket), then real ICMP:
 * 127.0.0.1 and ::1 answer, also from bindto; an address on a link inside a namespace made for the
 * test, where no host holds it, does not (down after connect_timeout).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { checkFiller, echoRequest, isEchoReply, pingProbe, type PingSocketFactory } from '../../src/check/ping.js';
import type { PingCheck } from '../../src/config/sections/checkers/ping.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { openIcmpSocket } from '../../src/os/icmp-socket.js';
import { addressBytes } from '../../src/base/addr.js';
import { load } from '../config/lvs-helpers.js';

const sockets = { open: openIcmpSocket };
const skip = process.getuid?.() !== 0 ? 'needs root for raw ICMP sockets' : false;

function checker(ip: string, body = ''): PingCheck {
  const r = load(`virtual_server ${ip.includes(':') ? 'fd00::1' : '10.0.0.1'} 80 {\n protocol TCP\n real_server ${ip} 80 {\n PING_CHECK {\n connect_timeout 0.5\n ${body}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'PING_CHECK', JSON.stringify(r.diagnostics));
  return c as PingCheck;
}
const probe = (ip: string, body = '') => pingProbe(checker(ip, body), sockets);
const signal = () => new AbortController().signal;

test('echo codec: request checksum, reply matching by type, id and sequence', () => {
  const m = echoRequest('inet', 0x1234, 7, new Uint8Array([1, 2]));
  assert.deepEqual([...m], [8, 0, 0xe4, 0xc2, 0x12, 0x34, 0, 7, 1, 2]);
  const reply = Uint8Array.from(m);
  reply[0] = 0;
  assert.equal(isEchoReply('inet', reply, 0x1234, 7), true);
  assert.equal(isEchoReply('inet', reply, 0x1234, 8), false);
  assert.equal(isEchoReply('inet', reply, 0x1235, 7), false);
  assert.equal(isEchoReply('inet', m, 0x1234, 7), false, 'a request is not a reply');
  assert.equal(echoRequest('inet6', 1, 1, new Uint8Array(0))[0], 128);
  assert.equal(new TextDecoder().decode(checkFiller(40)), 'keepalived check - keepalived check - ke');
});

/** A socket that answers every request with `answer(request)` as if from `from`. */
function echoSockets(from: string, answer: (req: Uint8Array) => Uint8Array | undefined, sent: Uint8Array[]): PingSocketFactory {
  return {
    open: (_family, onReply) => ({
      send: (_to, m) => {
        sent.push(m);
        const a = answer(m);
        if (a) setImmediate(() => onReply({ message: a, from: addressBytes(from) }));
      },
      close: () => undefined,
    }),
  };
}
const asReply = (req: Uint8Array) => {
  const r = Uint8Array.from(req);
  r[0] = 0;
  return r;
};

test('the request carries 128 bytes of filler, the same id each attempt and a growing sequence', async () => {
  const sent: Uint8Array[] = [];
  const p = pingProbe(checker('10.1.2.3'), echoSockets('10.1.2.3', asReply, sent), () => 0.25);
  assert.equal((await p.run(signal())).ok, true);
  assert.equal((await p.run(signal())).ok, true);
  assert.equal(sent[0]!.length, 8 + 128);
  assert.deepEqual([sent[0]![4], sent[0]![5], sent[0]![6], sent[0]![7]], [0x40, 0, 0, 1]);
  assert.deepEqual([sent[1]![4], sent[1]![5], sent[1]![6], sent[1]![7]], [0x40, 0, 0, 2]);
});

test('replies from another address, or for another sequence, are not the answer', async () => {
  const other = await pingProbe(checker('10.1.2.3'), echoSockets('10.1.2.4', asReply, [])).run(signal());
  assert.deepEqual([other.ok, other.reason], [false, 'ICMP CHECK to 10.1.2.3 timed out']);
  const stale = await pingProbe(checker('10.1.2.3'), echoSockets('10.1.2.3', (req) => {
    const r = asReply(req);
    r[7] = r[7]! + 1;
    return r;
  }, [])).run(signal());
  assert.equal(stale.ok, false);
});

test('127.0.0.1 and ::1 answer, also from bindto; a bindto that is not ours fails', { skip }, async () => {
  const a = await probe('127.0.0.1').run(signal());
  assert.deepEqual([a.ok, a.reason], [true, 'ICMP CHECK to 127.0.0.1 succeeded']);
  const b = await probe('::1').run(signal());
  assert.equal(b.ok, true, b.reason);
  const c = await probe('127.0.0.1', 'bindto 127.0.0.1').run(signal());
  assert.equal(c.ok, true, c.reason);
  const d = await probe('127.0.0.1', 'bindto 192.0.2.1').run(signal());
  assert.equal(d.ok, false);
  assert.match(d.reason, /Cannot assign requested address/);
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
    const up = await probe(`10.${net}.77.2`, `bind_if ${tag}a`).run(signal());
    assert.equal(up.ok, true, up.reason);
    const started = Date.now();
    const down = await probe(`10.${net}.77.3`).run(signal());
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
