/**
 * vrrp_track_process (Keepalived core/track_process.c): how many running processes match, and
 * whether that count is within [quorum, quorum_max]. Keepalived learns of forks and exits from
 * the kernel's process-events connector; we scan /proc every second (and on demand), which is
 * as exact for counts, and later by at most the scan interval.
 *
 * Matching, as read_procs(): by default the name in /proc/PID/stat (comm, at most 15 characters)
 * must equal `process`; with full_command, argv[0] from /proc/PID/cmdline must. With parameters
 * (`process NAME ARG...` or param_match), the rest of cmdline is compared: exact - the same
 * arguments, no more; partial - these arguments first, more may follow; initial - as partial, but
 * the last given argument may be a prefix of the real one. Zombies do not count.
 *
 * Quorum changes take effect after fork_delay (gained) or terminate_delay (lost); a change back
 * before the delay ends cancels it, as Keepalived's fork/terminate timers cancel each other.
 * The matching and the quorum timing are pure; scanProc() is the I/O.
 */
import * as fs from 'node:fs';
import type { TrackProcess } from '../../config/sections/vrrp-track.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';

const S = 1_000_000;

/** TrackProcess as the (deeply read-only) loaded configuration hands it over. */
export type ProcessConfig = Omit<TrackProcess, 'param'> & { readonly param?: readonly string[] };

export interface ProcEntry {
  readonly pid: number;
  /** From /proc/PID/stat; absent when not read. */
  readonly comm?: string;
  /** Raw /proc/PID/cmdline (NUL-separated, possibly cut short); absent when not read. */
  readonly cmdline?: Buffer;
}

/** The arguments as cmdline holds them: each followed by a NUL. */
function paramBytes(tp: ProcessConfig): Buffer {
  return Buffer.from((tp.param ?? []).map((p) => p + '\0').join(''), 'latin1');
}

export function processMatches(tp: ProcessConfig, p: ProcEntry): boolean {
  let name: string;
  let params: Buffer | undefined;
  if (tp.full_command) {
    if (!p.cmdline) return false;
    const nul = p.cmdline.indexOf(0);
    name = p.cmdline.subarray(0, nul === -1 ? p.cmdline.length : nul).toString('latin1');
    params = nul === -1 ? Buffer.alloc(0) : p.cmdline.subarray(nul + 1);
  } else {
    if (p.comm === undefined) return false;
    name = p.comm;
  }
  if (name !== tp.process) return false;
  if (tp.param_match === 'none') return true;
  const want = paramBytes(tp);
  const got = params ?? Buffer.alloc(0);
  switch (tp.param_match) {
    case 'exact':
      return got.equals(want);
    case 'partial':
      return got.length >= want.length && got.subarray(0, want.length).equals(want);
    case 'initial': {
      // The last argument's NUL is not compared, so "--conf" matches "--config=x".
      const stem = want.length > 0 ? want.subarray(0, want.length - 1) : want;
      return got.length >= want.length && got.subarray(0, stem.length).equals(stem);
    }
  }
}

/** How many bytes of cmdline decide a match (Keepalived reads the longest name + params + 1). */
export function cmdlineBytesNeeded(tps: readonly ProcessConfig[]): number {
  let n = 0;
  for (const tp of tps) if (tp.full_command) n = Math.max(n, Buffer.byteLength(tp.process, 'latin1') + 1 + paramBytes(tp).length + 1);
  return n;
}

export function inQuorum(tp: ProcessConfig, count: number): boolean {
  return count >= tp.quorum && (tp.quorum_max === undefined || count <= tp.quorum_max);
}

export interface QuorumState {
  readonly count: number;
  readonly have: boolean;
  /** A change waiting out fork_delay / terminate_delay. */
  readonly pending?: { readonly up: boolean; readonly at: number };
}

export interface QuorumStep {
  readonly state: QuorumState;
  /** The new quorum state, when it changed now. */
  readonly report?: boolean;
}

export function initialQuorum(tp: ProcessConfig, count: number): QuorumState {
  return { count, have: inQuorum(tp, count) };
}

/** A new count at time `now` (µs). */
export function quorumCount(tp: ProcessConfig, s: QuorumState, count: number, now: number): QuorumStep {
  const want = inQuorum(tp, count);
  if (want === s.have) return { state: { count, have: s.have } };
  if (s.pending && s.pending.up === want) return { state: { ...s, count } };
  const delay = want ? tp.fork_delay : tp.terminate_delay;
  if (delay > 0) return { state: { count, have: s.have, pending: { up: want, at: now + Math.round(delay * S) } } };
  return { state: { count, have: want }, report: want };
}

/** The delay timer: the change happens if the count still wants it. */
export function quorumTimer(tp: ProcessConfig, s: QuorumState, now: number): QuorumStep {
  if (!s.pending || now < s.pending.at) return { state: s };
  const want = inQuorum(tp, s.count);
  if (want === s.have) return { state: { count: s.count, have: s.have } };
  return { state: { count: s.count, have: want }, report: want };
}

