/**
 * SMTP_CHECK (Keepalived check_smtp.c; RFC 5321 4.2 reply codes): connect, read the greeting and
 * require 220, send `HELO helo_name`, require 250, send QUIT and read one more line (its code is not
 * looked at). Each step - the connection, and every line read - has connect_timeout. The
 * deprecated `host` sub-blocks are already separate SMTP_CHECKs in the model (readSmtpCheck()).
 *
 * Keepalived's reading rules, mirrored by the pure `SmtpDialogue` so they are tested without a
 * socket: a step's buffer starts empty and is complete once it holds a '\n'; its code is the
 * buffer's first three characters, which must be digits followed by a space or nothing more. So a
 * multi-line reply ("220-...") and a bare "220\r\n" are both a bad reply; whatever came after the
 * line in the same read is dropped. A buffer filling SMTP_BUFF_MAX - 1 bytes without a newline
 * starts over.
 */
import type { SmtpCheck } from '../config/sections/checkers/smtp.js';
import { runAttempt } from './attempt.js';
import { dialOptions } from './tcp.js';
import type { Dialer, Probe, ProbeResult, Stream } from './types.js';

/** SMTP_BUFF_MAX (check_smtp.h). */
const BUFF_MAX = 512;

export type SmtpState = 'banner' | 'helo' | 'quit';

/** smtp_get_status(): the code a complete line starts with, or -1. */
export function smtpStatus(line: string): number {
  const m = /^([0-9]{3})(?:[ \0]|$)/.exec(line);
  return m ? Number(m[1]) : -1;
}

/** What the dialogue does with a complete line read in `state`. */
export function smtpStep(state: SmtpState, line: string, helo: string): { send: string; next: SmtpState } | { done: ProbeResult } {
  if (state === 'banner') return smtpStatus(line) === 220 ? { send: `HELO ${helo}\r\n`, next: 'helo' } : { done: { ok: false, reason: 'Bad greeting banner from server' } };
  if (state === 'helo') return smtpStatus(line) === 250 ? { send: 'QUIT\r\n', next: 'quit' } : { done: { ok: false, reason: 'Bad HELO response from server' } };
  return { done: { ok: true, reason: 'succeed on service' } };
}

/** The dialogue over bytes as they arrive: feed() returns what to write, the verdict, or nothing yet. */
export class SmtpDialogue {
  state: SmtpState = 'banner';
  private buf = '';

  constructor(private readonly helo: string) {}

  feed(chunk: string): { send: string } | { done: ProbeResult } | undefined {
    let rest = chunk;
    while (rest.length > 0) {
      // Keepalived reads at most what fits in its buffer, then starts over if no line came.
      const room = BUFF_MAX - 1 - this.buf.length;
      this.buf += rest.slice(0, room);
      rest = rest.slice(room);
      if (this.buf.includes('\n')) {
        const step = smtpStep(this.state, this.buf, this.helo);
        this.buf = '';
        if ('done' in step) return step;
        this.state = step.next;
        return { send: step.send };
      }
      if (this.buf.length >= BUFF_MAX - 1) this.buf = '';
    }
    return undefined;
  }
}

export function smtpProbe(c: SmtpCheck, dial: Dialer): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const where = `[${c.connect_ip}]:${c.connect_port}`;
  // Keepalived's words: "Remote SMTP server [ip]:port succeed on service.", "SMTP_CHECK Bad ... [ip]:port".
  const say = (r: ProbeResult): ProbeResult => ({ ...r, reason: r.ok ? `Remote SMTP server ${where} ${r.reason}.` : `SMTP_CHECK ${r.reason} ${where}` });
  return {
    async run(signal) {
      let s: Stream;
      try {
        s = await dial(dialOptions(c, signal));
      } catch (e) {
        const why = (e as Error).message;
        if (why === 'timeout') return say({ ok: false, reason: 'Connection timeout to server' });
        return { ok: false, reason: `SMTP_CHECK Could not connect to server ${where} (${why})` };
      }
      const dialogue = new SmtpDialogue(c.helo_name);
      const stream = s;
      // Every line gets its own connect_timeout, as each smtp_get_line() arms a fresh read timer.
      const r = await runAttempt(signal, timeoutMs, () => ({ ok: false, reason: 'Read timeout from server' }), () => stream.destroy(), (a) => {
        stream.on('data', (chunk) => {
          if (a.done) return;
          const out = dialogue.feed(chunk.toString('latin1'));
          if (!out) return;
          if ('done' in out) return a.finish(out.done);
          stream.write(out.send);
          a.rearm();
        });
        stream.on('end', () => a.finish({ ok: false, reason: 'Read failure from server' }));
        stream.on('close', () => a.finish({ ok: false, reason: 'Read failure from server' }));
        stream.on('error', (e) => a.finish({ ok: false, reason: `Read failure from server (${e.message})` }));
      });
      return r.reason === 'aborted' ? r : say(r);
    },
  };
}
