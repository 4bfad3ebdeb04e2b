/**
 * The system clock's timers fire at their deadline, not up to a millisecond late (libuv's
 * resolution), and cancel() stops them. Bounds are generous: this checks behaviour, not speed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../src/base/clock.js';

test('a timer never fires before its deadline, and cancel() stops it', async () => {
  const lateness: number[] = [];
  for (let i = 0; i < 20; i++) {
    const at = systemClock.now() + 3_300 + i * 137;
    await new Promise<void>((resolve) => systemClock.at(at, () => {
      lateness.push(systemClock.now() - at);
      resolve();
    }));
  }
  assert.ok(lateness.every((l) => l >= 0), `fired early: ${lateness}`);
  let fired = false;
  const h = systemClock.at(systemClock.now() + 2_000, () => (fired = true));
  systemClock.cancel(h);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(fired, false);
});