export interface ScanNeeds {
  readonly comm: boolean;
  /** 0: cmdline not needed. */
  readonly cmdlineBytes: number;
}

/**
 * One pass over /proc. Only what is needed is read, into one reused buffer: stat for comm and
 * zombie state, cmdline cut at the length that can decide a match.
 */
export function scanProc(needs: ScanNeeds, root = '/proc'): ProcEntry[] {
  const out: ProcEntry[] = [];
  const statBuf = Buffer.alloc(512);
  const cmdBuf = Buffer.alloc(Math.max(needs.cmdlineBytes, 1));
  const readInto = (file: string, buf: Buffer): number => {
    const fd = fs.openSync(file, 'r');
    try {
      return fs.readSync(fd, buf, 0, buf.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  };
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 49 || c > 57) continue; // PIDs start with 1-9
    const pid = Number(name);
    try {
      let comm: string | undefined;
      // Zombies have an empty cmdline and are gone in all but name: the stat state tells.
      const n = readInto(`${root}/${name}/stat`, statBuf);
      const text = statBuf.toString('latin1', 0, n);
      const open = text.indexOf('(');
      const close = text.lastIndexOf(')');
      if (open === -1 || close === -1 || text[close + 2] === 'Z') continue;
      if (needs.comm) comm = text.slice(open + 1, close);
      let cmdline: Buffer | undefined;
      if (needs.cmdlineBytes > 0) {
        const m = readInto(`${root}/${name}/cmdline`, cmdBuf);
        cmdline = Buffer.from(cmdBuf.subarray(0, m));
      }
      out.push({ pid, ...(comm !== undefined ? { comm } : {}), ...(cmdline ? { cmdline } : {}) });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out;
}

export interface ProcessTrackerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Called at start with each tracker's state, then when quorum is gained or lost. */
  readonly onChange: (name: string, up: boolean) => void;
  /** Defaults to scanProc over /proc. */
  readonly scan?: (needs: ScanNeeds) => readonly ProcEntry[];
  /** Microseconds between scans (default 1 s). */
  readonly intervalUs?: number;
}

export class ProcessTracker {
  private readonly states = new Map<string, QuorumState>();
  private readonly needs: ScanNeeds;
  private tick: unknown;
  private wake: unknown;
  private stopped = true;

  constructor(
    private readonly procs: readonly ProcessConfig[],
    private readonly deps: ProcessTrackerDeps,
  ) {
    this.needs = { comm: procs.some((p) => !p.full_command), cmdlineBytes: cmdlineBytesNeeded(procs) };
  }

  start(): void {
    if (!this.stopped || this.procs.length === 0) return;
    this.stopped = false;
    const counts = this.count();
    for (const tp of this.procs) {
      const s = initialQuorum(tp, counts.get(tp.name) ?? 0);
      this.states.set(tp.name, s);
      this.deps.onChange(tp.name, s.have);
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.tick !== undefined) this.deps.clock.cancel(this.tick);
    if (this.wake !== undefined) this.deps.clock.cancel(this.wake);
    this.tick = this.wake = undefined;
  }

  /** Scan now (a signal, a test, a hint that something changed). */
  rescan(): void {
    if (this.stopped) return;
    const counts = this.count();
    const now = this.deps.clock.now();
    for (const tp of this.procs) this.apply(tp, quorumCount(tp, this.states.get(tp.name)!, counts.get(tp.name) ?? 0, now));
    this.armWake();
  }

  status(): ReadonlyMap<string, QuorumState> {
    return new Map(this.states);
  }

  private count(): Map<string, number> {
    const counts = new Map<string, number>();
    const scan = this.deps.scan ?? scanProc;
    for (const p of scan(this.needs)) {
      for (const tp of this.procs) if (processMatches(tp, p)) counts.set(tp.name, (counts.get(tp.name) ?? 0) + 1);
    }
    return counts;
  }

  private apply(tp: ProcessConfig, step: QuorumStep): void {
    this.states.set(tp.name, step.state);
    if (step.report === undefined) return;
    this.deps.log.info(`Quorum ${step.report ? 'gained' : 'lost'} for tracked process ${tp.name}`);
    this.deps.onChange(tp.name, step.report);
  }

  private schedule(): void {
    const { clock } = this.deps;
    this.tick = clock.at(clock.now() + (this.deps.intervalUs ?? S), () => {
      if (this.stopped) return;
      this.rescan();
      this.schedule();
    });
  }

  /** One timer for the earliest fork/terminate delay still waiting. */
  private armWake(): void {
    const { clock } = this.deps;
    if (this.wake !== undefined) clock.cancel(this.wake);
    this.wake = undefined;
    let at: number | undefined;
    for (const s of this.states.values()) if (s.pending && (at === undefined || s.pending.at < at)) at = s.pending.at;
    if (at === undefined) return;
    this.wake = clock.at(at, () => {
      this.wake = undefined;
      if (this.stopped) return;
      const now = clock.now();
      for (const tp of this.procs) this.apply(tp, quorumTimer(tp, this.states.get(tp.name)!, now));
      this.armWake();
    });
  }
}
