/**
 * A child process's scheduling, as Keepalived's lib/process.c sets it for its VRRP and checker
 * processes: a nice value (setpriority), SCHED_RR with an RLIMIT_RTTIME limit
 * (sched_setscheduler, setrlimit) and a CPU affinity (sched_setaffinity). Each failure is logged
 * with Keepalived's words and the process goes on, as Keepalived's does.
 *
 * Keepalived's processes have one thread; ours are Node processes with V8's and libuv's helper
 * threads beside the main one (the only one running JavaScript):
 * - the nice value and the affinity go to every thread there is (threads created later inherit
 *   them from the main thread), so "the VRRP process on CPU 1" holds for the whole process;
 * - SCHED_RR goes to the main thread only. RLIMIT_RTTIME is counted per realtime thread but kills
 *   the whole process: a V8 background compile or marking task running 20 ms without sleeping
 *   would take the VRRP child down with it. SCHED_RESET_ON_FORK (Keepalived's flag too) keeps
 *   threads and scripts started later out of realtime.
 * - RLIMIT_RTTIME's soft limit is Keepalived's (half the configured one: SIGXCPU, logged), the
 *   hard one (SIGKILL) at least RTTIME_HARD_MIN_US. The main thread itself runs V8's work now and
 *   then for longer than Keepalived's 10 ms without sleeping (measured in a namespace, a master
 *   VRRP child: past 5 ms and past 20 ms once in its first minute); with Keepalived's 10 ms hard
 *   limit the kernel killed our VRRP child every 33 to 41 s.
 *
 * Not here: *_no_swap. mlockall() in a V8 process makes V8 abort: V8 releases heap and code pages
 * with madvise(MADV_DONTNEED), which the kernel refuses (EINVAL) on locked memory, and V8 treats
 * that refusal as fatal ("Check failed: 0 == ret" in OS::SetPermissions). Seen within seconds of
 * JIT activity with MCL_CURRENT|MCL_FUTURE (with and without MCL_ONFAULT, and under --jitless), and
 * at every exit. The config layer says so at the keyword's line (global-process.ts).
 */
import koffi from 'koffi';
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import type { Logger } from '../base/log.js';
import { errnoText } from './libc.js';

const lib = koffi.load('libc.so.6');
const c = {
  setpriority: lib.func('int setpriority(int which, int who, int prio)'),
  getpriority: lib.func('int getpriority(int which, int who)'),
  setrlimit: lib.func('int setrlimit(int resource, const uint8_t *rlim)'),
  getrlimit: lib.func('int getrlimit(int resource, _Out_ uint8_t *rlim)'),
  schedSetscheduler: lib.func('int sched_setscheduler(int pid, int policy, const uint8_t *param)'),
  schedSetaffinity: lib.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)'),
  // glibc 2.36 has no sched_setattr() wrapper: the system call itself (variadic in C).
  syscall: lib.func('long syscall(long number, ...)'),
  schedGetaffinity: lib.func('int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)'),
};

const PRIO_PROCESS = 0;
const RLIMIT_RTTIME = 15;
const SCHED_OTHER = 0;
const SCHED_RR = 2;
/** Children (threads and processes) of a realtime thread start as SCHED_OTHER with nice >= 0. */
const SCHED_RESET_ON_FORK = 0x40000000;
/** x86_64's and arm64's numbers of sched_setattr(2). */
const SYS_SCHED_SETATTR: Record<string, number> = { x64: 314, arm64: 274 };
/** struct sched_attr as of Linux 4.13 (SCHED_ATTR_SIZE_VER1). */
const SCHED_ATTR_BYTES = 56;
/** sizeof(cpu_set_t): CPU_SETSIZE (1024) bits in unsigned longs. */
export const CPU_SET_BYTES = 128;
const LE = endianness() === 'LE';
/** The least RLIMIT_RTTIME hard limit set, µs: a runaway loop is still killed within a second. */
export const RTTIME_HARD_MIN_US = 1_000_000;

