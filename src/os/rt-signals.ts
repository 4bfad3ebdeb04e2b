/**
 * Real-time signals Keepalived's tools send: 36 (SIGRTMIN+2, the JSON dump) and 63 (SIGRTMAX-1,
 * STATS_CLEAR). Node's process.on() has no names for them and their default action kills the
 * process, so an exporter polling for JSON would kill us. libuv's own signal watcher (the
 * signal_wrap binding, which process.on() itself uses) takes any number; it is reached through
 * process.binding, deprecated but present in Node 20, and through internalBinding otherwise.
 */

export const SIG_JSON = 36;
export const SIG_STATS_CLEAR = 63;

interface SignalWrap {
  onsignal: (signum: number) => void;
  start(signum: number): number;
  close(): void;
  unref(): void;
}

type SignalCtor = new () => SignalWrap;

function signalCtor(): SignalCtor | undefined {
  const p = process as unknown as { binding?: (name: string) => { Signal?: SignalCtor } };
  // The binding is deprecated (DEP0111); silence the one warning it would print at start-up.
  const emit = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    return p.binding?.('signal_wrap').Signal;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emit;
  }
}

const watchers: SignalWrap[] = [];

/** Calls `fn` on signal `signum`; returns false when this Node cannot watch it. */
export function onSignalNumber(signum: number, fn: () => void): boolean {
  const Signal = signalCtor();
  if (!Signal) return false;
  const w = new Signal();
  w.onsignal = () => fn();
  if (w.start(signum) !== 0) return false;
  // Like process.on(), a watcher alone must not keep the process alive.
  w.unref();
  watchers.push(w);
  return true;
}

export function closeSignalWatchers(): void {
  for (const w of watchers.splice(0)) w.close();
}
