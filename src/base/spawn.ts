/**
 * Starting a script the way Keepalived does (notify.c system_call_script): no shell, argv as
 * configured, as the script's user and group, stdin/stdout/stderr on /dev/null, IFS, LD_PRELOAD
 * and LD_LIBRARY_PATH removed from the environment, in a process group of its own so that a
 * timeout kills whatever the script started too. This is the only place that spawns scripts;
 * tests give the runner, the notifier and MISC_CHECK a fake Spawner instead. On the ground floor
 * (base/) because both the daemon's trackers and the checkers (check/misc.ts) start scripts.
 */
import { spawn } from 'node:child_process';

/** The user and group a child runs as (resolved from names by daemon/track/users.ts). */
export interface ScriptIdentity {
  readonly uid: number;
  readonly gid: number;
}

export type ScriptExit =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'spawn_error'; readonly message: string };

export interface RunningScript {
  readonly pid: number | undefined;
  readonly exited: Promise<ScriptExit>;
  /** Signals the script's whole process group; false when it is already gone. */
  kill(signal: NodeJS.Signals): boolean;
}

export interface Spawner {
  spawn(args: readonly string[], identity?: ScriptIdentity): RunningScript;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.IFS;
  delete env.LD_PRELOAD;
  delete env.LD_LIBRARY_PATH;
  return env;
}

/** Sends `signal` to the process group led by `pid`; ESRCH (all gone) is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export const realSpawner: Spawner = {
  spawn(args, identity) {
    const [cmd, ...rest] = args;
    if (cmd === undefined) {
      return { pid: undefined, exited: Promise.resolve({ kind: 'spawn_error', message: 'empty command' }), kill: () => false };
    }
    // Only ids that differ from ours: libuv clears supplementary groups whenever uid or gid is
    // given, which an unprivileged daemon may not do.
    const ids: { uid?: number; gid?: number } = {};
    if (identity && identity.uid !== process.getuid?.()) ids.uid = identity.uid;
    if (identity && identity.gid !== process.getgid?.()) ids.gid = identity.gid;
    let child;
    try {
      // detached: setsid(), so the script leads its own process group as with Keepalived's setpgid.
      child = spawn(cmd, rest, { stdio: 'ignore', detached: true, env: cleanEnv(), ...ids });
    } catch (e) {
      return { pid: undefined, exited: Promise.resolve({ kind: 'spawn_error', message: (e as Error).message }), kill: () => false };
    }
    const pid = child.pid;
    let done = false;
    const exited = new Promise<ScriptExit>((resolve) => {
      child.once('error', (e) => {
        done = true;
        resolve({ kind: 'spawn_error', message: e.message });
      });
      child.once('exit', (code, signal) => {
        done = true;
        resolve(signal ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 0 });
      });
    });
    // Not unref'd: whoever waits for a script (STOP scripts at shutdown) must see it end; stop()
    // and close() of the runner and the notifier end the scripts they started.
    return {
      pid,
      exited,
      kill: (signal) => (pid !== undefined ? killGroup(pid, signal) : false) || (!done && child.kill(signal)),
    };
  },
};
