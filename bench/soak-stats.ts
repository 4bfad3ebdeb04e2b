/**
 * bench/soak's arithmetic, apart from its lab: per-process samples from /proc (CPU ticks and RSS)
 * turned into CPU % and least-squares slopes, and the adverts seen on the wire turned into gaps
 * between consecutive adverts of each VRID (lateness = gap - advert interval).
 */
import * as fs from 'node:fs';

export interface ProcSample {
  /** Seconds since the measured window began. */
  readonly t: number;
  /** utime + stime, clock ticks. */
  readonly ticks: number;
  readonly rssKb: number;
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat) and VmRSS; undefined when the process is gone. */
export function readProc(pid: number, t: number): ProcSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { t, ticks, rssKb: Number(rss?.[1] ?? NaN) };
  } catch {
    return undefined;
  }
}

/** The least-squares slope of y over x (per unit of x); NaN with fewer than two points. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export interface ProcFigures {
  /** Of one core, over the whole window. */
  readonly cpuPct: number;
  /** Slope of the per-interval CPU %, percentage points per hour. */
  readonly cpuSlopePerHour: number;
  readonly rssFirstMb: number;
  readonly rssLastMb: number;
  readonly rssMaxMb: number;
  /** Least-squares slope of RSS, MB per hour: over the window, and over its second half. */
  readonly rssSlopeMbPerHour: number;
  readonly rssSlopeLateMbPerHour: number;
  /**
   * The slope of RSS's floor, MB per hour: the least RSS of each minute (6 samples), fitted. A
   * collected heap swings by tens of MB between collections; what a leak moves is the floor.
   */
  readonly rssFloorSlopeMbPerHour: number;
  readonly rssFloorFirstMb: number;
  readonly rssFloorLastMb: number;
}

export function procFigures(samples: readonly ProcSample[], clkTck: number): ProcFigures {
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const cpuPct = ((last.ticks - first.ticks) / clkTck / (last.t - first.t)) * 100;
  const mids: number[] = [];
  const pcts: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    mids.push((a.t + b.t) / 2);
    pcts.push(((b.ticks - a.ticks) / clkTck / (b.t - a.t)) * 100);
  }
  const mb = samples.map((s) => s.rssKb / 1024);
  const hours = samples.map((s) => s.t / 3600);
  const half = Math.floor(samples.length / 2);
  const floorT: number[] = [];
  const floorMb: number[] = [];
  for (let i = 0; i + 6 <= samples.length; i += 6) {
    const block = samples.slice(i, i + 6);
    floorT.push(block.reduce((a, b) => a + b.t, 0) / block.length / 3600);
    floorMb.push(Math.min(...block.map((b) => b.rssKb / 1024)));
  }
  return {
    rssFloorSlopeMbPerHour: slope(floorT, floorMb),
    rssFloorFirstMb: floorMb[0] ?? NaN,
    rssFloorLastMb: floorMb.at(-1) ?? NaN,
    cpuPct,
    cpuSlopePerHour: slope(mids.map((m) => m / 3600), pcts),
    rssFirstMb: mb[0]!,
    rssLastMb: mb.at(-1)!,
    rssMaxMb: Math.max(...mb),
    rssSlopeMbPerHour: slope(hours, mb),
    rssSlopeLateMbPerHour: slope(hours.slice(half), mb.slice(half)),
  };
}

/**
 * Gaps between consecutive adverts of each VRID, from tcpdump's lines
 * (`1765000000.123456789 IP 10.1.2.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 7, prio 150, ...`).
 */
export class AdvertGaps {
  private readonly last = new Map<number, number>();
  private base: number | undefined;
  adverts = 0;
  gaps = 0;
  worstLateMs = -Infinity;
  worstVrid = 0;
  /** Gaps over interval + tolerance. */
  missed = 0;
  /** Gaps more than 10 ms over the interval (late, not missed). */
  over10ms = 0;
  /** Lateness histogram in whole milliseconds (index = ms late, negatives at 0), for the p99. */
  private readonly hist: number[] = [];

  /** `vrids`: the range of VRIDs this one counts (the others are another daemon's). */
  constructor(
    private readonly intervalMs: number,
    readonly toleranceMs: number,
    private readonly vrids: readonly [number, number] = [1, 255],
  ) {}

  line(l: string): void {
    const m = /^(\d+)\.(\d+) IP \S+ > \S+: VRRPv\d, Advertisement, vrid (\d+),/.exec(l);
    if (!m) return;
    const vrid = Number(m[3]);
    if (vrid < this.vrids[0] || vrid > this.vrids[1]) return;
    const secs = Number(m[1]);
    this.base ??= secs;
    const ms = (secs - this.base) * 1000 + Number(`0.${m[2]}`) * 1000;
    this.adverts++;
    const prev = this.last.get(vrid);
    this.last.set(vrid, ms);
    if (prev === undefined) return;
    const late = ms - prev - this.intervalMs;
    this.gaps++;
    if (late > this.worstLateMs) {
      this.worstLateMs = late;
      this.worstVrid = vrid;
    }
    if (late > this.toleranceMs) this.missed++;
    if (late > 10) this.over10ms++;
    const k = Math.max(0, Math.floor(late));
    while (this.hist.length <= k) this.hist.push(0);
    this.hist[k]!++;
  }

  /** The lateness (ms, whole) that 99 % of gaps stay under or at. */
  p99Ms(): number {
    let seen = 0;
    for (let k = 0; k < this.hist.length; k++) {
      seen += this.hist[k]!;
      if (seen >= this.gaps * 0.99) return k + 1;
    }
    return NaN;
  }

  instances(): number {
    return this.last.size;
  }
}
