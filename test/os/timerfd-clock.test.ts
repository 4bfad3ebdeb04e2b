/**
 * The timerfd clock (os/timerfd-clock.ts): timers fire in deadline order, never before their
 * deadline, cancel() stops one, and close() stops all. Bounds are behaviour, not speed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timerfdClock } from '../../src/os/timerfd-clock.js';

test('timers fire in order and never early; cancel() and close() stop them', async () => {
  const clock = timerfdClock();
  try {
    const fired: Array<[number, number]> = [];
    const base = clock.now();
    // Out of order, some beyond the spin window, some within it, one already due.
    const offsets = [7_300, 2_100, 15_000, 400, 0, 11_000, 2_100];
    const done = new Promise<void>((resolve) => {
      for (const [i, off] of offsets.entries()) {
        clock.at(base + off, () => {
          fired.push([i, clock.now() - (base + off)]);
          if (fired.length === offsets.length) resolve();
        });
      }
    });
    let cancelled = false;
    const h = clock.at(base + 5_000, () => (cancelled = true));
    clock.cancel(h);
    await done;
    assert.deepEqual(fired.map(([i]) => i), [4, 3, 1, 6, 0, 5, 2]);
    assert.ok(fired.every(([, late]) => late >= 0), `fired early: ${JSON.stringify(fired)}`);
    assert.equal(cancelled, false);
    let afterClose = false;
    clock.at(clock.now() + 3_000, () => (afterClose = true));
    clock.close();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(afterClose, false);
  } finally {
    clock.close();
  }
});

test('a timer set from inside a callback, after a long idle stretch, still fires', async () => {
  const clock = timerfdClock({ spinUs: 200 });
  try {
    const late = await new Promise<number>((resolve) => {
      clock.at(clock.now() + 30_000, () => {
        const at = clock.now() + 5_000;
        clock.at(at, () => resolve(clock.now() - at));
      });
    });
    assert.ok(late >= 0);
  } finally {
    clock.close();
  }
});
