/**
 * Running one conntrackd client command (`conntrackd -C CONF -c` and the like) for
 * daemon/conntrackd/driver.ts: no shell, its own process group, its output kept for the log,
 * killed (the whole group) when it outlives its bound. conntrackd's client waits on the daemon's
 * UNIX socket, so a daemon that hangs would hang the client for ever without the bound.
 */
import { spawn } from 'node:child_process';
import { killGroup } from '../base/spawn.js';

export interface CommandResult {
  /** The exit code; undefined when it never started, was killed or died of a signal. */
  readonly code?: number;
  /** Why it has no code: 'timeout', a signal name or the spawn error. */
  readonly failure?: string;
  /** stdout and stderr together, trimmed. */
  readonly output: string;
}

export type CommandRunner = (argv: readonly string[], timeoutMs: number) => Promise<CommandResult>;

export const runCommand: CommandRunner = (argv, timeoutMs) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const chunks: Buffer[] = [];
    let timedOut = false;
    let child;
    try {
      child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      resolve({ failure: (e as Error).message, output: '' });
      return;
    }
    const pid = child.pid;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (b: Buffer) => chunks.push(b));
    child.stderr!.on('data', (b: Buffer) => chunks.push(b));
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ failure: e.message, output: '' });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8').trim();
      if (timedOut) resolve({ failure: `timeout after ${timeoutMs} ms`, output });
      else if (signal) resolve({ failure: signal, output });
      else resolve({ code: code ?? 0, output });
    });
  });
