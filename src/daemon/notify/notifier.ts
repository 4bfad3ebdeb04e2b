/**
 * Runs what format.ts plans (Keepalived vrrp_notify.c, notify.c fifo_open/fifo_close):
 * - notify scripts start and are not waited for; STOP scripts are waited for up to 1 s, then
 *   their process group is killed, so shutdown is bounded;
 * - fifo lines go to notify_fifo and vrrp_notify_fifo. A FIFO is created (mode 0644, owned by the
 *   configured user) when missing and removed at close only if we created it; it is opened
 *   read-write and non-blocking, so the daemon never waits for, or dies without, a reader, and a
 *   full FIFO drops lines rather than stalling VRRP. The *_fifo_script starts before the open,
 *   with the FIFO's name as its last argument. A path that is not a FIFO we own is refused;
 * - smtp_alert mail goes through the injected mailer, at most once per state in a row.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { NotifyFifo } from '../../config/sections/global-model.js';
import type { Script } from '../../config/values.js';
import type { Logger } from '../../base/log.js';
import type { RunningScript, ScriptIdentity, Spawner } from '../../base/spawn.js';
import { fifoLine, planNotify, vrrpMail, type Mail, type NotifyEvent, type NotifyKind, type NotifyScripts, type NotifyState, type ScriptRun } from './format.js';

export type IdentityOf = (s: { readonly user?: string; readonly group?: string }) => ScriptIdentity | { error: string };

export interface NotifierDeps {
  readonly log: Logger;
  readonly spawner: Spawner;
  /** Who runs a script (users.ts scriptIdentity with the global script_user bound). */
  readonly identity: IdentityOf;
  /** Sends an alert (smtp.ts sendMail with the global settings bound); absent: no smtp_server. */
  readonly mail?: (m: Mail) => Promise<boolean>;
  readonly routerId: string;
  readonly noEmailFaults?: boolean;
}

/** One open notify FIFO. */
export class FifoWriter {
  private fd: number | undefined;
  private script: RunningScript | undefined;

  private constructor(
    readonly name: string,
    private readonly created: boolean,
    private readonly log: Logger,
  ) {}

  /** Creates (if missing), starts the fifo script, opens. Undefined, logged, on failure. */
  static open(fifo: NotifyFifo, what: string, deps: Pick<NotifierDeps, 'log' | 'spawner' | 'identity'>): FifoWriter | undefined {
    const { log } = deps;
    const name = fifo.name;
    if (name === undefined) return undefined;
    let created = false;
    if (!exists(name)) {
      try {
        execFileSync('mkfifo', ['-m', '0644', '--', name], { stdio: 'ignore' });
        created = true;
      } catch {
        log.error(`Unable to create ${what}notify fifo ${name}`);
        return undefined;
      }
      if (fifo.user !== undefined) {
        const id = deps.identity({ user: fifo.user, ...(fifo.group !== undefined ? { group: fifo.group } : {}) });
        try {
          if ('error' in id) throw new Error(id.error);
          fs.chownSync(name, id.uid, id.gid);
        } catch {
          log.info(`Failed to set uid:gid for fifo ${name}`);
        }
      }
    }
    const w = new FifoWriter(name, created, log);
    if (fifo.script) w.script = startScript(fifo.script, [...fifo.script.args, name], deps, `${what}notify fifo script`);
    try {
      const fd = fs.openSync(name, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
      const st = fs.fstatSync(fd);
      const ours = st.uid === process.getuid?.() || (fifo.user !== undefined && ownerMatches(deps, fifo, st.uid));
      if (!st.isFIFO() || !ours) {
        fs.closeSync(fd);
        log.error(`${what}notify fifo ${name} is not a fifo we own - not using`);
        return w.abandon();
      }
      w.fd = fd;
    } catch (e) {
      log.error(`Unable to open ${what}notify fifo ${name} - ${(e as Error).message}`);
      if (created) safeUnlink(name);
      return w.abandon();
    }
    return w;
  }

  write(line: string): void {
    if (this.fd === undefined) return;
    try {
      fs.writeSync(this.fd, line);
    } catch (e) {
      // EAGAIN: nobody is reading and the pipe is full; the line is dropped, as in Keepalived.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') this.log.error(`notify fifo ${this.name} write error: ${(e as Error).message}`);
    }
  }

  /** Unlinks first (a looping reader cannot reopen it), then closes, then ends the fifo script. */
  async close(): Promise<void> {
    if (this.created) safeUnlink(this.name);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.script) await endScript(this.script, 1000, 'SIGTERM');
    this.script = undefined;
  }

