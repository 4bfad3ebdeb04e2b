/** InstanceStates: one immutable value per engine step; a change never reaches an earlier state. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simInstance } from '../../src/sim/build.js';
import { initialState } from '../../src/vrrp/instance.js';
import { InstanceStates } from '../../src/vrrp/instance-states.js';

const a = initialState(simInstance({ name: 'A', primaryAddress: '10.0.0.1' }));
const b = initialState(simInstance({ name: 'B', primaryAddress: '10.0.0.2' }));

test('with() and withMutable() make new values; the old one keeps its states, the order stays', () => {
  const s0 = InstanceStates.of([['A', a], ['B', b]]);
  const changed = { ...b, effectivePriority: 7 };
  const s1 = s0.with('B', changed);
  assert.equal(s0.get('B'), b);
  assert.equal(s1.get('B'), changed);
  assert.equal(s1.get('A'), a);
  const m = s1.withMutable();
  m.set('A', b);
  assert.equal(s1.get('A'), a, 'the mutable copy is a copy');
  assert.equal(m.states.get('A'), b);
  assert.deepEqual([...m.states.entries()].map(([n]) => n), ['A', 'B']);
  assert.deepEqual(m.states.values(), [b, changed]);
});

test('unknown and repeated names are refused', () => {
  const s = InstanceStates.of([['A', a]]);
  assert.equal(s.get('Z'), undefined);
  assert.throws(() => s.with('Z', a), RangeError);
  assert.throws(() => s.withMutable().set('Z', a), RangeError);
  assert.throws(() => InstanceStates.of([['A', a], ['A', b]]), RangeError);
});
