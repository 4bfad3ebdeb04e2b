/**
 * SMTP_CHECK, DNS_CHECK and UDP_CHECK against real peers on loopback: an SMTP server that answers
 * right, wrong or never; a DNS responder answering, refusing, answering another id, or silent; a
 * UDP echo, a wrong reply and a closed port.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { test } from 'node:test';
import { dnsAnswer, dnsProbe, dnsQuery } from '../../src/check/dns.js';
import { replyCode, smtpProbe, smtpStep } from '../../src/check/smtp.js';
import { udpProbe, udpReplyMatches } from '../../src/check/udp.js';
import { tcpDialer } from '../../src/os/dial.js';
import { load } from '../config/lvs-helpers.js';

function checker(kind: string, port: number, body = '') {
  const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 ${port} {\n ${kind} {\n connect_timeout 0.4\n ${body}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, kind, JSON.stringify(r.diagnostics));
  return c as never;
}
const signal = () => new AbortController().signal;

async function smtpServer(script: (line: string, sock: net.Socket) => void, banner: string | undefined): Promise<{ port: number; heard: string[]; close(): Promise<void> }> {
  const heard: string[] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('error', () => undefined);
    if (banner !== undefined) s.write(banner);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        heard.push(line);
        script(line, s);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, heard, close: () => new Promise((r) => { for (const s of socks) s.destroy(); srv.close(() => r()); }) };
}

test('SMTP dialogue rules: multi-line replies, 220 then HELO, 250 then QUIT', () => {
  assert.equal(replyCode('220-first\r\n'), undefined);
  assert.equal(replyCode('220-first\r\n220 done\r\n'), 220);
  assert.deepEqual(smtpStep('banner', 220, 'me'), { send: 'HELO me\r\n', next: 'helo' });
  assert.equal('done' in smtpStep('banner', 554, 'me'), true);
  assert.deepEqual(smtpStep('helo', 250, 'me'), { send: 'QUIT\r\n', next: 'quit' });
});

test('SMTP_CHECK: a proper server is up and hears HELO with the helo_name', async () => {
  const s = await smtpServer((line, sock) => {
    if (line.startsWith('HELO')) sock.write('250 hello\r\n');
    if (line === 'QUIT') sock.end('221 bye\r\n');
  }, '220 mail ready\r\n');
  try {
    const r = await smtpProbe(checker('SMTP_CHECK', s.port, 'helo_name checker.test'), tcpDialer).run(signal());
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(s.heard, ['HELO checker.test', 'QUIT']);
  } finally {
    await s.close();
  }
});

test('SMTP_CHECK: a bad banner or a silent server is down', async () => {
  const busy = await smtpServer(() => undefined, '554 go away\r\n');
  const mute = await smtpServer(() => undefined, undefined);
  try {
    const a = await smtpProbe(checker('SMTP_CHECK', busy.port), tcpDialer).run(signal());
    assert.equal(a.ok, false);
    assert.match(a.reason, /Bad greeting banner/);
    const b = await smtpProbe(checker('SMTP_CHECK', mute.port), tcpDialer).run(signal());
    assert.equal(b.ok, false);
    assert.match(b.reason, /Read timeout/);
  } finally {
    await busy.close();
    await mute.close();
  }
});

async function dnsResponder(answer: (q: Buffer) => Buffer | undefined): Promise<{ port: number; close(): void }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (q, rinfo) => {
    const a = answer(q);
    if (a) s.send(a, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, close: () => s.close() };
}

function reply(q: Buffer, rcode: number, id = q.readUInt16BE(0)): Buffer {
  const a = Buffer.from(q);
  a.writeUInt16BE(id, 0);
  a.writeUInt16BE(0x8180 | rcode, 2);
  return a;
}

test('DNS query encoding: id, RD, the name as labels, type and class IN', () => {
  assert.equal(dnsQuery(0x1234, 'www.example.test', 'A').toString('hex'), '123401000001000000000000' + '03777777076578616d706c650474657374' + '00' + '0001' + '0001');
  assert.equal(dnsQuery(1, '.', 'SOA').subarray(12).toString('hex'), '0000060001');
  assert.equal(dnsAnswer(Buffer.from('1234010000010000', 'hex'), 0x1234), 'ignore', 'too short, and a query');
});

test('DNS_CHECK: an answer is up, NXDOMAIN is down, another id is ignored, silence times out', async () => {
  let mode: 'ok' | 'nx' | 'wrongid' | 'mute' = 'ok';
  let asked = '';
  const r = await dnsResponder((q) => {
    asked = q.subarray(12).toString('hex');
    if (mode === 'mute') return undefined;
    if (mode === 'wrongid') return reply(q, 0, (q.readUInt16BE(0) + 1) & 0xffff);
    return reply(q, mode === 'nx' ? 3 : 0);
  });
  try {
    const c = checker('DNS_CHECK', r.port, 'type A\n name www.example.test');
    assert.equal((await dnsProbe(c).run(signal())).ok, true);
    assert.equal(asked, dnsQuery(0, 'www.example.test', 'A').subarray(12).toString('hex'));
    mode = 'nx';
    const nx = await dnsProbe(c).run(signal());
    assert.equal(nx.ok, false);
    assert.match(nx.reason, /rcode = 3/);
    mode = 'wrongid';
    assert.match((await dnsProbe(c).run(signal())).reason, /timeout/);
    mode = 'mute';
    assert.equal((await dnsProbe(c).run(signal())).ok, false);
  } finally {
    r.close();
  }
});

test('UDP reply matching: bounds and masked prefix', () => {
  const c = { min_reply_length: 2, max_reply_length: 8, require_reply_data: 'abx0' };
  assert.equal(udpReplyMatches(Buffer.from('ab10ff', 'hex'), c), true);
  assert.equal(udpReplyMatches(Buffer.from('ab11ff', 'hex'), c), false);
  assert.equal(udpReplyMatches(Buffer.from('ab', 'hex'), { ...c, min_reply_length: 1 }), true, 'shorter reply: only its bytes compared');
  assert.equal(udpReplyMatches(Buffer.from('00', 'hex'), c), false, 'below min_reply_length');
});

test('UDP_CHECK: an echo is up, a wrong reply is down, a closed port is down, silence is up without require_reply', async () => {
  const echo = dgram.createSocket('udp4');
  let mode: 'echo' | 'junk' | 'mute' = 'echo';
  echo.on('message', (m, r) => mode !== 'mute' && echo.send(mode === 'echo' ? m : Buffer.from('ffff', 'hex'), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const port = echo.address().port;
  try {
    const strict = checker('UDP_CHECK', port, 'payload 0102\n require_reply 01');
    assert.equal((await udpProbe(strict).run(signal())).ok, true);
    mode = 'junk';
    assert.match((await udpProbe(strict).run(signal())).reason, /mismatch/);
    mode = 'mute';
    assert.equal((await udpProbe(strict).run(signal())).ok, false, 'require_reply and no reply');
    assert.equal((await udpProbe(checker('UDP_CHECK', port, 'payload 0102')).run(signal())).ok, true, 'silence is fine without require_reply');
  } finally {
    echo.close();
  }
  // The port is closed now: the kernel answers port unreachable.
  const closed = await udpProbe(checker('UDP_CHECK', port, 'payload 0102')).run(signal());
  assert.equal(closed.ok, false);
  assert.match(closed.reason, /ECONNREFUSED/);
});
