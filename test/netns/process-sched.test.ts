/**
 * Process scheduling, differentially: one configuration (vrrp_priority -5, vrrp_rt_priority 10,
 * vrrp_rlimit_rttime 20000, vrrp_no_swap, vrrp_cpu_affinity 1, checker_priority 3,
 * checker_cpu_affinity 0, a virtual_server so that a checker child runs) in Keepalived 2.2.7 and
 * in keepalived-ts, each in its own namespace. Each child is found by its pid file (-r, -c) and
 * read back from /proc: policy and rt_priority (stat fields 41 and 40), nice (19), RLIMIT_RTTIME
 * (limits), VmLck and Cpus_allowed_list (status); then ours again after a reload (SIGHUP) that
 * changes the realtime priority, lowers the limit and changes the checker's nice value.
 *
 * - VRRP: Keepalived's child is the expected answer, figure for figure (a realtime priority wins,
 *   so neither sets nice -5), except two declared differences (os/sched.ts): VmLck - Keepalived
 *   locks itself in memory (VmLck > 0), ours says at the keyword's line that it does not
 *   (mlockall makes V8 abort), VmLck 0; and RLIMIT_RTTIME's hard limit - the same soft limit
 *   (10000, half the configured 20000 µs), but SIGKILL at 1 s rather than 20 ms (V8's own work on
 *   the main thread overran 20 ms within a minute, and the kernel would kill the child).
 * - Checker: Keepalived 2.2.7 starts no checker child on a kernel without IPVS (this one has
 *   none), so ours is held to the configured values (nice 3 on CPU 0, SCHED_OTHER), on every
 *   thread of the process.
 * - Our VRRP child runs SCHED_RR with a 20 ms RLIMIT_RTTIME throughout: it must still be the same
 *   process at the end (the kernel kills a realtime process that overruns it).
 * - The reload is not compared: Keepalived 2.2.7 puts back an RLIMIT_RTTIME it never read
 *   (lib/process.c orig_rlimit_rt: {0, 0}), cannot raise it again without CAP_SYS_RESOURCE ("child
 *   process cannot set realtime rlimit"), and its VRRP child is killed by the kernel whenever a
 *   tick finds it running ("has rlimit_rttime been exceeded?"), then respawned: seconds later or
 *   not at all within a test. Ours is held to the new values, in the same process.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';
import { repo } from './vrrp-lab.js';

const skip = labUnavailable();
let lab: Lab | undefined;
let dir = '';
const daemons: Daemon[] = [];

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-sched-'));
  lab = await Lab.create({ hosts: ['kad', 'kts'] });
});

after(async () => {
  for (const d of daemons) await d.kill('SIGTERM');
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function config(host: string, vrid: number, rt: { priority: number; rlimit: number; checkerNice: number }): string {
  return `global_defs {
  router_id sched_${host}
  vrrp_priority -5
  vrrp_rt_priority ${rt.priority}
  vrrp_rlimit_rttime ${rt.rlimit}
  vrrp_no_swap
  vrrp_cpu_affinity 1
  checker_priority ${rt.checkerNice}
  checker_cpu_affinity 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${lab!.spareAddress(vrid)}/32
  }
}
virtual_server ${lab!.spareAddress(vrid)} 80 {
  delay_loop 5
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server ${lab!.spareAddress(vrid + 1)} 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
}

interface Sched {
  policy: number;
  rtPriority: number;
  nice: number;
  rttime: string;
  locked: boolean;
  cpus: string;
}

/** One task's figures, from /proc/PID[/task/TID]. */
function readSched(proc: string): Sched {
  const stat = fs.readFileSync(`${proc}/stat`, 'utf8');
  // Fields from 3 on, after the command name in parentheses (which may hold spaces).
  const f = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  const field = (n: number) => Number(f[n - 3]);
  const status = fs.readFileSync(`${proc}/status`, 'utf8');
  const limits = fs.readFileSync(`/proc/${proc.split('/')[2]}/limits`, 'utf8');
  const rttime = /^Max realtime timeout\s+(\S+)\s+(\S+)/m.exec(limits);
  return {
    policy: field(41),
    rtPriority: field(40),
    nice: field(19),
    rttime: rttime ? `${rttime[1]}/${rttime[2]}` : '?',
    locked: Number(/^VmLck:\s+(\d+)/m.exec(status)?.[1] ?? 0) > 0,
    cpus: /^Cpus_allowed_list:\s+(\S+)/m.exec(status)?.[1] ?? '?',
  };
}

