/**
 * Properties over random topologies, priorities and fault schedules: whatever happened, once the
 * segment is healthy again there is exactly one master per VRID, it holds the addresses, and with
 * preemption it is the router Keepalived would pick (highest priority, then highest address).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { simInstance } from '../../src/sim/build.js';
import { Segment, mulberry32 } from '../../src/sim/segment.js';
import { US_PER_SECOND as S } from '../../src/vrrp/types.js';

type Op =
  | { op: 'crash' | 'restart' | 'ifdown' | 'ifup' | 'shutdown'; node: number; after: number }
  | { op: 'partition'; cut: number; after: number }
  | { op: 'heal'; after: number };

const opArb = (nodes: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('crash', 'restart', 'ifdown', 'ifup', 'shutdown') as fc.Arbitrary<'crash'>, node: fc.nat(nodes - 1), after: fc.integer({ min: 0, max: 5 * S }) }),
    fc.record({ op: fc.constant('partition' as const), cut: fc.integer({ min: 1, max: nodes - 1 }), after: fc.integer({ min: 0, max: 5 * S }) }),
    fc.record({ op: fc.constant('heal' as const), after: fc.integer({ min: 0, max: 5 * S }) }),
  );

const scenario = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc.record({
    priorities: fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: n, maxLength: n }),
    version: fc.constantFrom(2 as const, 3 as const),
    intervalCs: fc.constantFrom(100, 20),
    ops: fc.array(opArb(n), { maxLength: 12 }),
    seed: fc.integer(),
    loss: fc.constantFrom(0, 0.05),
  }),
);

function build(sc: { priorities: number[]; version: 2 | 3; intervalCs: number; seed: number; loss: number }, nopreempt = false) {
  const seg = new Segment({ delayUs: 200, loss: sc.loss, random: mulberry32(sc.seed) });
  const interval = sc.version === 2 ? S : sc.intervalCs * 10_000;
  sc.priorities.forEach((prio, i) => {
    seg.addNode({
      name: `R${i}`,
      instances: [simInstance({ primaryAddress: `10.0.0.${i + 1}`, basePriority: prio, version: sc.version, advertIntervalUs: interval, nopreempt })],
    });
  });
  return { seg, interval };
}

function play(seg: Segment, n: number, ops: Op[]) {
  for (const o of ops) {
    seg.run(o.after);
    if (o.op === 'partition') {
      const names = Array.from({ length: n }, (_, i) => `R${i}`);
      seg.partition(names.slice(0, o.cut), names.slice(o.cut));
    } else if (o.op === 'heal') seg.heal();
    else if (o.op === 'ifdown') seg.setInterface(`R${o.node}`, false);
    else if (o.op === 'ifup') seg.setInterface(`R${o.node}`, true);
    else if (o.op === 'restart') {
      if (seg.stateOf(`R${o.node}`, 'VI_1') === 'STOP') seg.restart(`R${o.node}`);
    } else if (seg.stateOf(`R${o.node}`, 'VI_1') !== 'STOP') {
      if (o.op === 'crash') seg.crash(`R${o.node}`);
      else seg.shutdown(`R${o.node}`);
    }
  }
  // Back to health: every router running, linked and connected.
  seg.heal();
  for (let i = 0; i < n; i++) {
    if (seg.stateOf(`R${i}`, 'VI_1') === 'STOP') seg.restart(`R${i}`);
    seg.setInterface(`R${i}`, true);
  }
}

test('after any fault schedule heals, exactly one master: the highest priority (preempt)', () => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const n = sc.priorities.length;
      const { seg, interval } = build(sc);
      play(seg, n, sc.ops);
      seg.run(40 * interval + 5 * S);
      const best = sc.priorities.indexOf(Math.max(...sc.priorities));
      assert.deepEqual(seg.masters(51), [`R${best}`]);
      assert.deepEqual(seg.holders(51), [`R${best}`]);
    }),
    { numRuns: 150, seed: 42 },
  );
});

test('with nopreempt, after any fault schedule heals, there is still exactly one master', () => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const n = sc.priorities.length;
      const { seg, interval } = build(sc, true);
      play(seg, n, sc.ops);
      seg.run(40 * interval + 5 * S);
      assert.equal(seg.masters(51).length, 1, `masters: ${seg.masters(51)}`);
      assert.deepEqual(seg.holders(51), seg.masters(51));
    }),
    { numRuns: 100, seed: 7 },
  );
});

test('a healthy start: one master within the highest router\'s Master_Down_Interval, never two', () => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const { seg, interval } = build({ ...sc, loss: 0 });
      const best = sc.priorities.indexOf(Math.max(...sc.priorities));
      const top = Math.max(...sc.priorities);
      const skew = sc.version === 2 ? Math.floor(((256 - top) * S) / 256) : Math.floor(((256 - top) * interval) / 256);
      seg.run(3 * interval + skew);
      assert.deepEqual(seg.masters(51), [`R${best}`]);
      for (let k = 0; k < 20; k++) {
        seg.run(interval / 2);
        assert.equal(seg.masters(51).length, 1);
      }
    }),
    { numRuns: 100, seed: 3 },
  );
});
