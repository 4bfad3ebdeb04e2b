/**
 * Every scheduler against IPVS's behaviour: sequences for the round robins, choices for the
 * least-connection family, locality with an injected clock, hashing stability and fallback,
 * Maglev's weighted table and its disruption when a server leaves or returns, and properties over
 * random server sets: never an unavailable server, same inputs same answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createScheduler, SCHEDULER_NAMES, type Dest, type Flow } from '../../src/lb/scheduler.js';
import { maglevTable } from '../../src/lb/schedulers/maglev.js';

const dest = (key: string, weight = 1, activeConns = 0, inactiveConns = 0, overloaded = false): Dest => ({ key, weight, activeConns, inactiveConns, overloaded });
const flow = (saddr: string, sport = 1000, daddr = '10.0.0.1', dport = 80): Flow => ({ saddr, sport, daddr, dport });
const picks = (name: Parameters<typeof createScheduler>[0], dests: Dest[], n: number, f: (i: number) => Flow = () => flow('10.1.0.1')) => {
  const s = createScheduler(name);
  s.update(dests);
  return Array.from({ length: n }, (_, i) => s.schedule(f(i), 0)?.key ?? '-').join('');
};

test('every lb_algo Keepalived accepts has a scheduler', () => {
  assert.deepEqual([...SCHEDULER_NAMES].sort(), ['dh', 'fo', 'lblc', 'lblcr', 'lc', 'mh', 'nq', 'ovf', 'rr', 'sed', 'sh', 'twos', 'wlc', 'wrr']);
});

test('rr: in turn, skipping weight 0 and overloaded servers', () => {
  assert.equal(picks('rr', [dest('A'), dest('B'), dest('C')], 6), 'ABCABC');
  assert.equal(picks('rr', [dest('A'), dest('B', 0), dest('C', 1, 0, 0, true), dest('D')], 4), 'ADAD');
  assert.equal(picks('rr', [dest('A', 0)], 1), '-');
});

test('wrr: IPVS interleaving, weights 4 3 2 give A A B A B C A B C', () => {
  assert.equal(picks('wrr', [dest('A', 4), dest('B', 3), dest('C', 2)], 18), 'AABABCABC'.repeat(2));
  assert.equal(picks('wrr', [dest('A', 2), dest('B', 4)], 6), 'BABBAB', 'gcd 2: passes at 4 then 2');
  const counts = [...picks('wrr', [dest('A', 5), dest('B', 1), dest('C', 0)], 600)].reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
  assert.deepEqual(counts, { A: 500, B: 100 });
});

test('lc counts overhead (active x 256 + inactive) and ignores weight; wlc divides by weight', () => {
  const ds = [dest('A', 1, 2, 0), dest('B', 10, 3, 0), dest('C', 1, 2, 100)];
  assert.equal(picks('lc', ds, 1), 'A');
  assert.equal(picks('wlc', ds, 1), 'B', '3 x 256 / 10 beats 2 x 256 / 1');
  assert.equal(picks('wlc', [dest('A', 1, 1), dest('B', 1, 1)], 1), 'A', 'ties go to the first');
  assert.equal(picks('wlc', [dest('A', 0), dest('B', 1, 50)], 1), 'B', 'weight 0 is never chosen');
});

test('sed and nq: (active + 1) / weight, and nq takes an idle server first', () => {
  const ds = [dest('A', 1, 0), dest('B', 10, 1)];
  assert.equal(picks('sed', ds, 1), 'B', '(1 + 1) / 10 < (0 + 1) / 1');
  assert.equal(picks('nq', ds, 1), 'A', 'A has no queue');
  assert.equal(picks('nq', [dest('A', 1, 1), dest('B', 10, 1)], 1), 'B');
});

test('fo sends to the highest weight; ovf overflows once active connections reach the weight', () => {
  assert.equal(picks('fo', [dest('A', 2), dest('B', 5), dest('C', 5, 0, 0, true)], 1), 'B');
  assert.equal(picks('ovf', [dest('A', 2), dest('B', 5, 5)], 1), 'A');
  assert.equal(picks('ovf', [dest('A', 2, 2), dest('B', 5, 5)], 1), '-');
});

test('twos: weighted random pair, the less loaded wins (seeded)', () => {
  const draws = [0.1, 0.9];
  let i = 0;
  const s = createScheduler('twos', { random: () => draws[i++ % 2]! });
  s.update([dest('A', 1, 10), dest('B', 1, 0)]);
  assert.equal(s.schedule(flow('x'), 0)?.key, 'B');
  const t = createScheduler('twos', { random: () => 0.99 });
  t.update([dest('A', 1), dest('B', 0), dest('C', 3)]);
  assert.equal(t.schedule(flow('x'), 0)?.key, 'C', 'weight 0 never drawn');
});

test('lblc: a destination address keeps its server until it is overloaded or the entry expires', () => {
  const a = dest('A', 10);
  const b = dest('B', 10);
  const s = createScheduler('lblc', { expireMs: 1000 });
  s.update([a, b]);
  const f = flow('1.1.1.1', 1, '192.0.2.7');
  assert.equal(s.schedule(f, 0)?.key, 'A');
  a.activeConns = 3; // A is busier now, but the locality holds
  assert.equal(s.schedule(f, 10)?.key, 'A');
  a.activeConns = 11; // above its weight while B is below half its own: overloaded
  assert.equal(s.schedule(f, 20)?.key, 'B');
  a.activeConns = 0;
  assert.equal(s.schedule(f, 30)?.key, 'B', 'the new choice is remembered');
  assert.equal(s.schedule(f, 2000)?.key, 'A', 'expired: chosen afresh by wlc');
});

test('lblcr: an overloaded set grows by the least loaded server', () => {
  const a = dest('A', 10);
  const b = dest('B', 10);
  const s = createScheduler('lblcr');
  s.update([a, b]);
  const f = flow('1.1.1.1', 1, '192.0.2.7');
  assert.equal(s.schedule(f, 0)?.key, 'A');
  a.activeConns = 11;
  assert.equal(s.schedule(f, 1)?.key, 'B');
  a.activeConns = 0;
  b.activeConns = 4;
  assert.equal(s.schedule(f, 2)?.key, 'A', 'the set now holds both; the least loaded member wins');
});

test('sh: a source sticks to one server; weights shape the share; sh-fallback moves on from an unavailable one', () => {
  const ds = [dest('A', 1), dest('B', 3)];
  const s = createScheduler('sh');
  s.update(ds);
  const clients = Array.from({ length: 2000 }, (_, i) => flow(`10.9.${i >> 8}.${i & 255}`));
  const first = clients.map((c) => s.schedule(c, 0)!.key);
  assert.deepEqual(clients.map((c) => s.schedule(c, 0)!.key), first, 'stable');
  const share = first.filter((k) => k === 'B').length / first.length;
  assert.ok(share > 0.65 && share < 0.85, `B has weight 3 of 4: share ${share}`);
  ds[1]!.weight = 0;
  s.update(ds);
  assert.ok(clients.some((c) => s.schedule(c, 0) === undefined), 'without fallback, B\'s clients get nothing');
  const fb = createScheduler('sh', { flags: { 'sh-fallback': true } });
  fb.update(ds);
  assert.ok(clients.every((c) => fb.schedule(c, 0)?.key === 'A'));
});

test('dh: by destination address, one bucket each in turn', () => {
  const s = createScheduler('dh');
  s.update([dest('A'), dest('B')]);
  const a = s.schedule(flow('1.1.1.1', 1, '192.0.2.1'), 0);
  assert.equal(s.schedule(flow('2.2.2.2', 2, '192.0.2.1'), 0), a, 'any source, same destination, same server');
});

test('Maglev table: slots in proportion to weight, every slot filled', () => {
  const t = maglevTable([dest('A', 1), dest('B', 2), dest('C', 0), dest('D', 1)], 65521);
  const counts = [0, 0, 0, 0];
  for (const i of t) counts[i]!++;
  assert.equal(counts[2], 0, 'weight 0 holds no slot');
  assert.equal(counts[0]! + counts[1]! + counts[3]!, 65521);
  assert.ok(Math.abs(counts[1]! / 65521 - 0.5) < 0.01, `B has half: ${counts[1]}`);
  assert.ok(Math.abs(counts[0]! / 65521 - 0.25) < 0.01, `A a quarter: ${counts[0]}`);
  assert.deepEqual([...maglevTable([dest('A', 0)], 7)], [-1, -1, -1, -1, -1, -1, -1]);
});

test('Maglev disruption: a server leaving among N moves about 1/N of flows, and few of the others', () => {
  const N = 10;
  const servers = Array.from({ length: N }, (_, i) => dest(`10.0.1.${i + 1}:80`, 1));
  const s = createScheduler('mh');
  s.update(servers);
  const flows = Array.from({ length: 20000 }, (_, i) => flow(`172.16.${i >> 8}.${i & 255}`, 1024 + (i % 50000)));
  const before = flows.map((f) => s.schedule(f, 0)!.key);
  const gone = servers[3]!.key;
  s.update(servers.filter((d) => d.key !== gone));
  const after = flows.map((f) => s.schedule(f, 0)!.key);
  const moved = before.filter((k, i) => k !== after[i]).length / flows.length;
  const movedOthers = before.filter((k, i) => k !== gone && k !== after[i]).length / flows.length;
  // The leaving server held ~1/N of flows: those must move. Maglev's table keeps other servers'
  // slots except where the refill reshuffles preferences; the paper measures a few percent.
  assert.ok(moved > 0.07 && moved < 0.16, `moved ${moved}`);
  assert.ok(movedOthers < 0.05, `flows of staying servers moved: ${movedOthers}`);
  s.update(servers);
  const back = flows.map((f) => s.schedule(f, 0)!.key);
  const changedBack = back.filter((k, i) => k !== before[i]).length;
  assert.equal(changedBack, 0, 'the same set gives the same table');
});

const dests = fc.array(fc.record({ weight: fc.integer({ min: 0, max: 5 }), active: fc.integer({ min: 0, max: 20 }), inactive: fc.integer({ min: 0, max: 20 }), over: fc.boolean() }), { minLength: 1, maxLength: 8 });

test('property: no scheduler ever returns an unavailable server; same inputs give the same answer', () => {
  fc.assert(
    fc.property(dests, fc.constantFrom(...SCHEDULER_NAMES), fc.array(fc.integer({ min: 0, max: 1 << 20 }), { minLength: 1, maxLength: 20 }), (spec, name, clients) => {
      const mk = () => spec.map((x, i) => dest(`10.0.0.${i + 1}:80`, x.weight, x.active, x.inactive, x.over));
      const run = () => {
        const ds = mk();
        let seed = 1;
        const s = createScheduler(name, { mhTableSize: 251, random: () => ((seed = (seed * 48271) % 2147483647) / 2147483647) });
        s.update(ds);
        return clients.map((c, t) => {
          const d = s.schedule(flow(`10.${c >> 16}.${(c >> 8) & 255}.${c & 255}`, c & 0xffff, `192.0.2.${c & 7}`), t);
          if (d) {
            if (d.weight <= 0 || d.overloaded) throw new Error(`${name} chose ${d.key} (weight ${d.weight}, overloaded ${d.overloaded})`);
            if (!ds.includes(d)) throw new Error(`${name} returned a server not in the set`);
          }
          return d?.key;
        });
      };
      assert.deepEqual(run(), run());
    }),
    { numRuns: 300 },
  );
});
