/**
 * smtp_alert's mail client (Keepalived core/smtp.c): one connection per alert, the dialogue
 *   220 <- connect, HELO name -> 250, MAIL FROM:<from> -> 250, RCPT TO:<to> -> 250 (each
 *   recipient), DATA -> 354, headers + body + "." -> 250, QUIT -> 221
 * with smtp_connect_timeout bounding the connection and every reply. A wrong reply code sends
 * QUIT and ends; failures are logged in Keepalived's words and never thrown: the caller is a
 * state change that must not wait on, or fail because of, a mail server. Keepalived says HELO,
 * not EHLO, and so do we: servers answer both, and it is what operators' logs show.
 */
import * as net from 'node:net';
import type { Logger } from '../../base/log.js';
import { envelopeAddress, mailData, mailDate, type Mail } from './format.js';

export interface SmtpSettings {
  readonly server: { readonly address: string; readonly port: number };
  /** smtp_helo_name (Keepalived falls back to the host name). */
  readonly heloName: string;
  /** notification_email_from. */
  readonly from: string;
  /** notification_email. */
  readonly to: readonly string[];
  /** smtp_connect_timeout, seconds. */
  readonly timeoutSec: number;
}

export interface SmtpDeps {
  readonly log: Logger;
  /** The Date header's time (tests pin it). */
  readonly now?: () => Date;
}

type Stage = 'greeting' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | 'BODY' | 'QUIT';
const EXPECT: Record<Stage, number> = { greeting: 220, HELO: 250, MAIL: 250, RCPT: 250, DATA: 354, BODY: 250, QUIT: 221 };
const CMD_NAME: Record<Stage, string> = { greeting: '(E)SMTP', HELO: 'HELO', MAIL: 'MAIL', RCPT: 'RCPT', DATA: 'DATA', BODY: 'BODY', QUIT: 'QUIT' };
/** Keepalived's reply buffer; a longer reply is refused. */
const MAX_REPLY = 1024;

/** `[10.0.0.1]:25`, as Keepalived's inet_sockaddrtopair names the server in its logs. */
export function smtpHost(s: SmtpSettings): string {
  return `[${s.server.address}]:${s.server.port}`;
}

/** Sends one alert; resolves true when the server accepted the message, false otherwise. */
export function sendMail(settings: SmtpSettings, mail: Mail, deps: SmtpDeps): Promise<boolean> {
  const { log } = deps;
  const host = smtpHost(settings);
  if (settings.to.length === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    let stage: Stage = 'greeting';
    let rcpt = 0;
    let accepted = false;
    let buf = '';
    let finished = false;
    const sock = net.connect({ host: settings.server.address, port: settings.server.port });
    const timeoutMs = settings.timeoutSec * 1000;
    let connected = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(accepted);
    };
    let timer = setTimeout(onTimeout, timeoutMs);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, timeoutMs);
    };

    function onTimeout(): void {
      if (!connected) {
        log.info(`Timeout opening connection to remote SMTP server ${host}.`);
        return finish();
      }
      log.info(`Timeout reading data to remote SMTP server ${host}.`);
      if (stage === 'QUIT') return finish();
      quit();
    }

    const send = (line: string) => {
      rearm();
      sock.write(line);
    };
    const quit = () => {
      stage = 'QUIT';
      send('QUIT\r\n');
    };

    const next = () => {
      switch (stage) {
        case 'greeting':
          stage = 'HELO';
          return send(`HELO ${settings.heloName}\r\n`);
        case 'HELO':
          stage = 'MAIL';
          return send(`MAIL FROM:${envelopeAddress(settings.from)}\r\n`);
        case 'MAIL':
          stage = 'RCPT';
          return send(`RCPT TO:${envelopeAddress(settings.to[rcpt++]!)}\r\n`);
        case 'RCPT':
          // RFC 821 3.1: one RCPT per recipient, then DATA.
          if (rcpt < settings.to.length) return send(`RCPT TO:${envelopeAddress(settings.to[rcpt++]!)}\r\n`);
          stage = 'DATA';
          return send('DATA\r\n');
        case 'DATA':
          stage = 'BODY';
          return send(mailData(mail, settings.from, settings.to, mailDate(deps.now?.() ?? new Date())));
        case 'BODY':
          accepted = true;
          log.detail('SMTP alert successfully sent.');
          return quit();
        case 'QUIT':
          return finish();
      }
    };

    const reply = (code: number) => {
      if (code === EXPECT[stage]) return next();
      log.info(`Error processing ${CMD_NAME[stage]} cmd on SMTP server ${host}. SMTP status code = ${code}`);
      if (stage === 'QUIT') return finish();
      quit();
    };

    sock.setNoDelay(true);
    sock.on('connect', () => {
      connected = true;
      log.detail(`Remote SMTP server ${host} connected.`);
      rearm();
    });
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      if (buf.length >= MAX_REPLY) {
        log.info(`Received buffer from remote SMTP server ${host} overflow our get read buffer length.`);
        buf = '';
        if (stage === 'QUIT') return finish();
        return quit();
      }
      let nl: number;
      while (!finished && (nl = buf.indexOf('\r\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        // "250-..." continues a multi-line reply; the line with a blank after the code ends it.
        if (line[3] === '-') continue;
        const code = /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : -1;
        reply(code);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!finished) log.info(connected ? `Error reading data from remote SMTP server ${host}. (${e.message})` : `SMTP connection ERROR to ${host}. (${e.message})`);
      finish();
    });
    sock.on('close', () => {
      if (!finished && stage !== 'QUIT') log.info(`Remote SMTP server ${host} has closed the connection.`);
      finish();
    });
  });
}
