/**
 * vrrp_track_process on the real /proc: children we start are found by name (comm) and by full
 * command line with parameters, counted against quorum, and seen gone when killed by PID.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { TrackProcess } from '../../src/config/sections/vrrp-track.js';
import { systemClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { ProcessTracker, scanProc } from '../../src/daemon/track/process-tracker.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-tproc-'));
// A name no other process has: a copy of sleep under a name unique to this run (comm <= 15 chars).
const uniq = `kasl${process.pid}`.slice(0, 15);
const sleeper = path.join(dir, uniq);
fs.copyFileSync('/usr/bin/sleep', sleeper);
fs.chmodSync(sleeper, 0o755);
const children: ChildProcess[] = [];
const trackers: ProcessTracker[] = [];

after(() => {
  for (const t of trackers) t.stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(file: string, ...args: string[]): ChildProcess {
  const c = spawn(file, args, { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function killed(c: ChildProcess): Promise<void> {
  const gone = new Promise((r) => c.once('exit', r));
  process.kill(c.pid!, 'SIGTERM');
  await gone;
}

const tp = (o: Partial<TrackProcess>): TrackProcess => ({
  name: 'p', pos: { file: 'k', line: 1 }, process: uniq, param_match: 'none', weight: 0, reverse: false,
  quorum: 1, fork_delay: 0, terminate_delay: 0, full_command: false, ...o,
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The child has exec'd (its comm is the new name) - spawn returns before that. */
async function execd(c: ChildProcess): Promise<void> {
  await until('exec', () => {
    try {
      return fs.readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === uniq;
    } catch {
      return false;
    }
  });
}

test('a child is found by its name, counted against quorum, and seen gone after kill', async () => {
  const log = memoryLogger();
  const seen: boolean[] = [];
  const t = new ProcessTracker([tp({ name: 'two', quorum: 2 })], { clock: systemClock, log, onChange: (_n, up) => seen.push(up) });
  trackers.push(t);
  const a = run(sleeper, '30');
  await execd(a);
  t.start();
  assert.deepEqual(seen, [false], 'one process, quorum 2');
  assert.equal(t.status().get('two')?.count, 1);
  const b = run(sleeper, '30');
  await execd(b);
  t.rescan();
  assert.deepEqual(seen, [false, true]);
  assert.ok(log.lines.includes('Quorum gained for tracked process two'));
  await killed(a);
  t.rescan();
  assert.deepEqual(seen, [false, true, false]);
  assert.equal(t.status().get('two')?.count, 1);
  await killed(b);
  t.stop();
});

test('the periodic scan notices a process start and exit without being asked', async () => {
  const seen: boolean[] = [];
  const t = new ProcessTracker([tp({ name: 'one' })], { clock: systemClock, log: memoryLogger(), onChange: (_n, up) => seen.push(up), intervalUs: 100_000 });
  trackers.push(t);
  t.start();
  assert.deepEqual(seen, [false]);
  const c = run(sleeper, '30');
  await until('gained', () => seen.length === 2);
  await killed(c);
  await until('lost', () => seen.length === 3);
  assert.deepEqual(seen, [false, true, false]);
  t.stop();
});

test('full_command with parameters matches only the exact command line', async () => {
  const seen: Array<[string, boolean]> = [];
  const t = new ProcessTracker(
    [
      tp({ name: 'exact', process: sleeper, param: ['30'], param_match: 'exact', full_command: true }),
      tp({ name: 'initial', process: sleeper, param: ['3'], param_match: 'initial', full_command: true }),
    ],
    { clock: systemClock, log: memoryLogger(), onChange: (n, up) => seen.push([n, up]) },
  );
  trackers.push(t);
  const c = run(sleeper, '31');
  await execd(c);
  t.start();
  assert.deepEqual(seen, [['exact', false], ['initial', true]]);
  await killed(c);
  t.stop();
});

test('a scan reads little: only comm when no tracker needs the command line', () => {
  const entries = scanProc({ comm: true, cmdlineBytes: 0 });
  assert.ok(entries.some((e) => e.pid === process.pid && e.comm !== undefined));
  assert.ok(entries.every((e) => e.cmdline === undefined));
  const withCmd = scanProc({ comm: false, cmdlineBytes: 8 });
  const self = withCmd.find((e) => e.pid === process.pid)!;
  assert.equal(self.comm, undefined);
  assert.ok(self.cmdline!.length <= 8);
});
