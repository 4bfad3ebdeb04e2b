/**
 * The checker cycle against Keepalived's rules (check_api.c, tcp_epilog() and friends), replayed
 * attempt by attempt, plus a property: a checker that was up goes down no later than the bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { afterAttempt, downBoundUs, firstDelay, initialCycle, type CheckerCycle, type CheckerTimes } from '../../src/check/schedule.js';

const T: CheckerTimes = { delayLoop: 6_000_000, delayBeforeRetry: 3_000_000, warmup: 0, retry: 2, alpha: false };

/** Feeds results in order; returns [delay, decided?] per attempt. */
function replay(t: CheckerTimes, results: boolean[], start: CheckerCycle = initialCycle(t)): string[] {
  let c = start;
  return results.map((ok) => {
    const a = afterAttempt(t, c, ok);
    c = a.cycle;
    return `${a.delay / 1e6}${a.decided ? ` ${a.decided}` : ''}${a.afterRetries ? ` after ${a.afterRetries}` : ''}`;
  });
}

test('a checker starts up; its first success confirms it, later ones are quiet', () => {
  assert.deepEqual(replay(T, [true, true]), ['6 up', '6']);
});

test('at start one failure is enough: the retry counter begins spent', () => {
  assert.deepEqual(replay(T, [false]), ['6 down']);
});

test('once up, a failure is retried `retry` times, delay_before_retry apart, then the checker goes down', () => {
  assert.deepEqual(replay(T, [true, false, false, false]), ['6 up', '3', '3', '6 down after 2']);
});

test('a success during the retries keeps the checker up and resets the count', () => {
  assert.deepEqual(replay(T, [true, false, true, false, false, false]), ['6 up', '3', '6', '3', '3', '6 down after 2']);
});

test('a down checker is not retried, and one success brings it back', () => {
  assert.deepEqual(replay(T, [false, false, false, true]), ['6 down', '6', '6', '6 up']);
});

test('alpha: the checker starts down, its first failure confirms it and its first success raises it', () => {
  const alpha = { ...T, alpha: true };
  assert.equal(initialCycle(alpha).isUp, false);
  assert.deepEqual(replay(alpha, [false, false, true]), ['6 down', '6', '6 up']);
});

test('retry 0: the first failure after being up is final', () => {
  assert.deepEqual(replay({ ...T, retry: 0 }, [true, false]), ['6 up', '6 down']);
});

test('the first attempt waits the bootstrap second plus a random part of warmup', () => {
  const t = { ...T, warmup: 10_000_000 };
  assert.equal(firstDelay(t, 0), 1_000_000);
  assert.equal(firstDelay(t, 0.5), 6_000_000);
  assert.ok(firstDelay(t, 0.999999) < 11_000_000);
});

test('property: from up, continuous failure is decided down within delay_loop + timeout x (retry+1) + delay_before_retry x retry', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 5 }),
      (loop, before, retry, timeout, successes) => {
        const t: CheckerTimes = { delayLoop: loop * 1e6, delayBeforeRetry: before * 1e6, warmup: 0, retry, alpha: false };
        let c = initialCycle(t);
        for (let i = 0; i < successes + 1; i++) c = afterAttempt(t, c, true).cycle;
        // The failure begins just after an attempt started and passed: that attempt's wait, then
        // failing attempts that each take the whole timeout.
        let elapsed = t.delayLoop;
        for (let n = 0; n < 100; n++) {
          elapsed += timeout * 1e6;
          const a = afterAttempt(t, c, false);
          c = a.cycle;
          if (a.decided === 'down') return elapsed <= downBoundUs(t, timeout * 1e6) && n === retry;
          elapsed += a.delay;
        }
        return false;
      },
    ),
  );
});
