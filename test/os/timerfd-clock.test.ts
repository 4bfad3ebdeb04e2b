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

test('a callback that throws is reported and the clock goes on: later timers still fire', { timeout: 10_000 }, async () => {
  const errors: unknown[] = [];
  const clock = timerfdClock({ onError: (e) => errors.push(e) });
  // Before the fix the exception escaped the clock; keep it from failing the run for the wrong reason.
  const stray: unknown[] = [];
  const onStray = (e: unknown) => stray.push(e);
  process.on('uncaughtException', onStray);
  try {
    const base = clock.now();
    const fired: string[] = [];
    clock.at(base + 2_000, () => {
      throw new Error('boom');
    });
    const later = new Promise<boolean>((resolve) => {
      clock.at(base + 2_000, () => fired.push('same turn'));
      clock.at(base + 30_000, () => {
        fired.push('later');
        resolve(true);
      });
      // A safety net, not a speed bound: the clock stopped if 3 s go by.
      setTimeout(() => resolve(false), 3000).unref();
    });
    assert.equal(await later, true, `the clock stopped after the exception (stray: ${String(stray[0])})`);
    assert.deepEqual(fired, ['same turn', 'later']);
    assert.equal((errors[0] as Error).message, 'boom');
    assert.deepEqual(stray, []);
  } finally {
    process.off('uncaughtException', onStray);
    clock.close();
  }
});

test('untilNextUs: how far off the earliest pending timer is; none pending, undefined', () => {
  const clock = timerfdClock();
  try {
    assert.equal(clock.untilNextUs(), undefined);
    const far = clock.at(clock.now() + 5_000_000, () => undefined);
    const near = clock.at(clock.now() + 1_000_000, () => undefined);
    const left = clock.untilNextUs()!;
    assert.ok(left > 900_000 && left <= 1_000_000, String(left));
    clock.cancel(near);
    assert.ok(clock.untilNextUs()! > 4_000_000);
    clock.cancel(far);
    assert.equal(clock.untilNextUs(), undefined);
    clock.at(clock.now() - 10, () => undefined);
    assert.equal(clock.untilNextUs(), 0, 'a timer already due');
  } finally {
    clock.close();
  }
});

test('once the last timer has fired the clock sleeps: an expired timerfd left unread would wake the loop again at once', async () => {
  const clock = timerfdClock({ spinUs: 0 });
  try {
    await new Promise<void>((resolve) => clock.at(clock.now() + 2_000, resolve));
    // Nothing pending now: no re-arm, so the clock must have read the expiration count itself.
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 300));
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    // Busy, the poll callback runs without pause: ~300 ms of CPU in 300 ms. Asleep, next to none.
    assert.ok(ms < 150, `${ms.toFixed(0)} ms of CPU in 300 ms with no timer pending`);
  } finally {
    clock.close();
  }
});

// Behaviour around the re-arm, not the read itself: a due timer is run from run()'s own check
// (a setImmediate turn), so this passes whether or not the fd is read after a re-arm. Reading
// when the count was reset only loses a timer that expires between timerfd_settime() and that
// read, which no test here can time.
test('a timer due at once, added from a callback after a far one re-armed the clock, still fires', async () => {
  const clock = timerfdClock({ spinUs: 0 });
  try {
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      clock.at(clock.now() + 1_000, () => {
        order.push(1);
        // Re-armed for the far one, then one already due is added: it must still run.
        clock.at(clock.now() + 60_000_000, () => order.push(9));
        clock.at(clock.now(), () => {
          order.push(2);
          resolve();
        });
      });
    });
    assert.deepEqual(order, [1, 2]);
  } finally {
    clock.close();
  }
});
