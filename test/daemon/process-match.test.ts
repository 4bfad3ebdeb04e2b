/**
 * vrrp_track_process, the pure part: which processes match (Keepalived read_procs/check_params),
 * quorum and the fork/terminate delays, the tracker over a fake /proc and a manual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrackProcess } from '../../src/config/sections/vrrp-track.js';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { initialQuorum, processMatches, ProcessTracker, quorumCount, quorumTimer, type ProcEntry } from '../../src/daemon/track/process-tracker.js';

const S = 1_000_000;
const tp = (o: Partial<TrackProcess>): TrackProcess => ({
  name: 'p', pos: { file: 'k', line: 1 }, process: 'nginx', param_match: 'none', weight: 0, reverse: false,
  quorum: 1, fork_delay: 0, terminate_delay: 0, full_command: false, ...o,
});
const cmd = (...argv: string[]) => Buffer.from(argv.map((a) => a + '\0').join(''));

test('by default the comm name must match exactly', () => {
  assert.equal(processMatches(tp({}), { pid: 1, comm: 'nginx' }), true);
  assert.equal(processMatches(tp({}), { pid: 1, comm: 'nginx2' }), false);
});

test('full_command compares argv[0] from cmdline', () => {
  const t = tp({ process: '/usr/sbin/nginx', full_command: true });
  assert.equal(processMatches(t, { pid: 1, cmdline: cmd('/usr/sbin/nginx', '-g', 'daemon off;') }), true);
  assert.equal(processMatches(t, { pid: 1, cmdline: cmd('nginx') }), false);
});

test('param_match exact, partial and initial', () => {
  const exact = tp({ process: 'sleep', param: ['30'], param_match: 'exact', full_command: true });
  assert.equal(processMatches(exact, { pid: 1, cmdline: cmd('sleep', '30') }), true);
  assert.equal(processMatches(exact, { pid: 1, cmdline: cmd('sleep', '30', 'x') }), false);
  assert.equal(processMatches(exact, { pid: 1, cmdline: cmd('sleep', '300') }), false);
  const noArgs = tp({ process: 'sleep', param_match: 'exact', full_command: true });
  assert.equal(processMatches(noArgs, { pid: 1, cmdline: cmd('sleep') }), true);
  assert.equal(processMatches(noArgs, { pid: 1, cmdline: cmd('sleep', '1') }), false);
  const partial = tp({ process: 'sleep', param: ['30'], param_match: 'partial', full_command: true });
  assert.equal(processMatches(partial, { pid: 1, cmdline: cmd('sleep', '30', 'x') }), true);
  assert.equal(processMatches(partial, { pid: 1, cmdline: cmd('sleep', '300') }), false);
  const initial = tp({ process: 'sleep', param: ['3'], param_match: 'initial', full_command: true });
  assert.equal(processMatches(initial, { pid: 1, cmdline: cmd('sleep', '300') }), true);
  assert.equal(processMatches(initial, { pid: 1, cmdline: cmd('sleep', '4') }), false);
});

test('quorum and quorum_max bound the count; quorum_max 0 means "must not run"', () => {
  const t = tp({ quorum: 2, quorum_max: 3 });
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => initialQuorum(t, n).have), [false, false, true, true, false]);
  const none = tp({ quorum: 0, quorum_max: 0 });
  assert.deepEqual([0, 1].map((n) => initialQuorum(none, n).have), [true, false]);
});

test('terminate_delay holds a loss back; coming back in time cancels it', () => {
  const t = tp({ terminate_delay: 2 });
  let s = initialQuorum(t, 1);
  let step = quorumCount(t, s, 0, 10 * S);
  assert.equal(step.report, undefined);
  assert.deepEqual(step.state.pending, { up: false, at: 12 * S });
  s = quorumCount(t, step.state, 1, 11 * S).state;
  assert.equal(s.pending, undefined);
  assert.equal(quorumTimer(t, s, 12 * S).report, undefined);
  step = quorumCount(t, s, 0, 20 * S);
  assert.equal(quorumTimer(t, step.state, 21 * S).report, undefined, 'not yet');
  assert.equal(quorumTimer(t, step.state, 22 * S).report, false);
});

test('the tracker: scans on its interval, reports the start state, then gains and losses', () => {
  const clock = new ManualClock();
  const log = memoryLogger();
  let procs: ProcEntry[] = [];
  const seen: Array<[string, boolean]> = [];
  const tracker = new ProcessTracker([tp({ name: 'web', fork_delay: 3 })], { clock, log, scan: () => procs, onChange: (n, up) => seen.push([n, up]) });
  tracker.start();
  assert.deepEqual(seen, [['web', false]]);
  procs = [{ pid: 10, comm: 'nginx' }];
  clock.advance(1 * S);
  assert.deepEqual(seen.length, 1, 'fork_delay not over yet');
  clock.advance(3 * S);
  assert.deepEqual(seen, [['web', false], ['web', true]]);
  assert.ok(log.lines.includes('Quorum gained for tracked process web'));
  procs = [];
  tracker.rescan();
  assert.deepEqual(seen.at(-1), ['web', false], 'a loss without terminate_delay is immediate');
  tracker.stop();
});
