/**
 * UDP_CHECK: the reply rules of check_udp.c, then against real peers: a UDP echo on 127.0.0.1 and
 * ::1, a peer answering junk or nothing, a closed port (ICMP port unreachable), and - inside a
 * network namespace made for the test - an address nobody holds, whose ICMP host unreachable
 * only IP_RECVERR reports.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { udpProbe, udpReplyMatches } from '../../src/check/udp.js';
import type { UdpCheck } from '../../src/config/sections/checkers/udp.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { load } from '../config/lvs-helpers.js';

function checker(port: number, body = '', ip = '127.0.0.1', timeout = 0.4): UdpCheck {
  const r = load(`virtual_server ${ip.includes(':') ? 'fd00::1' : '10.0.0.1'} 80 {\n protocol UDP\n real_server ${ip} ${port} {\n UDP_CHECK {\n connect_timeout ${timeout}\n ${body}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'UDP_CHECK', JSON.stringify(r.diagnostics));
  return c as UdpCheck;
}
const signal = () => new AbortController().signal;

type Mode = 'echo' | 'junk' | 'long' | 'empty' | 'mute';

async function peer(host = '127.0.0.1') {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const p = { port: 0, mode: 'echo' as Mode, heard: [] as Buffer[], close: () => new Promise<void>((r) => s.close(() => r())) };
  s.on('message', (m, from) => {
    p.heard.push(m);
    const reply = { echo: m, junk: Buffer.from('ffff', 'hex'), long: Buffer.alloc(300, 1), empty: Buffer.alloc(0), mute: undefined }[p.mode];
    if (reply) s.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => s.bind(0, host, r));
  p.port = s.address().port;
  return p;
}

test('reply rules: without expected data any reply passes; with it, the bounds and the masked prefix', () => {
  const any = { min_reply_length: 2, max_reply_length: 3 };
  assert.equal(udpReplyMatches(Buffer.alloc(100), any), true, 'lengths are only checked with reply data (check_udp.c)');
  const c = { min_reply_length: 2, max_reply_length: 8, require_reply_data: 'abx0' };
  assert.equal(udpReplyMatches(Buffer.from('ab10ff', 'hex'), c), true);
  assert.equal(udpReplyMatches(Buffer.from('ab11ff', 'hex'), c), false, 'low nibble differs');
  assert.equal(udpReplyMatches(Buffer.from('bb10ff', 'hex'), c), false);
  assert.equal(udpReplyMatches(Buffer.from('ab', 'hex'), { ...c, min_reply_length: 1 }), true, 'a shorter reply: only its bytes compared');
  assert.equal(udpReplyMatches(Buffer.from('ab', 'hex'), c), false, 'below min_reply_length');
  assert.equal(udpReplyMatches(Buffer.from('ab10', 'hex'), c, 9), false, 'a datagram longer than max_reply_length, truncated');
});

test('the payload is sent; an echo matching require_reply is up, junk is down, silence is down', async () => {
  const p = await peer();
  try {
    const strict = checker(p.port, 'payload 0102 0a\n require_reply 01');
    const up = await udpProbe(strict).run(signal());
    assert.deepEqual([up.ok, up.reason], [true, `UDP connection to [127.0.0.1]:udp:${p.port} success.`]);
    assert.equal(p.heard[0]!.toString('hex'), '01020a');
    p.mode = 'junk';
    assert.match((await udpProbe(strict).run(signal())).reason, /reply data mismatch/);
    p.mode = 'long';
    assert.match((await udpProbe(strict).run(signal())).reason, /reply data mismatch/, '300 bytes > max_reply_length 255');
    p.mode = 'mute';
    const silent = await udpProbe(strict).run(signal());
    assert.deepEqual([silent.ok, silent.reason], [false, `UDP connection to [127.0.0.1]:udp:${p.port} failed (no reply).`]);
  } finally {
    await p.close();
  }
});

test('require_reply without data: any reply is up, even an empty or an over-long one', async () => {
  const p = await peer();
  try {
    const c = checker(p.port, 'require_reply\n max_reply_length 4');
    for (const mode of ['junk', 'long', 'empty'] as const) {
      p.mode = mode;
      const r = await udpProbe(c).run(signal());
      assert.equal(r.ok, true, `${mode}: ${r.reason}`);
    }
  } finally {
    await p.close();
  }
});

test('without require_reply: silence is up, and the default payload is 32 bytes of "keepalived check - "', async () => {
  const p = await peer();
  p.mode = 'mute';
  try {
    const r = await udpProbe(checker(p.port)).run(signal());
    assert.equal(r.ok, true, r.reason);
    assert.equal(p.heard[0]!.toString('latin1'), 'keepalived check - keepalived ch');
  } finally {
    await p.close();
  }
});

test('a closed port is down through the ICMP port unreachable, well before connect_timeout', async () => {
  const p = await peer();
  const port = p.port;
  await p.close();
  const r = await udpProbe(checker(port, '', '127.0.0.1', 30)).run(signal());
  assert.equal(r.ok, false);
  assert.match(r.reason, /failed \(ECONNREFUSED\)/);
});

test('IPv6: an echo on ::1 is up; a closed port on ::1 is down', async () => {
  const p = await peer('::1');
  try {
    const r = await udpProbe(checker(p.port, 'require_reply', '::1')).run(signal());
    assert.equal(r.ok, true, r.reason);
  } finally {
    await p.close();
  }
  const gone = await udpProbe(checker(p.port, '', '::1', 30)).run(signal());
  assert.match(gone.reason, /ECONNREFUSED/);
});

test('bindto and bind_port set the source', async () => {
  const sport = 20000 + ((process.pid + 7) % 20000);
  let from = '';
  const s = dgram.createSocket('udp4');
  s.on('message', (m, info) => {
    from = `${info.address}:${info.port}`;
    s.send(m, info.port, info.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  try {
    const r = await udpProbe(checker(s.address().port, `require_reply\n bindto 127.0.0.1\n bind_port ${sport}`)).run(signal());
    assert.equal(r.ok, true, r.reason);
    assert.equal(from, `127.0.0.1:${sport}`);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});

test('an address nobody holds on our namespace link: the ICMP host unreachable makes it down (IP_RECVERR)', { skip: labUnavailable() ?? false }, async () => {
  const tag = `ku${process.pid % 100000}`;
  const ns = `${tag}ns`;
  const net = 100 + ((process.pid + 50) % 100);
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`, 'netns', ns]);
    execFileSync('ip', ['addr', 'add', `10.${net}.78.1/24`, 'dev', `${tag}a`]);
    execFileSync('ip', ['link', 'set', `${tag}a`, 'up']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', `10.${net}.78.2/24`, 'dev', `${tag}b`]);
    execFileSync('ip', ['-n', ns, 'link', 'set', `${tag}b`, 'up']);
    // 10.x.78.2 exists and has no listener: port unreachable from the namespace.
    const refused = await udpProbe(checker(9, '', `10.${net}.78.2`, 30)).run(signal());
    assert.match(refused.reason, /ECONNREFUSED/);
    // 10.x.78.3 does not answer ARP: after the kernel gives up, host unreachable.
    const absent = await udpProbe(checker(9, '', `10.${net}.78.3`, 30)).run(signal());
    assert.equal(absent.ok, false);
    assert.match(absent.reason, /EHOSTUNREACH/);
  } finally {
    try {
      execFileSync('ip', ['link', 'del', `${tag}a`], { stdio: 'ignore' });
    } catch {
      // gone with the namespace
    }
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
});
