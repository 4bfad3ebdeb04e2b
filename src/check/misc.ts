/**
 * MISC_CHECK (Keepalived check_misc.c): the real server is up while a script of the user's exits
 * 0. With misc_dynamic, exit 1 is down and 2..255 is up with weight (code - 2), 0 restoring the
 * configured weight. A script still running after misc_timeout is sent SIGTERM, then SIGKILL two
 * seconds later, with every process of its group, and counts as failed ("timed out").
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { ScriptExit, Spawner } from '../daemon/track/script-exec.js';
import type { ScriptIdentity } from '../daemon/track/users.js';
import type { Probe, ProbeResult } from './types.js';

type MiscCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'MISC_CHECK' }>;

export interface MiscDeps {
  readonly spawner: Spawner;
  /** Who runs the script: its own user, else script_user, else keepalived_script / root. */
  readonly identity: (s: { readonly user?: string; readonly group?: string }) => ScriptIdentity | { error: string };
}

/** After SIGTERM, how long a timed-out script gets before SIGKILL (check_misc.c). */
const KILL_GRACE_MS = 2000;

/** What an exit means (pure). */
export function miscVerdict(exit: ScriptExit, dynamic: boolean, name: string): ProbeResult {
  if (exit.kind === 'spawn_error') return { ok: false, reason: `Misc check to ${name} failed to start: ${exit.message}` };
  if (exit.kind === 'signal') return { ok: false, reason: `Misc check to ${name} was killed by ${exit.signal}` };
  if (exit.code === 0) return dynamic ? { ok: true, reason: `Misc check to ${name} succeeded`, weight: null } : { ok: true, reason: `Misc check to ${name} succeeded` };
  if (dynamic && exit.code >= 2 && exit.code <= 255) return { ok: true, reason: `Misc check to ${name} succeeded with weight ${exit.code - 2}`, weight: exit.code - 2 };
  return { ok: false, reason: `Misc check to ${name} failed, exited with status ${exit.code}` };
}

export function miscProbe(c: MiscCheckModel, deps: MiscDeps): Probe {
  const name = c.misc_path.args[0] ?? '';
  const timeoutMs = Math.max(1, Math.round(c.misc_timeout * 1000));
  return {
    async run(signal) {
      const id = deps.identity(c.misc_path);
      if ('error' in id) return { ok: false, reason: `Misc check to ${name}: ${id.error}` };
      const child = deps.spawner.spawn(c.misc_path.args, id);
      let timedOut = false;
      let grace: NodeJS.Timeout | undefined;
      const end = () => {
        child.kill('SIGTERM');
        grace = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        end();
      }, timeoutMs);
      const onAbort = () => end();
      signal.addEventListener('abort', onAbort, { once: true });
      const exit = await child.exited;
      clearTimeout(timer);
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      // Whatever the script left behind in its group goes with it.
      child.kill('SIGKILL');
      if (timedOut) return { ok: false, reason: `Misc check to ${name} timed out` };
      return miscVerdict(exit, c.misc_dynamic, name);
    },
  };
}
