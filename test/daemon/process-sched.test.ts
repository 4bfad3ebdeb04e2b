/**
 * global_defs' scheduling keywords as a child's plan (daemon/process-sched.ts), with Keepalived's
 * rules: a realtime priority wins over nice, RLIMIT_RTTIME only with realtime (10000 µs unless
 * given), a CPU this host lacks drops the set with Keepalived's error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schedPlanOf } from '../../src/daemon/process-sched.js';
import { loadGlobal } from '../config/global-helpers.js';

const defs = (...lines: string[]) => loadGlobal(...lines).config.global_defs;

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
