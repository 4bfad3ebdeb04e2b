/**
 * A child's scheduling (os/sched.ts): the cpu_set_t and struct rlimit bytes, the calls a plan
 * makes in Keepalived's order with its log lines on failure (lib/process.c), what a reload
 * changes, and the real calls on a throw-away Node process read back from /proc.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { CPU_SET_BYTES, cpuMask, ProcessScheduler, rlimitBytes, type SchedCalls } from '../../src/os/sched.js';
import { repo } from '../paths.js';

test('cpuMask: bit i of unsigned long i/64, in host order; 128 bytes (CPU_SETSIZE 1024)', () => {
  const m = cpuMask([0, 1, 9, 64, 1023]);
  assert.equal(m.length, CPU_SET_BYTES);
  const v = new DataView(m.buffer);
  assert.equal(v.getBigUint64(0, true), (1n << 0n) | (1n << 1n) | (1n << 9n));
  assert.equal(v.getBigUint64(8, true), 1n);
  assert.equal(v.getBigUint64(120, true), 1n << 63n);
  assert.deepEqual([...m.subarray(16, 120)], new Array(104).fill(0));
  assert.deepEqual([...cpuMask([1]).subarray(0, 2)], [2, 0]);
  assert.ok(cpuMask([]).every((b) => b === 0));
});

test('rlimitBytes: rlim_cur then rlim_max, 64 bits each', () => {
  const v = new DataView(rlimitBytes(10000, 20000).buffer);
  assert.deepEqual([v.getBigUint64(0, true), v.getBigUint64(8, true)], [10000n, 20000n]);
});

/** Records each call; `fail` names calls that answer an errno. */
function fakeCalls(fail: Partial<Record<'setNice' | 'setRtLimit' | 'setScheduler' | 'setAffinity', number>> = {}) {
  const calls: string[] = [];
  const sigxcpu: Array<() => void> = [];
  const sys: SchedCalls = {
    getNice: () => 0,
    setNice: (tid, nice) => (calls.push(`nice ${tid} ${nice}`), tid === 0 ? (fail.setNice ?? 0) : 0),
    getRtLimit: () => rlimitBytes(7, 7),
    setRtLimit: (r) => {
      const v = new DataView(r.buffer);
      calls.push(`rttime ${v.getBigUint64(0, true)}/${v.getBigUint64(8, true)}`);
      return fail.setRtLimit ?? 0;
    },
    setScheduler: (policy, prio) => (calls.push(`sched ${policy.toString(16)} ${prio}`), fail.setScheduler ?? 0),
    getAffinity: () => cpuMask([0, 1, 2, 3]),
    setAffinity: (tid, mask) => {
      const cpus = [...Array(8).keys()].filter((i) => mask[0]! & (1 << i));
      calls.push(`affinity ${tid} ${cpus.join(',')}`);
      return tid === 0 ? (fail.setAffinity ?? 0) : 0;
    },
    setFairSlice: (nice, ns) => (calls.push(`slice ${nice} ${ns}`), 0),
    otherThreads: () => [101, 102],
    onSigxcpu: (h) => sigxcpu.push(h),
    strerror: (e) => `errno ${e}`,
  };
  return { sys, calls, sigxcpu };
}

test('realtime: the limit (half soft) before SCHED_RR|SCHED_RESET_ON_FORK on the main thread; nice and affinity on every thread', () => {
  const f = fakeCalls();
  const log = memoryLogger();
  new ProcessScheduler('vrrp', log, f.sys).apply({ nice: 0, realtime: { priority: 10, rlimitUs: 20000 }, cpus: [1] });
  assert.deepEqual(f.calls, ['rttime 10000/1000000', 'sched 40000002 10', 'affinity 0 1', 'affinity 101 1', 'affinity 102 1']);
  assert.deepEqual(log.lines, ['vrrp_rlimit_rttime 20000: SIGXCPU after 10000 us as Keepalived, SIGKILL after 1000000 us (V8 can run longer than 20000 us)']);
  f.sigxcpu[0]!();
  assert.equal(log.lines[1], 'VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased');

  const big = fakeCalls();
  new ProcessScheduler('vrrp', memoryLogger(), big.sys).apply({ nice: 0, realtime: { priority: 10, rlimitUs: 3_000_000 }, cpus: [] });
  assert.equal(big.calls[0], 'rttime 1500000/3000000', 'a limit above the floor is set as given');

  const g = fakeCalls();
  new ProcessScheduler('checker', log, g.sys).apply({ nice: 3, cpus: [] });
  assert.deepEqual(g.calls, ['nice 0 3', 'nice 101 3', 'nice 102 3'], 'no realtime: no limit, no scheduler call; no cpus: affinity untouched');
  assert.equal(g.sigxcpu.length, 0);
});

