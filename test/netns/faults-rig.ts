/**
 * What the fault tests (faults*.test.ts) share, on top of vrrp-lab.ts: a daemon's state from its
 * log, long-running commands in a host whose lines are collected (tcpdump, ping), freezing a
 * whole daemon (SIGSTOP on its parent and VRRP child, as a hung VM), and the daemon's own account
 * read over its control socket (the document `keepalived-ts status --json -p PIDFILE` prints, and
 * the transition events `--follow` streams), each event dated by the daemon when it happened.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Daemon } from '../../src/lab/daemon.js';
import type { Lab } from '../../src/lab/lab.js';
import type { DaemonStatus, StatusEvent } from '../../src/daemon/status/model.js';
import { controlSocketPath } from '../../src/daemon/status/server.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A daemon's state as its last "Entering X STATE" line says. */
export function stateOf(d: Daemon, name = 'VI_1'): string | undefined {
  let state: string | undefined;
  for (const l of d.output) {
    const m = new RegExp(`\\(${name}\\) Entering (\\w+) STATE`).exec(l);
    if (m) state = m[1];
  }
  return state;
}

export function readPid(file: string): number {
  const n = Number(fs.readFileSync(file, 'utf8').trim());
  assert.ok(Number.isInteger(n) && n > 0, `a pid in ${file}`);
  return n;
}

export interface Followed {
  readonly proc: ChildProcess;
  /** stdout's lines so far. */
  readonly lines: string[];
  /** Resolves on a line (stdout or stderr) matching `readyRe`, at once without one. */
  readonly ready: Promise<void>;
}

/** A long-running process in a host whose stdout lines are collected. */
export function follow(lab: Lab, host: string, cmd: string, args: string[], readyRe?: RegExp): Followed {
  const proc = lab.spawn(host, cmd, args);
  const lines: string[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  if (!readyRe) resolveReady();
  for (const s of [proc.stdout, proc.stderr]) {
    let partial = '';
    s?.on('data', (b: Buffer) => {
      const ls = (partial + b.toString()).split('\n');
      partial = ls.pop()!;
      for (const l of ls) {
        if (s === proc.stdout) lines.push(l);
        if (readyRe?.test(l)) resolveReady();
      }
    });
  }
  return { proc, lines, ready };
}

/** SIGINT (tcpdump flushes what it holds), waiting up to 5 s for the exit. */
export async function stopped(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  await Promise.race([gone, sleep(5_000)]);
}

/** The whole daemon, parent and VRRP child, stopped (SIGSTOP) or continued (SIGCONT). */
export function freeze(d: Daemon, frozen: boolean): void {
  const pids = [d.proc.pid!, readPid(d.vrrpPidFile)];
  for (const p of frozen ? pids : pids.reverse()) process.kill(p, frozen ? 'SIGSTOP' : 'SIGCONT');
}

/** The daemon's status document, read over its control socket as `keepalived-ts status --json` does. */
export function statusOf(d: Daemon): Promise<DaemonStatus> {
  return new Promise((resolve, reject) => {
    const c = net.connect(controlSocketPath(d.pidFile));
    let buf = '';
    c.on('connect', () => c.write('status\n'));
    c.on('data', (b) => (buf += b.toString('utf8')));
    c.on('error', reject);
    c.on('end', () => {
      try {
        const s = JSON.parse(buf) as DaemonStatus & { error?: string };
        if (s.error) reject(new Error(s.error));
        else resolve(s);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

export type TransitionEvent = Extract<StatusEvent, { type: 'transition' }>;

/** The daemon's transitions from now on, as `keepalived-ts status --follow` streams them. */
export class Transitions {
  readonly events: TransitionEvent[] = [];
  private constructor(private readonly sock: net.Socket) {}

  static async follow(d: Daemon): Promise<Transitions> {
    const sock = net.connect(controlSocketPath(d.pidFile));
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    const t = new Transitions(sock);
    let partial = '';
    sock.on('data', (b) => {
      const ls = (partial + b.toString('utf8')).split('\n');
      partial = ls.pop()!;
      for (const l of ls) {
        const e = JSON.parse(l) as StatusEvent;
        if (e.type === 'transition') t.events.push(e);
      }
    });
    sock.on('error', () => undefined);
    sock.write('follow\n');
    // The server registers the follower when it has read the line: a status round trip after it is enough.
    await statusOf(d);
    return t;
  }

  /** An instance's transitions as [ms since the epoch, to-state]. */
  of(instance: string): Array<{ at: number; to: string; from: string }> {
    return this.events.filter((e) => e.instance === instance).map((e) => ({ at: Date.parse(e.at), to: e.to, from: e.from }));
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * The windows in which two daemons were both MASTER, from their transitions (ms since the epoch),
 * each [from, to]; a window still open at `end` closes there.
 */
export function dualMasterWindows(a: ReadonlyArray<{ at: number; to: string }>, b: ReadonlyArray<{ at: number; to: string }>, start: number, end: number, aMasterAtStart: boolean, bMasterAtStart: boolean): Array<[number, number]> {
  const steps = [...a.map((e) => ({ ...e, who: 0 })), ...b.map((e) => ({ ...e, who: 1 }))].filter((e) => e.at >= start && e.at <= end).sort((x, y) => x.at - y.at);
  const master = [aMasterAtStart, bMasterAtStart];
  const out: Array<[number, number]> = [];
  let since: number | undefined = master[0] && master[1] ? start : undefined;
  for (const s of steps) {
    master[s.who] = s.to === 'MASTER';
    const both = master[0]! && master[1]!;
    if (both && since === undefined) since = s.at;
    if (!both && since !== undefined) {
      out.push([since, s.at]);
      since = undefined;
    }
  }
  if (since !== undefined) out.push([since, end]);
  return out;
}
