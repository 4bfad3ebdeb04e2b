/**
 * SMTP_CHECK: the dialogue rules of check_smtp.c as a pure machine, then against real SMTP
 * servers on 127.0.0.1 and ::1 (node:net) that answer right, with a wrong code, a multi-line
 * banner, slowly, never, or hang up before answering QUIT; and the deprecated `host` blocks.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { SmtpDialogue, smtpProbe, smtpStatus, smtpStep } from '../../src/check/smtp.js';
import type { SmtpCheck } from '../../src/config/sections/checkers/smtp.js';
import { tcpDialer } from '../../src/os/dial.js';
import { load } from '../config/lvs-helpers.js';

function checkers(port: number, body = '', ip = '127.0.0.1'): SmtpCheck[] {
  const r = load(`virtual_server ${ip} 80 {\n protocol TCP\n real_server ${ip} ${port} {\n SMTP_CHECK {\n connect_timeout 0.4\n ${body}\n }\n }\n}\n`);
  const cs = r.config.virtual_server[0]?.real_server[0]?.checkers ?? [];
  assert.ok(cs.length > 0 && cs.every((c) => c.checker === 'SMTP_CHECK'), JSON.stringify(r.diagnostics));
  return cs as SmtpCheck[];
}
const checker = (port: number, body = '', ip = '127.0.0.1') => checkers(port, body, ip)[0]!;
const signal = () => new AbortController().signal;

interface Server {
  port: number;
  /** Lines the server heard, per connection. */
  heard: string[][];
  close(): Promise<void>;
}

/** An SMTP server: `banner` on connect (after `delayMs`), then `answer` for each line heard. */
async function smtpServer(banner: string | undefined, answer: (line: string, sock: net.Socket) => void, host = '127.0.0.1', delayMs = 0): Promise<Server> {
  const heard: string[][] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    const mine: string[] = [];
    heard.push(mine);
    s.on('error', () => undefined);
    if (banner !== undefined) setTimeout(() => !s.destroyed && s.write(banner), delayMs);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        mine.push(line);
        answer(line, s);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    heard,
    close: () => new Promise((r) => {
      for (const s of socks) s.destroy();
      srv.close(() => r());
    }),
  };
}

/** A well-behaved mail server, answering after `delayMs`. */
const proper = (delayMs = 0) => (line: string, s: net.Socket) => {
  if (line.startsWith('HELO')) setTimeout(() => s.write('250 pleased to meet you\r\n'), delayMs);
  if (line === 'QUIT') setTimeout(() => s.end('221 bye\r\n'), delayMs);
};

test('smtp_get_status: three digits then a space or nothing; anything else is no code', () => {
  assert.equal(smtpStatus('220 mail.example ESMTP\r\n'), 220);
  assert.equal(smtpStatus('250'), 250);
  assert.equal(smtpStatus('220-first line\r\n'), -1, 'a multi-line reply is not accepted');
  assert.equal(smtpStatus('220\r\n'), -1, 'a bare code followed by CRLF is not accepted either');
  assert.equal(smtpStatus(' 220 x\r\n'), -1);
  assert.equal(smtpStatus('2200 x\r\n'), -1);
});

test('dialogue: 220 then HELO, 250 then QUIT, any line after QUIT is success', () => {
  assert.deepEqual(smtpStep('banner', '220 hi\r\n', 'me'), { send: 'HELO me\r\n', next: 'helo' });
  assert.equal('done' in smtpStep('banner', '554 go away\r\n', 'me'), true);
  assert.deepEqual(smtpStep('helo', '250 ok\r\n', 'me'), { send: 'QUIT\r\n', next: 'quit' });
  assert.deepEqual(smtpStep('helo', '550 no\r\n', 'me'), { done: { ok: false, reason: 'Bad HELO response from server' } });
  const end = smtpStep('quit', '500 whatever\r\n', 'me');
  assert.ok('done' in end && end.done.ok, 'the reply to QUIT is not judged');
});

test('dialogue over chunks: a line split across reads, bytes after the line dropped, overflow starts over', () => {
  const d = new SmtpDialogue('me');
  assert.equal(d.feed('22'), undefined);
  assert.deepEqual(d.feed('0 hi\r\nextra'), { send: 'HELO me\r\n' });
  // 'extra' went with the banner's buffer: the HELO answer is judged on its own.
  assert.deepEqual(d.feed('250 ok\n'), { send: 'QUIT\r\n' });
  const o = new SmtpDialogue('me');
  assert.equal(o.feed('x'.repeat(511)), undefined, 'a full buffer without a newline is dropped');
  assert.deepEqual(o.feed('220 late\r\n'), { send: 'HELO me\r\n' });
});

