/**
 * vrrp_script rise/fall counting as Keepalived's vrrp_script_child_thread does it: sequences of
 * run results in, reports (status flips) out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialCounter, isGood, knownUp, stepCounter, type RunOutcome, type ScriptCounter } from '../../src/daemon/track/script-state.js';

const ok: RunOutcome = { kind: 'exit', code: 0 };
const bad: RunOutcome = { kind: 'exit', code: 1 };

/** Runs a string like "++-+" (+ success, - failure, t timeout); returns the reports as "U"/"D" per step, "." for none. */
function play(c: ScriptCounter, seq: string): { trace: string; counter: ScriptCounter; logs: string[] } {
  let trace = '';
  const logs: string[] = [];
  for (const ch of seq) {
    const o: RunOutcome = ch === '+' ? ok : ch === 't' ? { kind: 'timed_out' } : bad;
    const step = stepCounter(c, 'chk', o);
    c = step.counter;
    trace += step.report ? (step.report.up ? 'U' : 'D') : '.';
    if (step.report) logs.push(step.report.log);
  }
  return { trace, counter: c, logs };
}

test('at start-up one result decides, whatever rise and fall are ("one success is enough")', () => {
  const start = initialCounter({ rise: 3, fall: 2, init_fail: false });
  assert.equal(knownUp(start), undefined);
  assert.equal(isGood(start), false);
  assert.equal(play(start, '+').trace, 'U');
  assert.equal(play(start, '-').trace, 'D');
});

test('fall consecutive failures take a GOOD script down; a success in between starts over', () => {
  const start = initialCounter({ rise: 2, fall: 3, init_fail: false });
  assert.equal(play(start, '+---').trace, 'U..D');
  assert.equal(play(start, '+--+--+---').trace, 'U........D');
});

test('rise consecutive successes bring a BAD script up; a failure in between starts over', () => {
  const start = initialCounter({ rise: 3, fall: 1, init_fail: false });
  assert.equal(play(start, '-+++').trace, 'D..U');
  assert.equal(play(start, '-++-+++').trace, 'D.....U');
});

test('rise 1 fall 1 flips on every change and stays quiet on repeats', () => {
  const start = initialCounter({ rise: 1, fall: 1, init_fail: false });
  assert.equal(play(start, '++--+-').trace, 'U.D.UD');
});

test('init_fail: BAD from the start, failures report nothing, rise successes report up', () => {
  const start = initialCounter({ rise: 2, fall: 2, init_fail: true });
  assert.equal(knownUp(start), false);
  assert.equal(play(start, '--++').trace, '...U');
  assert.equal(play(start, '+-++').trace, '...U');
});

test('a timeout is a failure and says timed_out; exit codes are in the log line', () => {
  const start = initialCounter({ rise: 1, fall: 1, init_fail: false });
  assert.deepEqual(play(start, '+t').logs, ['VRRP_Script(chk) succeeded', 'VRRP_Script(chk) timed_out']);
  assert.deepEqual(play(start, '-').logs, ['VRRP_Script(chk) failed (exited with status 1)']);
});

test('the counter never leaves [0, rise + fall - 1] and GOOD means result >= rise', () => {
  let c = initialCounter({ rise: 3, fall: 4, init_fail: false });
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const prevGood = isGood(c);
    const step = stepCounter(c, 'x', seed % 3 === 0 ? bad : ok);
    c = step.counter;
    assert.ok(c.result >= 0 && c.result <= 6);
    if (step.report) assert.equal(step.report.up, isGood(c));
    if (i > 0 && !step.report) assert.equal(isGood(c), prevGood, 'status changes only with a report');
  }
});
