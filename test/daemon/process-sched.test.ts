/**
 * global_defs' scheduling keywords as a child's plan (daemon/process-sched.ts), with Keepalived's
 * rules: a realtime priority wins over nice, RLIMIT_RTTIME only with realtime (10000 µs unless
 * given), a CPU this host lacks drops the set with Keepalived's error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { schedPlanOf, startProcessSched, timerExpiredText } from '../../src/daemon/process-sched.js';
import { cpuMask, rlimitBytes, type SchedCalls } from '../../src/os/sched.js';
import { loadGlobal } from '../config/global-helpers.js';

const defs = (...lines: string[]) => loadGlobal(...lines).config.global_defs;

/** Scheduling calls that succeed and record nothing. */
function idleCalls(): SchedCalls {
  return {
    getNice: () => 0,
    setNice: () => 0,
    getRtLimit: () => rlimitBytes(0, 0),
    setRtLimit: () => 0,
    setScheduler: () => 0,
    getAffinity: () => cpuMask([0, 1]),
    setAffinity: () => 0,
    setFairSlice: () => 0,
    otherThreads: () => [],
    onSigxcpu: () => undefined,
    strerror: (e) => `errno ${e}`,
  };
}

test('nothing configured: nothing to do', () => {
  assert.deepEqual(schedPlanOf(defs(), 'vrrp', 2), { nice: 0, cpus: [] });
  assert.deepEqual(schedPlanOf(defs(), 'checker', 2), { nice: 0, cpus: [] });
});

test('a realtime priority wins over nice; the limit is Keepalived default 10000 µs unless given', () => {
  const g = defs('vrrp_priority -5', 'vrrp_rt_priority 10', 'vrrp_rlimit_rttime 20000', 'vrrp_cpu_affinity 1', 'checker_priority 3', 'checker_rt_priority 20', 'checker_cpu_affinity 0');
  assert.deepEqual(schedPlanOf(g, 'vrrp', 2), { nice: 0, realtime: { priority: 10, rlimitUs: 20000 }, cpus: [1] });
  assert.deepEqual(schedPlanOf(g, 'checker', 2), { nice: 0, realtime: { priority: 20, rlimitUs: 10000 }, cpus: [0] });
  assert.deepEqual(schedPlanOf(defs('checker_priority 3', 'checker_rlimit_rttime 5000'), 'checker', 2), { nice: 3, cpus: [] }, 'a limit alone does nothing');
});

test('a bad rlimit_rttime leaves realtime without a limit, as Keepalived (its get_rt_rlimit() answers 0)', () => {
  assert.deepEqual(schedPlanOf(defs('vrrp_rt_priority 10', 'vrrp_rlimit_rttime x'), 'vrrp', 2).realtime, { priority: 10, rlimitUs: 0 });
});

test('a CPU this host does not have drops the whole set, with Keepalived error', () => {
  const said: string[] = [];
  assert.deepEqual(schedPlanOf(defs('vrrp_cpu_affinity 0 3'), 'vrrp', 2, (m) => said.push(m)).cpus, []);
  assert.deepEqual(said, ['Invalid cpu_id:3 specified for vrrp process']);
});

test("a timer later than min_auto_priority_delay: Keepalived's log lines, and a step up only with max_auto_priority", () => {
  assert.equal(timerExpiredText(1_234_567), '1.234567');
  assert.equal(timerExpiredText(2_000_050.7), '2.000050');
  const run = (lines: string[], lates: number[]) => {
    const mem = memoryLogger();
    const steps: string[] = [];
    const sys = { ...idleCalls(), setScheduler: (policy: number, prio: number) => (steps.push(`${policy.toString(16)} ${prio}`), 0) };
    const s = startProcessSched('vrrp', defs(...lines), mem, sys);
    for (const us of lates) s.timerLate(us);
    return { said: mem.lines, steps };
  };
  // The defaults: a timer over a second late is told, nothing raised.
  assert.deepEqual(run([], [999_999, 1_000_000, 1_500_000]), { said: ['A thread timer expired 1.500000 seconds ago'], steps: [] });
  assert.deepEqual(run(['max_auto_priority 2', 'min_auto_priority_delay 1000'], [900, 1_001, 2_500, 3_000]), {
    said: [
      'A thread timer expired 0.001001 seconds ago',
      // Our hard limit (os/sched.ts says why), once, when the limit is set.
      'vrrp_rlimit_rttime 10000: SIGXCPU after 5000 us as Keepalived, SIGKILL after 1000000 us (V8 can run longer than 10000 us)',
      'Set realtime priority 1',
      'A thread timer expired 0.002500 seconds ago', 'Set realtime priority 2', 'A thread timer expired 0.003000 seconds ago'],
    steps: ['40000002 1', '40000002 2'],
  });
});
