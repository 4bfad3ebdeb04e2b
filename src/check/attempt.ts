/**
 * The shape every socket checker's attempt shares: it ends exactly once - on a verdict, on its
 * timeout, or when the caller aborts - and on ending it stops its timer, lets go of the abort
 * signal and releases its socket. Probes keep only their protocol.
 */
import type { ProbeResult } from './types.js';

export interface Attempt {
  /** Ends the attempt with `r` (later calls are ignored). */
  finish(r: ProbeResult): void;
  /** Starts the timeout again (a read timer per line or datagram). */
  rearm(): void;
  readonly done: boolean;
}

/**
 * Runs `start` with an Attempt. `onTimeout` is the verdict when `timeoutMs` passes without one;
 * `release` runs once at the end, whatever ended it; an abort ends it with "aborted".
 */
export function runAttempt(signal: AbortSignal, timeoutMs: number, onTimeout: () => ProbeResult, release: () => void, start: (a: Attempt) => void): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const a: Attempt = {
      done: false,
      finish(r) {
        if (a.done) return;
        (a as { done: boolean }).done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        release();
        resolve(r);
      },
      rearm() {
        clearTimeout(timer);
        timer = setTimeout(() => a.finish(onTimeout()), timeoutMs);
      },
    };
    const onAbort = () => a.finish({ ok: false, reason: 'aborted' });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    a.rearm();
    start(a);
  });
}
