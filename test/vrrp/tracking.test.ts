/**
 * Tracking weights, row by row of keepalived.conf(5)'s table (track_bfd's weight description,
 * which track_script and track_interface share).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trackingOutcome, type TrackedObject } from '../../src/vrrp/tracking.js';
import { effectivePriority } from '../../src/vrrp/instance.js';
import { simInstance } from '../../src/sim/build.js';

const bin = (weight: number, reverse: boolean, up: boolean): TrackedObject => ({ kind: 'binary', name: 'chk', weight, reverse, up });

test('weight table: +ve / -ve, with and without reverse, object up and down', () => {
  const rows: Array<[number, boolean, boolean, number]> = [
    [20, false, true, 20], [20, false, false, 0],
    [-20, false, true, 0], [-20, false, false, -20],
    [20, true, true, -20], [20, true, false, 0],
    [-20, true, true, 0], [-20, true, false, 20],
  ];
  for (const [w, rev, up, want] of rows) {
    const r = trackingOutcome([bin(w, rev, up)]);
    assert.equal(r.delta, want, `weight ${w} reverse ${rev} up ${up}`);
    assert.equal(r.fault, false);
  }
});

test('weight 0 means FAULT when down; with reverse, FAULT when up', () => {
  assert.deepEqual(trackingOutcome([bin(0, false, false)]).faults, ['chk']);
  assert.equal(trackingOutcome([bin(0, false, true)]).fault, false);
  assert.equal(trackingOutcome([bin(0, true, true)]).fault, true);
  assert.equal(trackingOutcome([bin(0, true, false)]).fault, false);
});

test('track_file: value x weight; weight 0 faults on non-zero; below -253 faults', () => {
  const file = (weight: number, value: number, reverse = false): TrackedObject => ({ kind: 'file', name: 'f', weight, reverse, value });
  assert.equal(trackingOutcome([file(1, 30)]).delta, 30);
  assert.equal(trackingOutcome([file(-2, 10)]).delta, -20);
  assert.equal(trackingOutcome([file(2, 10, true)]).delta, -20);
  assert.equal(trackingOutcome([file(0, 1)]).fault, true);
  assert.equal(trackingOutcome([file(0, 0)]).fault, false);
  assert.equal(trackingOutcome([file(1, -254)]).fault, true);
  assert.equal(trackingOutcome([file(1, -253)]).fault, false);
});

test('weights add up, and the effective priority is clamped to 1..254; the owner keeps 255', () => {
  const r = trackingOutcome([bin(50, false, true), bin(-10, false, false), bin(5, false, false)]);
  assert.equal(r.delta, 40);
  const p = simInstance({ primaryAddress: '10.0.0.1', basePriority: 240 });
  assert.equal(effectivePriority(p, r.delta), 254);
  assert.equal(effectivePriority(p, -300), 1);
  assert.equal(effectivePriority({ ...p, basePriority: 255 }, -100), 255);
});

test('a tracked change of effective priority is an action the daemon can notify (vrrp_track.c send_instance_priority_notifies)', async () => {
  const { initialState, step } = await import('../../src/vrrp/instance.js');
  const inst = simInstance({ primaryAddress: '10.0.0.1' });
  let s = initialState(inst);
  s = step(inst, s, { kind: 'start' }, 0).state;
  const r = step(inst, s, { kind: 'tracking', delta: -10, fault: false, reason: 'script down' }, 1000);
  assert.deepEqual(r.actions.filter((a) => a.kind === 'priority_change'), [{ kind: 'priority_change', from: 100, to: 90, state: r.state.state }]);
  const same = step(inst, r.state, { kind: 'tracking', delta: -10, fault: false, reason: 'again' }, 2000);
  assert.deepEqual(same.actions.filter((a) => a.kind === 'priority_change'), [], 'no change, no action');
});

test('a script without its first result moves no priority; with weight 0 it holds the instance (vrrp_track.c initialise_track_script_state)', () => {
  const unknown = (weight: number, holds?: boolean): TrackedObject => ({ kind: 'binary', name: 'chk', weight, reverse: false, up: undefined, ...(holds === undefined ? {} : { holds }) });
  for (const w of [20, -20]) {
    const r = trackingOutcome([unknown(w)]);
    assert.deepEqual([r.delta, r.fault, r.pending], [0, false, []], `weight ${w}`);
  }
  const held = trackingOutcome([unknown(0)]);
  assert.deepEqual([held.fault, held.faults, held.pending], [true, [], ['chk']]);
  // Brought in by a reload (SCRIPT_INIT_STATE_INIT_RELOAD): unknown, but holds nothing.
  assert.equal(trackingOutcome([unknown(0, false)]).fault, false);
});

test('held by a script that has not returned: FAULT without notification, then BACKUP on success or a notified FAULT on failure', async () => {
  const { initialState, step } = await import('../../src/vrrp/instance.js');
  const inst = simInstance({ primaryAddress: '10.0.0.1' });
  let s = initialState(inst);
  s = step(inst, s, { kind: 'tracking', delta: 0, fault: true, pending: true, reason: 'start-up' }, 0).state;
  const started = step(inst, s, { kind: 'start' }, 0);
  assert.equal(started.state.state, 'FAULT');
  const t = started.actions.find((a) => a.kind === 'transition');
  assert.ok(t && t.kind === 'transition' && t.silent === true, JSON.stringify(started.actions));
  const ok = step(inst, started.state, { kind: 'tracking', delta: 0, fault: false, reason: 'script chk succeeded' }, 1000);
  assert.equal(ok.state.state, 'BACKUP');
  const bad = step(inst, started.state, { kind: 'tracking', delta: 0, fault: true, reason: 'script chk failed' }, 1000);
  assert.equal(bad.state.state, 'FAULT');
  const loud = bad.actions.find((a) => a.kind === 'transition');
  assert.ok(loud && loud.kind === 'transition' && loud.to === 'FAULT' && !loud.silent, JSON.stringify(bad.actions));
  // A real fault at start-up is notified as before.
  let f = step(inst, initialState(inst), { kind: 'tracking', delta: 0, fault: true, reason: 'script chk failed' }, 0).state;
  const real = step(inst, f, { kind: 'start' }, 0).actions.find((a) => a.kind === 'transition');
  assert.ok(real && real.kind === 'transition' && !real.silent);
  f = step(inst, f, { kind: 'start' }, 0).state;
  assert.equal(f.state, 'FAULT');
});