/** What a child asks of the kernel for itself (daemon/process-sched.ts builds it from global_defs). */
export interface SchedPlan {
  /** setpriority's nice value; 0 leaves the process's own. */
  readonly nice: number;
  /** SCHED_RR priority (1..99) and the *_rlimit_rttime figure in µs (0: no limit): soft half, hard at least RTTIME_HARD_MIN_US. */
  readonly realtime?: { readonly priority: number; readonly rlimitUs: number };
  /** CPU ids; empty leaves the affinity the process started with. */
  readonly cpus: readonly number[];
  /**
   * The fair scheduler's slice asked for the main thread, µs (sched_attr.sched_runtime under
   * SCHED_OTHER, Linux 6.12's EEVDF; 100..100,000); 0 or absent: the kernel's. Not while realtime.
   */
  readonly sliceUs?: number;
}

/** The calls, as errno (0 for success), so that tests can fail any of them. `tid` 0: the calling thread. */
export interface SchedCalls {
  getNice(): number;
  setNice(tid: number, nice: number): number;
  getRtLimit(): Uint8Array;
  setRtLimit(rlim: Uint8Array): number;
  setScheduler(policy: number, priority: number): number;
  getAffinity(): Uint8Array;
  setAffinity(tid: number, mask: Uint8Array): number;
  /** sched_setattr(SCHED_OTHER, nice, sched_runtime = sliceNs) on the calling thread; 0: the kernel's slice. */
  setFairSlice(nice: number, sliceNs: number): number;
  /** The process's other threads' ids. */
  otherThreads(): number[];
  onSigxcpu(handler: () => void): void;
  strerror(errno: number): string;
}

/** A cpu_set_t holding `cpus` (ids below 1024). */
export function cpuMask(cpus: readonly number[]): Uint8Array {
  const words = new Array<bigint>(CPU_SET_BYTES / 8).fill(0n);
  for (const id of cpus) words[id >> 6]! |= 1n << BigInt(id & 63);
  const out = new Uint8Array(CPU_SET_BYTES);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, w, LE));
  return out;
}

/** struct rlimit { rlim_t cur, max } (64-bit). */
export function rlimitBytes(cur: number, max: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(cur), LE);
  view.setBigUint64(8, BigInt(max), LE);
  return out;
}

function param(priority: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, priority, LE);
  return b;
}

function schedAttr(nice: number, sliceNs: number): Uint8Array {
  const b = new Uint8Array(SCHED_ATTR_BYTES);
  const v = new DataView(b.buffer);
  v.setUint32(0, SCHED_ATTR_BYTES, LE); // size; sched_policy 0 (SCHED_OTHER), sched_flags 0
  v.setInt32(16, nice, LE);
  v.setBigUint64(24, BigInt(sliceNs), LE); // sched_runtime
  return b;
}

function rc(r: number): number {
  return r < 0 ? koffi.errno() : 0;
}

export function libcSchedCalls(): SchedCalls {
  return {
    getNice: () => {
      koffi.errno(0);
      return c.getpriority(PRIO_PROCESS, 0) as number;
    },
    setNice: (tid, nice) => rc(c.setpriority(PRIO_PROCESS, tid, nice) as number),
    getRtLimit: () => {
      const b = new Uint8Array(16);
      c.getrlimit(RLIMIT_RTTIME, b);
      return b;
    },
    setRtLimit: (rlim) => rc(c.setrlimit(RLIMIT_RTTIME, rlim) as number),
    setScheduler: (policy, priority) => rc(c.schedSetscheduler(0, policy, param(priority)) as number),
    getAffinity: () => {
      const b = new Uint8Array(CPU_SET_BYTES);
      c.schedGetaffinity(0, CPU_SET_BYTES, b);
      return b;
    },
    setAffinity: (tid, mask) => rc(c.schedSetaffinity(tid, mask.length, mask) as number),
    setFairSlice: (nice, sliceNs) => {
      const nr = SYS_SCHED_SETATTR[process.arch];
      if (nr === undefined) return 38; // ENOSYS
      return rc(Number(c.syscall(nr, 'int', 0, 'uint8_t *', schedAttr(nice, sliceNs), 'unsigned int', 0)));
    },
    otherThreads: () => fs.readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid),
    onSigxcpu: (handler) => process.on('SIGXCPU', handler),
    strerror: errnoText,
  };
}

