/**
 * What bench/vrrp-load measures of a daemon, from outside it: the process tree under its parent,
 * their CPU time and memory from /proc, and the adverts on the wire as a peer sees them (tcpdump
 * in the peer's namespace, nanosecond kernel timestamps). Both daemons are measured the same way.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import type { Lab } from '../src/lab/lab.js';

const TICKS_PER_S = 100; // USER_HZ on Linux

function stat(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid and every live descendant of it (by the ppid field of /proc/PID/stat). */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const f = stat(Number(e));
    if (f) parentOf.set(Number(e), Number(f[1]));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree.filter((p) => parentOf.has(p));
}

/** CPU seconds (user + system) the processes have used so far. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const p of pids) {
    const f = stat(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_S;
}

export interface Memory {
  /** Sum of VmRSS: the node binary's file pages count once per process. */
  readonly rssMb: number;
  /** Sum of Pss: pages shared between the processes count once in all. */
  readonly pssMb: number;
  readonly each: Array<{ pid: number; name: string; rssMb: number; pssMb: number }>;
}

export function memory(pids: readonly number[]): Memory {
  const each: Memory['each'] = [];
  for (const pid of pids) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
      const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
      each.push({ pid, name, rssMb: kb(status, 'VmRSS') / 1024, pssMb: kb(rollup, 'Pss') / 1024 });
    } catch {
      /* exited meanwhile */
    }
  }
  return { rssMb: each.reduce((a, e) => a + e.rssMb, 0), pssMb: each.reduce((a, e) => a + e.pssMb, 0), each };
}

/** Adverts captured per VRID: kernel receive times in ns. */
export class AdvertCapture {
  readonly times = new Map<number, bigint[]>();
  private constructor(private readonly proc: ChildProcess) {}

  static async start(lab: Lab, host: string, ifname = 'eth0'): Promise<AdvertCapture> {
    const p = lab.spawn(host, 'tcpdump', ['-i', ifname, '-n', '-l', '-tt', '--time-stamp-precision=nano', '-B', '16384', 'ip proto 112']);
    const c = new AdvertCapture(p);
    let ready: () => void;
    const listening = new Promise<void>((r) => (ready = r));
    createInterface({ input: p.stderr! }).on('line', (l) => {
      if (/listening on/.test(l)) ready();
    });
    createInterface({ input: p.stdout! }).on('line', (l) => {
      // 1733500000.123456789 IP 10.1.2.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 7, prio 200, intvl 10cs, length 12
      const m = /^(\d+)\.(\d{9}) IP .*vrid (\d+), prio (\d+)/.exec(l);
      if (!m || m[4] === '0') return;
      const vrid = Number(m[3]);
      const t = BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!);
      let list = c.times.get(vrid);
      if (!list) c.times.set(vrid, (list = []));
      list.push(t);
    });
    await Promise.race([listening, new Promise((_, rej) => setTimeout(() => rej(new Error('tcpdump did not start')), 10_000))]);
    return c;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGINT');
    await exited;
  }

  /** Adverts of every VRID received in [fromNs, toNs). */
  between(fromNs: bigint, toNs: bigint): Map<number, bigint[]> {
    const out = new Map<number, bigint[]>();
    for (const [vrid, ts] of this.times) out.set(vrid, ts.filter((t) => t >= fromNs && t < toNs));
    return out;
  }
}

export interface GapStats {
  readonly adverts: number;
  /** The longest gap between two adverts of one VRID less the interval, ms. */
  readonly worstLateMs: number;
  /** Gaps longer than `overMs`. */
  readonly gapsOver: number;
  readonly gaps: number;
  /** The 99th percentile of (gap - interval), ms. */
  readonly p99LateMs: number;
}

export function gapStats(byVrid: Map<number, bigint[]>, intervalMs: number, overMs: number): GapStats {
  let adverts = 0;
  let worst = 0;
  let over = 0;
  let gaps = 0;
  const lates: number[] = [];
  for (const ts of byVrid.values()) {
    adverts += ts.length;
    for (let i = 1; i < ts.length; i++) {
      const gap = Number(ts[i]! - ts[i - 1]!) / 1e6;
      gaps++;
      lates.push(gap - intervalMs);
      worst = Math.max(worst, gap - intervalMs);
      if (gap > overMs) over++;
    }
  }
  lates.sort((a, b) => a - b);
  const p99LateMs = lates.length ? lates[Math.min(lates.length - 1, Math.floor(lates.length * 0.99))]! : 0;
  return { adverts, worstLateMs: worst, gapsOver: over, gaps, p99LateMs };
}

/** The wall clock the same as tcpdump's -tt timestamps, in ns. */
export function wallNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
