/**
 * DNS_CHECK: the query codec and the answer rules of check_dns.c, then against a real responder
 * (node:dgram) on 127.0.0.1 and ::1 answering right, NXDOMAIN, with another id, with a query,
 * too short, or not at all, and against a closed port.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { dnsAnswer, dnsProbe, dnsQuery } from '../../src/check/dns.js';
import type { DnsCheck } from '../../src/config/sections/checkers/dns.js';
import { load } from '../config/lvs-helpers.js';

function checker(port: number, body = '', ip = '127.0.0.1'): DnsCheck {
  const r = load(`virtual_server ${ip} 80 {\n protocol UDP\n real_server ${ip} ${port} {\n DNS_CHECK {\n connect_timeout 0.4\n ${body}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'DNS_CHECK', JSON.stringify(r.diagnostics));
  return c as DnsCheck;
}
const signal = () => new AbortController().signal;

type Mode = 'ok' | 'nx' | 'wrongid' | 'query' | 'short' | 'mute';

/** A responder whose behaviour the test sets; it records every query it got. */
async function responder(host = '127.0.0.1'): Promise<{ port: number; mode: Mode; queries: Buffer[]; close(): Promise<void> }> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const r = { port: 0, mode: 'ok' as Mode, queries: [] as Buffer[], close: () => new Promise<void>((res) => s.close(() => res())) };
  s.on('message', (q, from) => {
    r.queries.push(q);
    const a = Buffer.from(q);
    const id = q.readUInt16BE(0);
    const send = (b: Buffer) => s.send(b, from.port, from.address);
    switch (r.mode) {
      case 'mute':
        return;
      case 'short':
        return send(a.subarray(0, 11));
      case 'query':
        return send(a);
      case 'wrongid':
        a.writeUInt16BE((id + 1) & 0xffff, 0);
        a.writeUInt16BE(0x8180, 2);
        return send(a);
      default:
        a.writeUInt16BE(0x8180 | (r.mode === 'nx' ? 3 : 0), 2);
        return send(a);
    }
  });
  await new Promise<void>((res) => s.bind(0, host, res));
  r.port = s.address().port;
  return r;
}

test('query encoding: id, RD, one question, the name as labels, type, class IN', () => {
  assert.equal(
    dnsQuery(0x1234, 'www.example.test', 'A').toString('hex'),
    '123401000001000000000000' + '03777777076578616d706c650474657374' + '00' + '0001' + '0001',
  );
  assert.equal(dnsQuery(0x1234, 'www.example.test.', 'A').toString('hex'), dnsQuery(0x1234, 'www.example.test', 'A').toString('hex'), 'a trailing dot changes nothing');
  assert.equal(dnsQuery(1, '.', 'SOA').subarray(12).toString('hex'), '00' + '0006' + '0001', 'the root alone');
  assert.equal(dnsQuery(1, 'x', 'AAAA').subarray(12).toString('hex'), '017800' + '001c' + '0001');
  assert.throws(() => dnsQuery(1, `${'a'.repeat(64)}.test`, 'A'), RangeError);
});

test('answer rules: short, other id and queries are ignored; rcode 0 is up whatever the answer count, others down', () => {
  const q = dnsQuery(0x4242, 'x', 'A');
  const reply = (flags: number, id = 0x4242) => {
    const a = Buffer.from(q);
    a.writeUInt16BE(id, 0);
    a.writeUInt16BE(flags, 2);
    return a;
  };
  assert.equal(dnsAnswer(q.subarray(0, 11), 0x4242), 'ignore');
  assert.equal(dnsAnswer(q, 0x4242), 'ignore', 'QR clear: a query');
  assert.equal(dnsAnswer(reply(0x8180, 0x4243), 0x4242), 'ignore');
  assert.deepEqual(dnsAnswer(reply(0x8180), 0x4242), { ok: true, reason: 'succeeded' });
  assert.deepEqual(dnsAnswer(reply(0x8182), 0x4242), { ok: false, reason: 'read error occurred. (rcode = 2)' });
});

test('against a responder: the default query is SOA for the root; NOERROR is up', async () => {
  const r = await responder();
  try {
    const c = checker(r.port);
    const res = await dnsProbe(c, () => 0.5).run(signal());
    assert.equal(res.ok, true, res.reason);
    assert.equal(r.queries.length, 1);
    assert.equal(r.queries[0]!.toString('hex'), dnsQuery(0x8000, '.', 'SOA').toString('hex'), 'id from the injected random, SOA, root');
  } finally {
    await r.close();
  }
});

test('against a responder: NXDOMAIN is down at once; another id, a query echoed, a short message or silence time out', async () => {
  const r = await responder();
  try {
    const c = checker(r.port, 'type A\n name www.example.test');
    assert.equal((await dnsProbe(c).run(signal())).ok, true);
    assert.equal(r.queries.at(-1)!.subarray(12).toString('hex'), dnsQuery(0, 'www.example.test', 'A').subarray(12).toString('hex'));
    r.mode = 'nx';
    const nx = await dnsProbe(c).run(signal());
    assert.equal(nx.ok, false);
    assert.equal(nx.reason, `DNS_CHECK ([127.0.0.1]:${r.port}) read error occurred. (rcode = 3)`);
    for (const mode of ['wrongid', 'query', 'short', 'mute'] as const) {
      r.mode = mode;
      const res = await dnsProbe(c).run(signal());
      assert.equal(res.ok, false, mode);
      assert.match(res.reason, /read timeout from socket/, mode);
    }
  } finally {
    await r.close();
  }
});

test('IPv6: a responder on ::1 answers', async () => {
  const r = await responder('::1');
  try {
    const res = await dnsProbe(checker(r.port, '', '::1')).run(signal());
    assert.equal(res.ok, true, res.reason);
  } finally {
    await r.close();
  }
});

test('a closed port is down through the ICMP port unreachable, before connect_timeout', async () => {
  const r = await responder();
  const port = r.port;
  await r.close();
  const res = await dnsProbe(checker(port, 'connect_timeout 30')).run(signal());
  assert.equal(res.ok, false);
  assert.match(res.reason, /failed to read socket .*Connection refused/);
});

test('bindto and bind_port set the query source', async () => {
  const probePort = 20000 + (process.pid % 20000);
  let from = '';
  const s = dgram.createSocket('udp4');
  s.on('message', (q, info) => {
    from = `${info.address}:${info.port}`;
    const a = Buffer.from(q);
    a.writeUInt16BE(0x8180, 2);
    s.send(a, info.port, info.address);
  });
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  try {
    const res = await dnsProbe(checker(s.address().port, `bindto 127.0.0.1\n bind_port ${probePort}`)).run(signal());
    assert.equal(res.ok, true, res.reason);
    assert.equal(from, `127.0.0.1:${probePort}`);
  } finally {
    await new Promise<void>((res) => s.close(() => res()));
  }
});