/** sched_get_priority_min(SCHED_RR) on Linux. */
const SCHED_RR_MIN_PRIORITY = 1;

type Who = 'vrrp' | 'checker';
const WHO_TITLE: Record<Who, string> = { vrrp: 'VRRP', checker: 'Checker' };

/**
 * Applies plans to this process, first at start and then at each reload, changing only what
 * differs from what it applied last; what a plan no longer asks for goes back to what the process
 * had before the first (Keepalived's reset_process_priorities() does the same at each reload).
 */
export class ProcessScheduler {
  private readonly origNice: number;
  private readonly origRtLimit: Uint8Array;
  private readonly origAffinity: Uint8Array;
  private nice: number;
  private realtime: SchedPlan['realtime'];
  /** The RLIMIT_RTTIME hard limit set (µs); 0: the process's own. */
  private limitUs = 0;
  private cpus: readonly number[] = [];
  /** The slice the plan asks for and the one the kernel has (µs; 0: the kernel's own). */
  private sliceUs = 0;
  private sliceInForce = 0;
  private sigxcpu = false;

  constructor(private readonly who: Who, private readonly log: Logger, private readonly sys: SchedCalls = libcSchedCalls()) {
    this.origNice = sys.getNice();
    this.nice = this.origNice;
    this.origRtLimit = sys.getRtLimit();
    this.origAffinity = sys.getAffinity();
  }

  apply(plan: SchedPlan): void {
    const rt = plan.realtime;
    if (this.realtime && rt?.priority !== this.realtime.priority) this.dropRealtime();
    const nice = plan.nice !== 0 ? plan.nice : this.origNice;
    if (nice !== this.nice) this.setNice(nice);
    if (rt && (!this.realtime || rt.rlimitUs !== this.limitUs)) this.raiseRealtime(rt);
    if (!rt && this.limitUs) this.restoreLimit();
    if (plan.cpus.join() !== this.cpus.join()) this.setCpus(plan.cpus);
    this.sliceUs = plan.sliceUs ?? 0;
    if (!this.realtime && this.sliceInForce !== this.sliceUs) this.setSlice();
  }

  /**
   * Keepalived's increment_process_priority(), after a timer fired too late: realtime at SCHED_RR's
   * lowest priority, or one priority higher, up to `max` (max_auto_priority; 0 or -1: never), under
   * the RLIMIT_RTTIME already set or else `rlimitUs`. Returns the priority asked for, undefined when
   * there is none to ask for. The next plan applied (a reload) puts the configured one back, as
   * Keepalived's reset_process_priorities() does.
   */
  raiseAuto(max: number, rlimitUs: number): number | undefined {
    if (max <= 0) return undefined;
    const cur = this.realtime?.priority ?? 0;
    if (cur >= max) return undefined;
    const priority = cur > 0 ? cur + 1 : SCHED_RR_MIN_PRIORITY;
    this.raiseRealtime({ priority, rlimitUs: this.limitUs || rlimitUs });
    return priority;
  }

  /**
   * Back to SCHED_OTHER while a reload reads the file: reading must not run into RLIMIT_RTTIME.
   * The limit stays (it counts realtime only): without CAP_SYS_RESOURCE a hard limit lowered
   * cannot be raised again. Keepalived 2.2.7 puts back an rlimit it never read ({0, 0}) and, unable
   * to raise it, has its VRRP child killed whenever a tick finds it running; we do not follow that.
   */
  suspendRealtime(): void {
    if (this.realtime) this.dropRealtime();
  }