  private abandon(): undefined {
    if (this.script) void endScript(this.script, 0, 'SIGTERM');
    return undefined;
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function safeUnlink(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}

function ownerMatches(deps: Pick<NotifierDeps, 'identity'>, fifo: NotifyFifo, uid: number): boolean {
  const id = deps.identity({ user: fifo.user!, ...(fifo.group !== undefined ? { group: fifo.group } : {}) });
  return !('error' in id) && id.uid === uid;
}

/** Starts a notify script as its user (errors logged, never thrown); the checker's notifications use it too. */
export function startScript(s: { readonly user?: string; readonly group?: string }, args: readonly string[], deps: Pick<NotifierDeps, 'log' | 'spawner' | 'identity'>, what: string): RunningScript | undefined {
  const id = deps.identity(s);
  if ('error' in id) {
    deps.log.error(`${what} ${args[0] ?? ''}: ${id.error}`);
    return undefined;
  }
  const child = deps.spawner.spawn(args, id);
  void child.exited.then((x) => {
    if (x.kind === 'spawn_error') deps.log.error(`Error exec-ing command '${args[0] ?? ''}': ${x.message}`);
  });
  return child;
}

/** Waits up to `ms` for a script, then signals its process group and waits for it to go. */
async function endScript(child: RunningScript, ms: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const r = await Promise.race([child.exited, late]);
  clearTimeout(timer);
  if (r !== 'late') return;
  child.kill(signal);
  if (signal !== 'SIGKILL') {
    const again = await Promise.race([child.exited, new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), 1000)))]);
    clearTimeout(timer);
    if (again !== 'late') return;
    child.kill('SIGKILL');
  }
  await child.exited;
}

export class Notifier {
  private readonly lastMailed = new Map<string, NotifyState>();
  private readonly mails = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: NotifierDeps,
    private readonly fifos: readonly FifoWriter[] = [],
  ) {}

  /** Opens notify_fifo and vrrp_notify_fifo (either may be absent). */
  static open(global: { notify_fifo?: NotifyFifo; vrrp_notify_fifo?: NotifyFifo }, deps: NotifierDeps): Notifier {
    const fifos: FifoWriter[] = [];
    const add = (f: FifoWriter | undefined) => f && fifos.push(f);
    if (global.notify_fifo) add(FifoWriter.open(global.notify_fifo, '', deps));
    if (global.vrrp_notify_fifo) add(FifoWriter.open(global.vrrp_notify_fifo, 'vrrp ', deps));
    return new Notifier(deps, fifos);
  }

  /** An instance entered `state`. Resolves when the scripts that must be waited for (STOP) are done. */
  instance(name: string, s: NotifyScripts, state: NotifyState, priority: number): Promise<void> {
    return this.notify('INSTANCE', name, s, state, priority);
  }

  group(name: string, s: NotifyScripts, state: NotifyState): Promise<void> {
    return this.notify('GROUP', name, s, state, 0);
  }

  /** MASTER_RX_LOWER_PRI (with its notify_master_rx_lower_pri script) and priority changes. */
  event(name: string, event: NotifyEvent, priority: number, script?: Script): void {
    if (script) startScript(script, script.args, this.deps, 'notify script');
    this.writeFifo(fifoLine('INSTANCE', name, event, priority));
  }

  /** Lines for the FIFOs only (e.g. the BACKUP Keepalived writes first at start-up). */
  writeFifo(line: string): void {
    for (const f of this.fifos) f.write(line);
  }

  /** Waits for mail in flight, then closes the FIFOs. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.mails]);
    await Promise.all(this.fifos.map((f) => f.close()));
  }

  private async notify(kind: NotifyKind, name: string, s: NotifyScripts, state: NotifyState, priority: number): Promise<void> {
    const plan = planNotify(kind, name, s, state, priority);
    const waits: Array<Promise<void>> = [];
    for (const run of plan.scripts) {
      const child = this.start(run);
      if (child && run.waitMs !== undefined) waits.push(endScript(child, run.waitMs));
    }
    this.writeFifo(plan.fifo);
    this.sendMail(kind, name, s, plan.state);
    await Promise.all(waits);
  }

  private start(run: ScriptRun): RunningScript | undefined {
    return startScript(run, run.args, this.deps, 'notify script');
  }

  private sendMail(kind: NotifyKind, name: string, s: NotifyScripts, state: NotifyState): void {
    const { mail } = this.deps;
    if (!mail) return;
    const key = `${kind}:${name}`;
    const last = this.lastMailed.get(key);
    const m = vrrpMail(kind, name, state, { routerId: this.deps.routerId, smtpAlert: s.smtp_alert, noEmailFaults: this.deps.noEmailFaults ?? false, ...(last ? { lastMailed: last } : {}) });
    if (!m) return;
    this.lastMailed.set(key, state);
    const p = mail(m).catch(() => false);
    this.mails.add(p);
    void p.finally(() => this.mails.delete(p));
  }
}
