/**
 * SMTP_CHECK (Keepalived check_smtp.c): the banner must be 220, the answer to
 * `HELO helo_name` 250; then QUIT. Every read waits at most connect_timeout. The dialogue is a
 * pure step function (replies in, next line out) so its rules are tested without a socket.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { dialOptions, serviceName } from './tcp.js';
import type { Dialer, Probe, ProbeResult, Stream } from './types.js';

type SmtpCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'SMTP_CHECK' }>;

export type SmtpState = 'banner' | 'helo' | 'quit';

/** The reply code of a complete SMTP reply (last line `NNN ` or `NNN`), or undefined while a multi-line reply goes on. */
export function replyCode(buffer: string): number | undefined {
  const lines = buffer.split('\r\n');
  if (lines.length < 2) return undefined;
  for (const l of lines.slice(0, -1)) {
    const m = /^(\d{3})(?: |$)/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** What the dialogue does with a complete reply in `state`. */
export function smtpStep(state: SmtpState, code: number, helo: string): { send: string; next: SmtpState } | { done: ProbeResult } {
  if (state === 'banner') return code === 220 ? { send: `HELO ${helo}\r\n`, next: 'helo' } : { done: { ok: false, reason: `Bad greeting banner from server` } };
  if (state === 'helo') return code === 250 ? { send: 'QUIT\r\n', next: 'quit' } : { done: { ok: false, reason: `Bad HELO response from server` } };
  return { done: { ok: true, reason: 'SMTP connection success' } };
}

export function smtpProbe(c: SmtpCheckModel, dial: Dialer): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  return {
    async run(signal) {
      let s: Stream;
      try {
        s = await dial(dialOptions(c, signal));
      } catch (e) {
        return { ok: false, reason: `Error connecting to server ${serviceName(c)} (${(e as Error).message})` };
      }
      const r = await new Promise<ProbeResult>((resolve) => {
        let state: SmtpState = 'banner';
        let buf = '';
        let timer: NodeJS.Timeout;
        const finish = (x: ProbeResult) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          s.destroy();
          resolve(x);
        };
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => finish(state === 'quit' ? { ok: true, reason: 'SMTP connection success' } : { ok: false, reason: `Read timeout from server` }), timeoutMs);
        };
        const onAbort = () => finish({ ok: false, reason: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
        arm();
        s.on('data', (chunk) => {
          buf += chunk.toString('latin1');
          const code = replyCode(buf);
          if (code === undefined) return arm();
          buf = '';
          const step = smtpStep(state, code, c.helo_name);
          if ('done' in step) return finish(step.done);
          state = step.next;
          s.write(step.send);
          arm();
        });
        // After QUIT the server may just close: the dialogue was complete.
        s.on('close', () => finish(state === 'quit' ? { ok: true, reason: 'SMTP connection success' } : { ok: false, reason: 'Read failure from server' }));
        s.on('error', () => undefined);
      });
      return r.ok ? r : { ...r, reason: `${r.reason} ${serviceName(c)}` };
    },
  };
}