test('a proper server is up; it hears HELO with helo_name, then QUIT', async () => {
  const s = await smtpServer('220 mail ready\r\n', proper());
  try {
    const r = await smtpProbe(checker(s.port, 'helo_name checker.test'), tcpDialer).run(signal());
    assert.equal(r.ok, true, r.reason);
    assert.match(r.reason, /Remote SMTP server \[127\.0\.0\.1\]:\d+ succeed on service/);
    assert.deepEqual(s.heard, [['HELO checker.test', 'QUIT']]);
    const d = await smtpProbe(checker(s.port), tcpDialer).run(signal());
    assert.equal(d.ok, true);
    assert.deepEqual(s.heard[1], ['HELO smtpchecker.keepalived.org', 'QUIT'], 'the default helo_name');
  } finally {
    await s.close();
  }
});

test('IPv6: a proper server on ::1 is up', async () => {
  const s = await smtpServer('220 mail ready\r\n', proper(), '::1');
  try {
    const r = await smtpProbe(checker(s.port, '', '::1'), tcpDialer).run(signal());
    assert.equal(r.ok, true, r.reason);
  } finally {
    await s.close();
  }
});

test('each step has its own connect_timeout: three answers 250 ms apart pass a 400 ms timeout', async () => {
  const s = await smtpServer('220 slow\r\n', proper(250), '127.0.0.1', 250);
  try {
    const r = await smtpProbe(checker(s.port), tcpDialer).run(signal());
    assert.equal(r.ok, true, r.reason);
  } finally {
    await s.close();
  }
});

test('down: wrong banner code, multi-line banner, wrong HELO answer', async () => {
  const busy = await smtpServer('554 go away\r\n', proper());
  const multi = await smtpServer('220-first\r\n220 second\r\n', proper());
  const picky = await smtpServer('220 hi\r\n', (line, s) => line.startsWith('HELO') && s.write('501 no\r\n'));
  try {
    const a = await smtpProbe(checker(busy.port), tcpDialer).run(signal());
    assert.deepEqual([a.ok, a.reason], [false, `SMTP_CHECK Bad greeting banner from server [127.0.0.1]:${busy.port}`]);
    const b = await smtpProbe(checker(multi.port), tcpDialer).run(signal());
    assert.match(b.reason, /Bad greeting banner/);
    const c = await smtpProbe(checker(picky.port), tcpDialer).run(signal());
    assert.match(c.reason, /Bad HELO response/);
    assert.deepEqual(picky.heard[0], ['HELO smtpchecker.keepalived.org'], 'no QUIT after a bad answer');
  } finally {
    await Promise.all([busy.close(), multi.close(), picky.close()]);
  }
});

test('down: a silent server times out; one that hangs up instead of answering QUIT is a read failure', async () => {
  const mute = await smtpServer(undefined, () => undefined);
  const rude = await smtpServer('220 hi\r\n', (line, s) => (line === 'QUIT' ? s.end() : s.write('250 ok\r\n')));
  try {
    const a = await smtpProbe(checker(mute.port), tcpDialer).run(signal());
    assert.deepEqual([a.ok, a.reason], [false, `SMTP_CHECK Read timeout from server [127.0.0.1]:${mute.port}`]);
    const b = await smtpProbe(checker(rude.port), tcpDialer).run(signal());
    assert.equal(b.ok, false);
    assert.match(b.reason, /Read failure from server/);
  } finally {
    await Promise.all([mute.close(), rude.close()]);
  }
});

test('down: nothing listening', async () => {
  const s = await smtpServer('220 hi\r\n', proper());
  const port = s.port;
  await s.close();
  const r = await smtpProbe(checker(port), tcpDialer).run(signal());
  assert.equal(r.ok, false);
  assert.match(r.reason, /Could not connect to server \[127\.0\.0\.1\]:\d+ \(.*ECONNREFUSED/);
});

test('host blocks: one checker per host, each probing its own server', async () => {
  const good = await smtpServer('220 hi\r\n', proper());
  const bad = await smtpServer('421 busy\r\n', proper());
  try {
    const text = `virtual_server 127.0.0.1 25 {\n protocol TCP\n real_server 127.0.0.1 1 {\n SMTP_CHECK {\n host {\n connect_port ${good.port}\n }\n host {\n connect_port ${bad.port}\n connect_timeout 0.4\n }\n }\n }\n}\n`;
    const cs = load(text).config.virtual_server[0]!.real_server[0]!.checkers as SmtpCheck[];
    // No connection option in the checker itself: the first host replaces it (check_smtp.c).
    assert.deepEqual(cs.map((c) => [c.checker, c.connect_port]), [['SMTP_CHECK', good.port], ['SMTP_CHECK', bad.port]]);
    const [a, b] = await Promise.all(cs.map((c) => smtpProbe(c, tcpDialer).run(signal())));
    assert.deepEqual([a!.ok, b!.ok], [true, false]);
  } finally {
    await Promise.all([good.close(), bad.close()]);
  }
});

test('an aborted attempt closes the connection and settles', async () => {
  const mute = await smtpServer(undefined, () => undefined);
  try {
    const ac = new AbortController();
    const p = smtpProbe(checker(mute.port, 'connect_timeout 30'), tcpDialer).run(ac.signal);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    assert.deepEqual(await p, { ok: false, reason: 'aborted' });
  } finally {
    await mute.close();
  }
});