test("failures are logged with Keepalived's words and the rest goes on", () => {
  let f = fakeCalls({ setScheduler: 1 });
  let log = memoryLogger();
  new ProcessScheduler('vrrp', log, f.sys).apply({ nice: 0, realtime: { priority: 10, rlimitUs: 20000 }, cpus: [1] });
  assert.deepEqual(f.calls, ['rttime 10000/1000000', 'sched 40000002 10', 'rttime 7/7', 'affinity 0 1', 'affinity 101 1', 'affinity 102 1'], 'no SCHED_RR: the limit is given back');
  assert.deepEqual(log.lines.slice(1), ['child process: cannot raise priority']);

  f = fakeCalls({ setRtLimit: 1, setAffinity: 22 });
  log = memoryLogger();
  new ProcessScheduler('checker', log, f.sys).apply({ nice: 0, realtime: { priority: 5, rlimitUs: 10000 }, cpus: [7] });
  assert.deepEqual(log.lines, ['child process cannot set realtime rlimit', 'unable to set cpu affinity to checker process (errno 22)']);
  assert.equal(f.sigxcpu.length, 0, 'no limit, no SIGXCPU');

  f = fakeCalls({ setNice: 13 });
  log = memoryLogger();
  new ProcessScheduler('vrrp', log, f.sys).apply({ nice: -5, cpus: [] });
  assert.deepEqual(log.lines, ['Unable to set process priority to -5 - errno 13']);
  assert.deepEqual(f.calls, ['nice 0 -5'], 'the other threads are left alone when the main one failed');
});

test('reload: realtime off while reading, then only what changed; what is gone goes back to the start', () => {
  const f = fakeCalls();
  const s = new ProcessScheduler('vrrp', memoryLogger(), f.sys);
  const rt = { nice: 0, realtime: { priority: 10, rlimitUs: 20000 }, cpus: [1] };
  s.apply(rt);
  f.calls.length = 0;
  s.suspendRealtime();
  s.apply(rt);
  assert.deepEqual(f.calls, ['sched 0 0', 'sched 40000002 10'], 'the same plan: realtime again; the limit and the affinity untouched');
  f.calls.length = 0;
  s.suspendRealtime();
  s.apply({ ...rt, realtime: { priority: 20, rlimitUs: 16000 } });
  assert.deepEqual(f.calls, ['sched 0 0', 'rttime 8000/1000000', 'sched 40000002 20']);
  f.calls.length = 0;
  s.apply({ nice: -5, cpus: [] });
  assert.deepEqual(f.calls, ['sched 0 0', 'nice 0 -5', 'nice 101 -5', 'nice 102 -5', 'rttime 7/7', 'affinity 0 0,1,2,3', 'affinity 101 0,1,2,3', 'affinity 102 0,1,2,3']);
  f.calls.length = 0;
  s.apply({ nice: -5, cpus: [] });
  assert.deepEqual(f.calls, [], 'nothing changed, nothing called');
  s.apply({ nice: 0, cpus: [] });
  assert.deepEqual(f.calls, ['nice 0 0', 'nice 101 0', 'nice 102 0'], 'vrrp_priority removed: the starting nice value');
});

test('a limit that cannot be raised (no CAP_SYS_RESOURCE): logged, realtime goes on under the lower one', () => {
  const f = fakeCalls();
  const log = memoryLogger();
  const s = new ProcessScheduler('vrrp', log, f.sys);
  s.apply({ nice: 0, realtime: { priority: 10, rlimitUs: 20000 }, cpus: [] });
  f.calls.length = 0;
  f.sys.setRtLimit = (r) => (f.calls.push(`rttime ${new DataView(r.buffer).getBigUint64(8, true)} EPERM`), 1);
  s.suspendRealtime();
  s.apply({ nice: 0, realtime: { priority: 10, rlimitUs: 2_000_000 }, cpus: [] });
  assert.deepEqual(f.calls, ['sched 0 0', 'rttime 2000000 EPERM', 'sched 40000002 10']);
  assert.deepEqual(log.lines.slice(1), ['child process cannot set realtime rlimit']);
});