function pidOf(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

/** The nice value and CPUs of every thread of `pid`. */
function threads(pid: number): string[] {
  return [...new Set(fs.readdirSync(`/proc/${pid}/task`).map((t) => {
    const s = readSched(`/proc/${pid}/task/${t}`);
    return `nice ${s.nice} cpus ${s.cpus}`;
  }))];
}

/** Waits until `read()` equals `want`, then asserts it (the message shows both and the daemon's output). */
async function settles(read: () => Sched, want: Sched, what: string, d: Daemon): Promise<void> {
  const got = () => {
    try {
      return read();
    } catch (e) {
      return (e as Error).message;
    }
  };
  await waitFor(() => JSON.stringify(got()) === JSON.stringify(want), 15_000, what).catch(() => undefined);
  assert.deepEqual(got(), want, `${what}\n${d.output.join('\n')}`);
}

/** Every thread of `pid` comes to `want` (the threads are set one after the other). */
async function threadsSettle(pid: number, want: string, what: string): Promise<void> {
  await waitFor(() => JSON.stringify(threads(pid)) === JSON.stringify([want]), 10_000, what).catch(() => undefined);
  assert.deepEqual(threads(pid), [want], what);
}

function reload(d: Daemon, text: string): void {
  fs.writeFileSync(path.join(path.dirname(d.pidFile), 'keepalived.conf'), text);
  process.kill(pidOf(d.pidFile), 'SIGHUP');
}

test('VRRP and checker children are scheduled as configured, as Keepalived 2.2.7 schedules its VRRP child, at start and after a reload', { skip, timeout: 90_000 }, async () => {
  assert.ok(os.cpus().length >= 2, 'the test pins processes to CPU 1: it needs two CPUs');
  const first = { priority: 10, rlimit: 20000, checkerNice: 3 };
  const kad = new Daemon(lab!, 'kad', path.join(dir, 'kad'), config('kad', 61, first), repo, true);
  daemons.push(kad);
  // No data plane: scheduling does not depend on it, and the checker child still runs its checks.
  const kts = new Daemon(lab!, 'kts', path.join(dir, 'kts'), config('kts', 71, first), repo, false, { KEEPALIVED_TS_DATAPLANE: 'none' });
  daemons.push(kts);
  for (const d of [kad, kts]) await waitFor(() => d.output.some((l) => l.includes('Entering BACKUP STATE')), 30_000, `${d === kad ? 'Keepalived' : 'keepalived-ts'} starts VRRP`);
  await waitFor(() => fs.existsSync(kts.checkersPidFile), 15_000, 'our checker child');

  const theirVrrp = pidOf(kad.vrrpPidFile);
  const ourVrrp = pidOf(kts.vrrpPidFile);
  const ourChecker = pidOf(kts.checkersPidFile);
  assert.ok(!fs.existsSync(kad.checkersPidFile), 'Keepalived starts no checker child here (no IPVS): if it does now, compare the checker side with it');

  // Keepalived's VRRP child, as configured: SCHED_RR 10, nice untouched, 10 ms soft / 20 ms hard, CPU 1, locked.
  const theirs = readSched(`/proc/${theirVrrp}`);
  assert.deepEqual(theirs, { policy: 2, rtPriority: 10, nice: 0, rttime: '10000/20000', locked: true, cpus: '1' }, kad.output.join('\n'));
  const soft = theirs.rttime.split('/')[0];
  await settles(() => readSched(`/proc/${ourVrrp}`), { ...theirs, locked: false, rttime: `${soft}/1000000` }, 'our VRRP child as Keepalived\'s (VmLck and the hard RLIMIT_RTTIME: see above)', kts);
  await threadsSettle(ourVrrp, 'nice 0 cpus 1', 'every thread of our VRRP child on CPU 1');
  const unlimited = readSched(`/proc/${pidOf(kts.pidFile)}`).rttime;
  await settles(() => readSched(`/proc/${ourChecker}`), { policy: 0, rtPriority: 0, nice: 3, rttime: unlimited, locked: false, cpus: '0' }, 'our checker child as configured', kts);
  await threadsSettle(ourChecker, 'nice 3 cpus 0', 'every thread of our checker child: nice 3 on CPU 0');
  assert.ok(kts.output.some((l) => l.includes("'vrrp_no_swap' is read but not acted on here")), `vrrp_no_swap reported in the log:\n${kts.output.join('\n')}`);

  // A reload: realtime 20 with a 16 ms limit, the checker at nice 5.
  reload(kts, config('kts', 71, { priority: 20, rlimit: 16000, checkerNice: 5 }));
  await settles(() => readSched(`/proc/${ourVrrp}`), { policy: 2, rtPriority: 20, nice: 0, rttime: '8000/1000000', locked: false, cpus: '1' }, 'our VRRP child after the reload', kts);
  await settles(() => readSched(`/proc/${ourChecker}`), { policy: 0, rtPriority: 0, nice: 5, rttime: unlimited, locked: false, cpus: '0' }, 'our checker child after the reload', kts);
  await threadsSettle(ourChecker, 'nice 5 cpus 0', 'every thread of our checker child after the reload: nice 5');

  // Still the same children: nothing overran RLIMIT_RTTIME (SIGKILL) nor died otherwise.
  assert.deepEqual([pidOf(kts.vrrpPidFile), pidOf(kts.checkersPidFile)], [ourVrrp, ourChecker], kts.output.join('\n'));
});

/** se.slice of one task, ns (Linux 6.12+: the fair scheduler's slice). */
function sliceNs(task: string): number {
  return Number(/^se\.slice\s*:\s*(\d+)/m.exec(fs.readFileSync(`${task}/sched`, 'utf8'))?.[1]);
}

test('without vrrp_rt_priority the VRRP child\'s main thread runs with a 100 us slice, without V8\'s memory reducer, parallel scavenges or TurboFan, its other threads and the parent with the kernel\'s', { skip, timeout: 60_000 }, async () => {
  const conf = `global_defs {\n  router_id slice_kts\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 81\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${lab!.spareAddress(81)}/32\n  }\n}\n`;
  const kts = new Daemon(lab!, 'kts', path.join(dir, 'slice'), conf, repo, false);
  daemons.push(kts);
  await waitFor(() => kts.output.some((l) => l.includes('Entering BACKUP STATE')), 30_000, 'keepalived-ts starts VRRP');
  const vrrp = pidOf(kts.vrrpPidFile);
  const parent = pidOf(kts.pidFile);
  await waitFor(() => sliceNs(`/proc/${vrrp}/task/${vrrp}`) === 100_000, 10_000, 'the VRRP child asks for its slice').catch(() => undefined);
  assert.equal(sliceNs(`/proc/${vrrp}/task/${vrrp}`), 100_000, kts.output.join('\n'));
  const kernels = sliceNs(`/proc/${parent}/task/${parent}`);
  assert.notEqual(kernels, 100_000, 'the parent keeps the kernel\'s slice');
  const others = fs.readdirSync(`/proc/${vrrp}/task`).filter((t) => t !== String(vrrp)).map((t) => sliceNs(`/proc/${vrrp}/task/${t}`));
  assert.ok(others.length > 0 && others.every((s) => s === kernels), `helper threads: ${others.join(' ')} (kernel's ${kernels})`);
  // No collection of V8's own choosing (its memory reducer's made adverts 20 ms late), and no
  // helper threads woken by a scavenge in the middle of an advert, nor TurboFan's compiles on
  // a helper thread (supervisor.ts).
  const argv = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  for (const flag of ['--no-memory-reducer', '--no-parallel-scavenge', '--no-opt']) assert.ok(argv(vrrp).includes(flag), `${flag}: ${argv(vrrp).join(' ')}`);
  assert.ok(!argv(parent).includes('--no-opt'), argv(parent).join(' '));
  // The parent has bin's flags (no parallel scavenges either: bin/keepalived-ts), not the child's own.
  assert.ok(!argv(parent).includes('--no-memory-reducer'), argv(parent).join(' '));
  await kts.kill('SIGTERM');
});

test('max_auto_priority: a timer late by more than min_auto_priority_delay raises the VRRP child to SCHED_RR a step at a time, up to the maximum, as Keepalived 2.2.7 does, and our checker child the same', { skip, timeout: 60_000 }, async () => {
  // 1 µs: every timer is that late, so each advert is a step up.
  // A virtual server too: our checker child acts on the keywords as well (Keepalived starts none here).
  const conf = (host: string, vrid: number) => `global_defs {\n  router_id auto_${host}\n  max_auto_priority 3\n  min_auto_priority_delay 1\n}\nvrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 200\n  advert_int 1\n  virtual_ipaddress {\n    ${lab!.spareAddress(vrid)}/32\n  }\n}\nvirtual_server ${lab!.spareAddress(vrid)} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server ${lab!.spareAddress(vrid + 1)} 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n`;
  const kad = new Daemon(lab!, 'kad', path.join(dir, 'kad-auto'), conf('kad', 91), repo, true);
  daemons.push(kad);
  const kts = new Daemon(lab!, 'kts', path.join(dir, 'kts-auto'), conf('kts', 95), repo, false, { KEEPALIVED_TS_DATAPLANE: 'none' });
  daemons.push(kts);
  const steps = (d: Daemon) => d.output.flatMap((l) => /Set realtime priority (\d+)/.exec(l)?.[1] ?? []);
  for (const d of [kad, kts]) await waitFor(() => steps(d).length >= 3, 30_000, `${d === kad ? 'Keepalived' : 'keepalived-ts'} at max_auto_priority`).catch(() => undefined);
  const theirs = readSched(`/proc/${pidOf(kad.vrrpPidFile)}`);
  assert.deepEqual([steps(kad), theirs.policy, theirs.rtPriority], [['1', '2', '3'], 2, 3], kad.output.join('\n'));
  assert.ok(kad.output.some((l) => /A thread timer expired 0\.\d{6} seconds ago/.test(l)), 'Keepalived says which timer was late');
  // Ours the same, VRRP child and checker child each (one console: their lines mix), and nothing
  // more after a few more timers at the maximum.
  const ourVrrp = pidOf(kts.vrrpPidFile);
  await settles(() => readSched(`/proc/${ourVrrp}`), { ...readSched(`/proc/${ourVrrp}`), policy: theirs.policy, rtPriority: theirs.rtPriority }, 'our VRRP child at max_auto_priority', kts);
  await waitFor(() => fs.existsSync(kts.checkersPidFile), 15_000, 'our checker child');
  const ourChecker = pidOf(kts.checkersPidFile);
  await settles(() => readSched(`/proc/${ourChecker}`), { ...readSched(`/proc/${ourChecker}`), policy: 2, rtPriority: 3 }, 'our checker child at max_auto_priority', kts);
  await new Promise((r) => setTimeout(r, 2500));
  assert.deepEqual(steps(kts).sort(), [...steps(kad), ...steps(kad)].sort(), kts.output.join('\n'));
  assert.ok(kts.output.some((l) => /A thread timer expired 0\.\d{6} seconds ago/.test(l)), kts.output.join('\n'));
  // The same soft RLIMIT_RTTIME (Keepalived's default 10000 µs, half); our hard limit as above.
  // The kernel raises the soft limit by 1 s at each SIGXCPU it sends (start-up's work can run past
  // 5 ms under SCHED_RR: os/sched.ts), and the child logs each: those raises, and no other.
  const [soft, hard] = readSched(`/proc/${ourVrrp}`).rttime.split('/').map(Number);
  const expected = Number(theirs.rttime.split('/')[0]);
  const raises = (soft! - expected) / 1_000_000;
  assert.ok(Number.isInteger(raises) && raises >= 0, `soft RLIMIT_RTTIME ${soft}, Keepalived's ${expected}`);
  const warned = () => kts.output.filter((l) => l.includes('VRRP process has used too much CPU time')).length;
  await waitFor(() => warned() >= raises, 5_000, `${raises} SIGXCPU logged`);
  assert.equal(hard, 1_000_000);
});
