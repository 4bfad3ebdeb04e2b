/**
 * The system clock's timers fire at their deadline, not up to a millisecond late (libuv's
 * resolution), and cancel() stops them. Bounds are generous: this checks behaviour, not speed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportingLateness, systemClock } from '../../src/base/clock.js';

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

test('reportingLateness: each timer\'s lateness after its callback; cancel still cancels', () => {
  // A clock whose timers fire when told, at whatever time it then says.
  let now = 0;
  const armed = new Map<number, { at: number; fn: () => void }>();
  let seq = 0;
  const base = { now: () => now, at: (at: number, fn: () => void) => (armed.set(++seq, { at, fn }), seq), cancel: (h: unknown) => void armed.delete(h as number) };
  const fire = (h: number, at: number) => {
    now = at;
    const t = armed.get(h)!;
    armed.delete(h);
    t.fn();
  };
  const said: string[] = [];
  const r = reportingLateness(base, (us) => said.push(`late ${us}`));
  const a = r.at(100, () => said.push('a')) as number;
  const c = r.at(150, () => said.push('cancelled')) as number;
  const b = r.at(200, () => said.push('b')) as number;
  r.cancel(c);
  assert.equal(armed.has(c), false);
  fire(a, 130);
  fire(b, 250);
  assert.deepEqual(said, ['a', 'late 30', 'b', 'late 50']);
  assert.equal(r.now(), 250);
});
