/**
 * MISC_CHECK (Keepalived check_misc.c misc_check_child_thread()): the real server is up while a
 * script of the user's exits 0. The script runs without a shell, as its user / group, in a process
 * group of its own (src/base/spawn.ts, the one place scripts are spawned).
 *
 * - misc_dynamic: exit 1 is down; 2..255 is up with weight (code - 2), so 0..253; exit 0 is up with
 *   the configured weight back. Without it, every code but 0 is down.
 * - misc_timeout (the model falls back to delay_loop): the group gets SIGTERM; two seconds later,
 *   if the script still runs, SIGKILL. A script that dies of that signal "timed out" (down), and
 *   after a SIGTERM death the group is sent SIGKILL too, so what the script started goes with it.
 *   A script that catches SIGTERM and exits is judged by its exit code, as Keepalived does.
 * - A script killed by a signal we did not send "failed due to signal N".
 * - A script that exits normally keeps whatever it left running: Keepalived kills nothing then.
 */
import { constants } from 'node:os';
import type { MiscCheck } from '../config/sections/checkers/misc.js';
import type { ScriptExit, ScriptIdentity, Spawner } from '../base/spawn.js';
import type { Probe, ProbeResult } from './types.js';

export interface MiscDeps {
  readonly spawner: Spawner;
  /** Who runs the script: its own user, else script_user, else keepalived_script / root. */
  readonly identity: (s: { readonly user?: string; readonly group?: string }) => ScriptIdentity | { error: string };
}

/** Between SIGTERM and SIGKILL, and how long a SIGKILLed script gets before we stop waiting. */
export const KILL_GRACE_MS = 2000;

/** Which signal, if any, we sent the script because of misc_timeout. */
export type Termination = 'none' | 'SIGTERM' | 'SIGKILL';

function signalNumber(name: string): number | string {
  return (constants.signals as Record<string, number>)[name] ?? name;
}

/** What the script's end means (pure). */
export function miscVerdict(exit: ScriptExit, dynamic: boolean, script: string, sent: Termination = 'none'): ProbeResult {
  const say = (what: string) => `Misc check by [${script}] ${what}.`;
  if (exit.kind === 'spawn_error') return { ok: false, reason: say(`failed to start (${exit.message})`) };
  if (exit.kind === 'signal') {
    const ours = (sent === 'SIGTERM' && exit.signal === 'SIGTERM') || (sent === 'SIGKILL' && (exit.signal === 'SIGTERM' || exit.signal === 'SIGKILL'));
    return { ok: false, reason: say(ours ? 'timed out' : `failed (due to signal ${signalNumber(exit.signal)})`) };
  }
  const code = exit.code;
  if (code === 0) return dynamic ? { ok: true, reason: say('succeeded'), weight: null } : { ok: true, reason: say('succeeded') };
  if (dynamic && code >= 2 && code <= 255) return { ok: true, reason: say(`succeeded (weight ${code - 2})`), weight: code - 2 };
  return { ok: false, reason: say(`failed (exited with status ${code})`) };
}

export function miscProbe(c: MiscCheck, deps: MiscDeps): Probe {
  const script = c.misc_path.args[0] ?? '';
  const timeoutMs = Math.max(1, Math.round(c.misc_timeout * 1000));
  return {
    async run(signal) {
      if (signal.aborted) return { ok: false, reason: 'aborted' };
      const id = deps.identity(c.misc_path);
      if ('error' in id) return { ok: false, reason: `Misc check by [${script}] cannot run: ${id.error}` };
      const child = deps.spawner.spawn(c.misc_path.args, id);
      let sent: Termination = 'none';
      let timer: NodeJS.Timeout | undefined;
      let settle: ((r: ProbeResult) => void) | undefined;
      const forced = new Promise<ProbeResult>((resolve) => (settle = resolve));
      const escalate = () => {
        if (sent === 'none') {
          sent = 'SIGTERM';
          child.kill('SIGTERM');
        } else if (sent === 'SIGTERM') {
          sent = 'SIGKILL';
          child.kill('SIGKILL');
        } else {
          // Unkillable (uninterruptible sleep): stop waiting; Node reaps it whenever it ends.
          return settle?.({ ok: false, reason: `Misc check by [${script}] timed out (pid ${child.pid} failed to terminate after kill).` });
        }
        timer = setTimeout(escalate, KILL_GRACE_MS);
      };
      timer = setTimeout(escalate, timeoutMs);
      // The scheduler gave up on this attempt: nothing waits for the script any more.
      const onAbort = () => {
        child.kill('SIGKILL');
        settle?.({ ok: false, reason: 'aborted' });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const r = await Promise.race([
        child.exited.then((exit) => {
          // A SIGTERM death: whatever the script started must not outlive it.
          if (exit.kind === 'signal' && exit.signal === 'SIGTERM' && sent !== 'none') child.kill('SIGKILL');
          return miscVerdict(exit, c.misc_dynamic, script, sent);
        }),
        forced,
      ]);
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      return r;
    },
  };
}
