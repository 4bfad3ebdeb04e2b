/**
 * The smtp_alert client against a small SMTP server on 127.0.0.1 that this test runs: the exact
 * dialogue and message, a refused recipient, a silent server, a closed port. Failures resolve
 * false and are logged; nothing throws.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { sendMail, type SmtpSettings } from '../../src/daemon/notify/smtp.js';

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

type Replies = (line: string, inData: boolean) => string | undefined;

/** A scripted server: `greeting` on connect, then `replies` decides each answer; records everything. */
async function server(greeting: string | undefined, replies: Replies): Promise<{ port: number; received: string[]; data: string[] }> {
  const received: string[] = [];
  const data: string[] = [];
  const srv = net.createServer((sock) => {
    let buf = '';
    let inData = false;
    let message = '';
    if (greeting !== undefined) sock.write(greeting);
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (inData) {
          message += line + '\r\n';
          if (line !== '.') continue;
          data.push(message);
          inData = false;
          const r = replies('.', true);
          if (r !== undefined) sock.write(r);
          continue;
        }
        received.push(line);
        const r = replies(line, false);
        if (r !== undefined) sock.write(r);
        if (line === 'DATA' && r?.startsWith('354')) {
          inData = true;
          message = '';
        }
        if (line === 'QUIT') sock.end();
      }
    });
    sock.on('error', () => {});
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, received, data };
}

const okServer: Replies = (line) => {
  if (line.startsWith('HELO')) return '250-mail.test greets you\r\n250 SIZE 1000\r\n';
  if (line === 'DATA') return '354 go ahead\r\n';
  if (line === '.') return '250 queued\r\n';
  if (line === 'QUIT') return '221 bye\r\n';
  return '250 ok\r\n';
};

const settings = (port: number, o: Partial<SmtpSettings> = {}): SmtpSettings => ({
  server: { address: '127.0.0.1', port },
  heloName: 'lb1.example.com',
  from: 'keepalived@lb1.example.com',
  to: ['ops@example.com', 'Pager <pager@example.com>'],
  timeoutSec: 5,
  ...o,
});
const mail = { subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' };
const date = new Date(2021, 2, 1, 9, 44, 8);

test('the dialogue and the message, byte for byte', async () => {
  const srv = await server('220 mail.test ESMTP\r\n', okServer);
  const log = memoryLogger();
  const ok = await sendMail(settings(srv.port), mail, { log, now: () => date });
  assert.equal(ok, true, log.lines.join('\n'));
  assert.deepEqual(srv.received, [
    'HELO lb1.example.com',
    'MAIL FROM:<keepalived@lb1.example.com>',
    'RCPT TO:<ops@example.com>',
    'RCPT TO:<pager@example.com>',
    'DATA',
    'QUIT',
  ]);
  const off = -date.getTimezoneOffset();
  const z = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
  assert.deepEqual(srv.data, [
    `Date: Mon, 01 Mar 2021 09:44:08 ${z}\r\n` +
      'From: keepalived@lb1.example.com\r\n' +
      'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n' +
      'X-Mailer: Keepalived\r\n' +
      'To: ops@example.com,\r\n Pager <pager@example.com>\r\n' +
      '\r\n' +
      '=> VRRP Instance is now owning VRRP VIPs <=\r\n' +
      '\r\n' +
      '.\r\n',
  ]);
});

test('a refused recipient ends the dialogue with QUIT, logged in Keepalived words', async () => {
  const srv = await server('220 hi\r\n', (line, inData) => (line.startsWith('RCPT TO:<pager') ? '550 no such user\r\n' : okServer(line, inData)));
  const log = memoryLogger();
  const ok = await sendMail(settings(srv.port), mail, { log });
  assert.equal(ok, false);
  assert.deepEqual(srv.received.slice(-2), ['RCPT TO:<pager@example.com>', 'QUIT']);
  assert.deepEqual(srv.data, []);
  assert.ok(log.lines.includes(`Error processing RCPT cmd on SMTP server [127.0.0.1]:${srv.port}. SMTP status code = 550`), log.lines.join('\n'));
});

test('a server that never answers is given up after smtp_connect_timeout', async () => {
  const srv = await server(undefined, () => undefined);
  const log = memoryLogger();
  const ok = await sendMail(settings(srv.port, { timeoutSec: 1 }), mail, { log });
  assert.equal(ok, false);
  assert.ok(log.lines.includes(`Timeout reading data to remote SMTP server [127.0.0.1]:${srv.port}.`), log.lines.join('\n'));
  assert.deepEqual(srv.received, ['QUIT'], 'a QUIT is still sent, as Keepalived does');
});

test('a closed port is a logged failure, not an exception', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const log = memoryLogger();
  assert.equal(await sendMail(settings(port), mail, { log }), false);
  assert.match(log.lines.join('\n'), new RegExp(`SMTP connection ERROR to \\[127\\.0\\.0\\.1\\]:${port}\\.`));
});
