/**
 * garp_master_refresh (Keepalived vrrp.c vrrp_state_become_master()): the refresh timer is armed
 * at the transition to MASTER, so with `garp_master_refresh 10` the refreshes go out 10 s and
 * 20 s after it, whatever garp_master_delay is (the delayed batch at 5 s does not restart it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simInstance } from '../../src/sim/build.js';
import { initialState, nextWakeup, step } from '../../src/vrrp/instance.js';
import { US_PER_SECOND as S, type InstanceParams } from '../../src/vrrp/types.js';

/** The times (since the transition) and sizes of the GARP batches a lone master sends in `untilUs`. */
function garps(p: InstanceParams, untilUs: number): Array<[number, number]> {
  const s0 = step(p, initialState(p), { kind: 'start' }, 0).state;
  const t0 = s0.deadline!;
  let r = step(p, s0, { kind: 'timer' }, t0);
  assert.equal(r.state.state, 'MASTER');
  const out: Array<[number, number]> = [];
  for (let now = t0; ; ) {
    for (const a of r.actions) if (a.kind === 'send_garp') out.push([now - t0, a.count]);
    const at = nextWakeup(r.state);
    if (at === undefined || at - t0 > untilUs) return out;
    now = at;
    r = step(p, r.state, { kind: 'timer' }, now);
  }
}

function params(garp: Partial<InstanceParams['garp']>): InstanceParams {
  const base = simInstance({ primaryAddress: '10.0.0.1', basePriority: 150 });
  return { ...base, garp: { ...base.garp, ...garp } };
}

test('garp_master_refresh 10 (garp_master_delay 5): batches at 0 and 5 s, refreshes at 10 s and 20 s after the transition', () => {
  const p = params({ delayUs: 5 * S, repeat: 5, refreshUs: 10 * S, refreshRepeat: 2 });
  assert.deepEqual(garps(p, 25 * S), [[0, 5], [5 * S, 5], [10 * S, 2], [20 * S, 2]]);
});

test('garp_master_refresh 10 with garp_master_delay 0: no delayed batch, refreshes still at 10 s and 20 s', () => {
  const p = params({ delayUs: 0, repeat: 3, refreshUs: 10 * S, refreshRepeat: 1 });
  assert.deepEqual(garps(p, 25 * S), [[0, 3], [10 * S, 1], [20 * S, 1]]);
});

test('garp_master_refresh 3 (shorter than garp_master_delay 5): refreshes at 3, 6, 9 s beside the delayed batch at 5 s', () => {
  const p = params({ delayUs: 5 * S, repeat: 5, refreshUs: 3 * S, refreshRepeat: 1 });
  assert.deepEqual(garps(p, 10 * S), [[0, 5], [3 * S, 1], [5 * S, 5], [6 * S, 1], [9 * S, 1]]);
});
