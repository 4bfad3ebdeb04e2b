/**
 * The DR drain window as a pure step (lb/dataplane/dr-drain.ts): which table older connections
 * follow after one change, several changes, and when the window has passed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drainStep, isDraining } from '../../src/lb/dataplane/dr-drain.js';

const A = ['a', 'b', 'a', 'b'];
const B = ['a', 'a', 'a', 'a'];
const C = ['c', 'a', 'c', 'a'];

test('the first table is held as it is, without a drain', () => {
  const s = drainStep(undefined, A, 0, 1000);
  assert.deepEqual(s, { fresh: A, held: A });
  assert.equal(isDraining(s), false);
  assert.strictEqual(drainStep(s, [...A], 500, 1000), s, 'the same table again changes nothing');
});

test('a change holds the table before it until the window after the last change passes', () => {
  const s0 = drainStep(undefined, A, 0, 1000);
  const s1 = drainStep(s0, B, 100, 1000);
  assert.deepEqual(s1, { fresh: B, held: A, until: 1100 });
  // A second change inside the window: older connections still started on A.
  const s2 = drainStep(s1, C, 600, 1000);
  assert.deepEqual(s2, { fresh: C, held: A, until: 1600 });
  assert.strictEqual(drainStep(s2, C, 1599, 1000), s2);
  const s3 = drainStep(s2, C, 1600, 1000);
  assert.deepEqual(s3, { fresh: C, held: C });
  // After the window, a change holds the table of that moment.
  assert.deepEqual(drainStep(s2, A, 2000, 1000), { fresh: A, held: C, until: 3000 });
});

test('a window of 0 never drains', () => {
  const s0 = drainStep(undefined, A, 0, 0);
  assert.deepEqual(drainStep(s0, B, 10, 0), { fresh: B, held: B });
});
