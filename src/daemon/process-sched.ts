/**
 * global_defs' scheduling keywords for one child (vrrp_priority, vrrp_rt_priority,
 * vrrp_rlimit_rttime, vrrp_cpu_affinity; checker_* the same) as the plan os/sched.ts applies, with
 * Keepalived's rules (lib/process.c set_process_priorities(), core/global_parser.c):
 * - a realtime priority wins: the nice value is then not set at all;
 * - RLIMIT_RTTIME is set only with a realtime priority (default 10000 µs, global-model.ts);
 * - a CPU id this host does not have drops the whole set, with Keepalived's error.
 *
 * When: at start, once the configuration is read (Keepalived: at the end of start_vrrp() and
 * start_check()); at a reload, realtime is dropped while the file is read and the new plan is
 * applied after, changing only what differs (Keepalived resets everything and sets it again; the
 * end state is the same, except that a removed cpu_affinity gives back the starting mask).
 */
import * as os from 'node:os';
import type { Logger } from '../base/log.js';
import type { KeepalivedConfig } from '../config/model.js';
import { ProcessScheduler, type SchedCalls, type SchedPlan } from '../os/sched.js';

export type SchedWho = 'vrrp' | 'checker';
type Defs = KeepalivedConfig['global_defs'];

/**
 * The VRRP process's fair-scheduler slice, µs (ours, not Keepalived's: os/sched.ts says why).
 * Measured with bench/vrrp-load, 10 ms adverts with both cores saturated: see bench/README.md.
 */
export const VRRP_SLICE_US = 100;

/** KEEPALIVED_TS_VRRP_SLICE_US's value: a number of µs (0: the kernel's slice); anything else, the default. */
export function vrrpSliceUs(v: string | undefined): number {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : VRRP_SLICE_US;
}

/**
 * The plan for `who`; `onlineCpus` is sysconf(_SC_NPROCESSORS_ONLN), `problem` hears a dropped CPU
 * set, `sliceUs` is the fair-scheduler slice asked for when not realtime.
 */
export function schedPlanOf(g: Defs, who: SchedWho, onlineCpus: number, problem: (m: string) => void = () => undefined, sliceUs = 0): SchedPlan {
  const rt = g[`${who}_rt_priority`];
  const bad = g[`${who}_cpu_affinity`].find((id) => id >= onlineCpus);
  if (bad !== undefined) problem(`Invalid cpu_id:${bad} specified for ${who} process`);
  return {
    nice: rt === undefined ? g[`${who}_priority`] : 0,
    ...(rt !== undefined ? { realtime: { priority: rt, rlimitUs: g[`${who}_rlimit_rttime`] } } : {}),
    cpus: bad === undefined ? g[`${who}_cpu_affinity`] : [],
    ...(sliceUs > 0 ? { sliceUs } : {}),
  };
}

/**
 * A child's scheduler, applied once from `g`; `reloading()` and `reloaded(g)` around each reload.
 * The VRRP process also asks for its slice (KEEPALIVED_TS_VRRP_SLICE_US or VRRP_SLICE_US).
 */
export function startProcessSched(who: SchedWho, g: Defs, log: Logger, sys?: SchedCalls) {
  const sched = new ProcessScheduler(who, log, sys);
  const sliceUs = who === 'vrrp' ? vrrpSliceUs(process.env.KEEPALIVED_TS_VRRP_SLICE_US) : 0;
  // os.cpus() lists the online CPUs (sysconf's count); where it lists none, the kernel judges the set.
  const online = os.cpus().length || Infinity;
  let current = g;
  const apply = (defs: Defs) => {
    current = defs;
    sched.apply(schedPlanOf(defs, who, online, (m) => log.error(m), sliceUs));
  };
  apply(g);
  return {
    reloading: () => sched.suspendRealtime(),
    /** The new global_defs, or the running ones again when the reload was refused. */
    reloaded: (next: Defs) => apply(next),
    /**
     * A timer fired `lateUs` after its time. Later than min_auto_priority_delay, Keepalived's
     * scheduler says so and raises the process's priority a step (max_auto_priority).
     */
    timerLate: (lateUs: number) => {
      if (!(lateUs > current.min_auto_priority_delay)) return;
      log.info(`A thread timer expired ${timerExpiredText(lateUs)} seconds ago`);
      const priority = sched.raiseAuto(current.max_auto_priority, current[`${who}_rlimit_rttime`]);
      if (priority !== undefined) log.info(`Set realtime priority ${priority}`);
    },
  };
}

/** Keepalived's "%ld.%6.6ld" of a lateness in µs. */
export function timerExpiredText(lateUs: number): string {
  const us = Math.floor(lateUs);
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}`;
}
