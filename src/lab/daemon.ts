/**
 * A keepalived-ts daemon (or the real keepalived) running in a lab host, for tests and benchmarks:
 * started in the foreground (-n -l) with its own pid files, stopped by its own PIDs only.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lab } from './lab.js';

/** What bin/keepalived-ts's first line gives node (the daemon as users run it). */
export const BIN_NODE_FLAGS = ['--max-semi-space-size=1', '--turbo-filter=lexConfigFile', '--no-parallel-scavenge'];

export class Daemon {
  readonly proc: ChildProcess;
  readonly output: string[] = [];
  readonly pidFile: string;
  readonly vrrpPidFile: string;
  readonly checkersPidFile: string;

  /** `extraArgs` follow the lab's own (keepalived-ts options such as --bgp-table). */
  constructor(lab: Lab, host: string, dir: string, configText: string, repo: string, real = false, env: NodeJS.ProcessEnv = {}, extraArgs: readonly string[] = [], ownSession = false) {
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(conf, configText);
    this.pidFile = path.join(dir, 'keepalived.pid');
    this.vrrpPidFile = path.join(dir, 'vrrp.pid');
    this.checkersPidFile = path.join(dir, 'checkers.pid');
    // -G: console only, so a lab's daemons (ours and Keepalived alike) stay out of the host's syslog.
    const args = ['-n', '-l', '-G', '-D', '-f', conf, '-p', this.pidFile, '-r', this.vrrpPidFile, '-c', this.checkersPidFile, ...extraArgs];
    const cmd = real ? ['/usr/sbin/keepalived', '-P', ...args] : [process.execPath, ...BIN_NODE_FLAGS, path.join(repo, 'bin/keepalived-ts'), ...args];
    // As systemd starts a service (setsid()): then it is not in the scheduler's autogroup of the
    // session that started it, where bench/vrrp-load's busy loops are.
    if (ownSession) cmd.unshift('setsid');
    this.proc = lab.spawn(host, cmd[0]!, cmd.slice(1), { env: { ...process.env, TMPDIR: dir, ...env } });
    // Whole lines only: a chunk of a pipe can end mid-line (the rest comes with the next one).
    for (const s of [this.proc.stdout, this.proc.stderr]) {
      let partial = '';
      s?.on('data', (b: Buffer) => {
        const lines = (partial + b.toString()).split('\n');
        partial = lines.pop()!;
        this.output.push(...lines.filter((l) => l));
      });
      s?.on('end', () => {
        if (partial) this.output.push(partial);
        partial = '';
      });
    }
  }

  /** Stops the daemon: SIGKILL kills the VRRP child too (a hard crash), SIGTERM lets it resign. */
  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (signal === 'SIGKILL') {
      // A hard crash of the whole daemon. The parent is frozen first: Keepalived's parent (and
      // ours, a second later) respawns a VRRP child that dies, and a child forked between the two
      // kills would live on as an orphan master, advertising for ever.
      const parent = this.proc.pid;
      const tryKill = (pid: number | undefined, sig: NodeJS.Signals) => {
        try {
          if (pid !== undefined) process.kill(pid, sig);
        } catch {
          /* already gone */
        }
      };
      tryKill(parent, 'SIGSTOP');
      tryKill(readPid(this.vrrpPidFile), 'SIGKILL');
      tryKill(readPid(this.checkersPidFile), 'SIGKILL');
    }
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