  private setNice(nice: number): void {
    const err = this.sys.setNice(0, nice);
    if (err) {
      this.log.info(nice === this.origNice ? `Unable to reset process priority - ${this.sys.strerror(err)}` : `Unable to set process priority to ${nice} - ${this.sys.strerror(err)}`);
      return;
    }
    this.nice = nice;
    for (const tid of this.sys.otherThreads()) this.sys.setNice(tid, nice);
  }

  /** The limit first, so that the process never runs realtime unbounded. */
  private raiseRealtime(rt: NonNullable<SchedPlan['realtime']>): void {
    const hadLimit = this.limitUs;
    let limitErr = 0;
    if (rt.rlimitUs && rt.rlimitUs !== this.limitUs) {
      // Keepalived's soft limit is half the configured one: SIGXCPU warns before SIGKILL.
      const hard = Math.max(rt.rlimitUs, RTTIME_HARD_MIN_US);
      limitErr = this.sys.setRtLimit(rlimitBytes(Math.floor(rt.rlimitUs / 2), hard));
      if (!limitErr) {
        this.limitUs = rt.rlimitUs;
        if (hard !== rt.rlimitUs) this.log.info(`${this.who}_rlimit_rttime ${rt.rlimitUs}: SIGXCPU after ${Math.floor(rt.rlimitUs / 2)} us as Keepalived, SIGKILL after ${hard} us (V8 can run longer than ${rt.rlimitUs} us)`);
      }
      if (!limitErr && !this.sigxcpu) {
        this.sigxcpu = true;
        this.sys.onSigxcpu(() => this.log.info(`${WHO_TITLE[this.who]} process has used too much CPU time, ${this.who}_rlimit_rttime may need to be increased`));
      }
    } else if (!rt.rlimitUs && this.limitUs) this.restoreLimit();
    if (this.sys.setScheduler(SCHED_RR | SCHED_RESET_ON_FORK, rt.priority)) {
      this.log.warn('child process: cannot raise priority');
      // Keepalived sets the limit only once it has SCHED_RR.
      if (!hadLimit && this.limitUs) this.restoreLimit();
      return;
    }
    this.realtime = rt;
    if (limitErr) this.log.warn('child process cannot set realtime rlimit');
  }

  private dropRealtime(): void {
    if (this.sys.setScheduler(SCHED_OTHER, 0)) {
      this.log.warn('child process: cannot reset realtime scheduling');
      return;
    }
    this.realtime = undefined;
    // sched_setscheduler() gave the thread the kernel's slice back.
    this.sliceInForce = 0;
    if (this.sliceUs) this.setSlice();
  }

  /**
   * A short slice for the main thread: under EEVDF a thread that wakes with a shorter slice than
   * the one running gets an earlier deadline and preempts it at once, where with the default it
   * can wait for the running thread's whole slice (about 1.4 ms on two cores, once per busy
   * thread ahead of it): an advert late by that much. Kernels before 6.12 ignore the figure.
   */
  private setSlice(): void {
    const err = this.sys.setFairSlice(this.nice, this.sliceUs * 1000);
    if (err) this.log.detail(`${this.who} process: cannot set its scheduler slice (${this.sys.strerror(err)})`);
    else this.sliceInForce = this.sliceUs;
  }

  private restoreLimit(): void {
    if (this.sys.setRtLimit(this.origRtLimit)) this.log.warn('child process cannot reset realtime rlimit');
    else this.limitUs = 0;
  }

  private setCpus(cpus: readonly number[]): void {
    // An emptied set goes back to the mask the process started with (Keepalived leaves the old one).
    const mask = cpus.length > 0 ? cpuMask(cpus) : this.origAffinity;
    const err = this.sys.setAffinity(0, mask);
    if (err) {
      this.log.warn(`unable to set cpu affinity to ${this.who} process (${this.sys.strerror(err)})`);
      return;
    }
    this.cpus = [...cpus];
    for (const tid of this.sys.otherThreads()) this.sys.setAffinity(tid, mask);
  }
}