test('the real calls: nice and affinity on every thread of a Node process, read back from /proc', () => {
  const mod = path.join(repo, 'dist/src/os/sched.js');
  const script = `
    import('${mod}').then(({ ProcessScheduler }) => {
      const fs = require('node:fs');
      const lines = [];
      const log = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), detail: () => {} };
      new ProcessScheduler('checker', log).apply({ nice: 4, cpus: [0] });
      const tasks = fs.readdirSync('/proc/self/task');
      const read = (t) => {
        const stat = fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cpus = /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8'))[1];
        return f[16] + ' ' + cpus;
      };
      console.log(JSON.stringify({ lines, threads: tasks.length, seen: [...new Set(tasks.map(read))] }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { lines: string[]; threads: number; seen: string[] };
  assert.deepEqual(out.lines, []);
  assert.ok(out.threads > 1, 'a Node process has helper threads');
  assert.deepEqual(out.seen, ['4 0'], 'every thread: nice 4 on CPU 0');
});

test('slice: asked for under SCHED_OTHER with the nice value in force, left to SCHED_RR, asked again when realtime ends', () => {
  const f = fakeCalls();
  const s = new ProcessScheduler('vrrp', memoryLogger(), f.sys);
  s.apply({ nice: -5, cpus: [], sliceUs: 100 });
  assert.deepEqual(f.calls, ['nice 0 -5', 'nice 101 -5', 'nice 102 -5', 'slice -5 100000']);
  f.calls.length = 0;
  s.apply({ nice: -5, cpus: [], sliceUs: 100 });
  assert.deepEqual(f.calls, [], 'in place already');
  s.apply({ nice: 0, realtime: { priority: 10, rlimitUs: 0 }, cpus: [], sliceUs: 100 });
  assert.deepEqual(f.calls, ['nice 0 0', 'nice 101 0', 'nice 102 0', 'sched 40000002 10'], 'realtime: no slice call');
  f.calls.length = 0;
  s.suspendRealtime();
  assert.deepEqual(f.calls, ['sched 0 0', 'slice 0 100000'], 'back to SCHED_OTHER, whose slice sched_setscheduler reset');
  f.calls.length = 0;
  s.apply({ nice: 0, cpus: [], sliceUs: 300 });
  assert.deepEqual(f.calls, ['slice 0 300000'], 'another figure: asked again');
  f.calls.length = 0;
  s.apply({ nice: 0, cpus: [] });
  assert.deepEqual(f.calls, ['slice 0 0'], 'no slice asked: the kernel\'s again');
});

test('the real call: the main thread\'s slice read back from /proc (Linux 6.12 and later)', () => {
  const mod = path.join(repo, 'dist/src/os/sched.js');
  const script = `
    import('${mod}').then(({ ProcessScheduler }) => {
      const fs = require('node:fs');
      const slice = () => Number(/^se\\.slice\\s*:\\s*(\\d+)/m.exec(fs.readFileSync('/proc/thread-self/sched', 'utf8'))?.[1]);
      const lines = [];
      const log = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), detail: (m) => lines.push(m) };
      const before = slice();
      const s = new ProcessScheduler('vrrp', log);
      s.apply({ nice: 0, cpus: [], sliceUs: 100 });
      const during = slice();
      s.apply({ nice: 0, cpus: [] });
      console.log(JSON.stringify({ lines, before, during, after: slice() }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { lines: string[]; before: number; during: number; after: number };
  assert.deepEqual(out.lines, []);
  assert.equal(out.during, 100_000, JSON.stringify(out));
  assert.equal(out.after, out.before, 'the kernel\'s slice back');
});

test('max_auto_priority: SCHED_RR at priority 1, then one higher each time, up to the maximum; the limit set once; a plan puts the configured scheduling back', () => {
  const f = fakeCalls();
  const s = new ProcessScheduler('vrrp', memoryLogger(), f.sys);
  assert.equal(s.raiseAuto(0, 10000), undefined, 'max_auto_priority 0: never');
  assert.equal(s.raiseAuto(-1, 10000), undefined, 'max_auto_priority -1: never');
  assert.deepEqual(f.calls, []);
  assert.deepEqual([s.raiseAuto(2, 10000), s.raiseAuto(2, 10000), s.raiseAuto(2, 10000)], [1, 2, undefined]);
  assert.deepEqual(f.calls, ['rttime 5000/1000000', 'sched 40000002 1', 'sched 40000002 2']);
  // A reload's plan without vrrp_rt_priority: SCHED_OTHER and the process's own limit again.
  f.calls.length = 0;
  s.apply({ nice: 0, cpus: [] });
  assert.deepEqual(f.calls, ['sched 0 0', 'rttime 7/7']);
});
