/**
 * Failover on a simulated segment, each test tied to the RFC 5798 / RFC 3768 sentence (or the
 * Keepalived behaviour) it checks. Times are exact: the simulator's clock is virtual.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simInstance } from '../../src/sim/build.js';
import { Segment } from '../../src/sim/segment.js';
import { initialRouterState, routerWakeup, stepAll } from '../../src/vrrp/router.js';
import { US_PER_SECOND as S } from '../../src/vrrp/types.js';

const DELAY = 100; // µs, one-way
/** Skew_Time for v2 (RFC 3768 6.1): (256 - Priority) / 256 seconds, in µs. */
const skew2 = (prio: number) => Math.floor(((256 - prio) * S) / 256);

function pair(a: Parameters<typeof simInstance>[0], b: Parameters<typeof simInstance>[0]) {
  const seg = new Segment({ delayUs: DELAY });
  seg.addNode({ name: 'A', instances: [simInstance(a)] });
  seg.addNode({ name: 'B', instances: [simInstance(b)] });
  return seg;
}

test('RFC 5798 6.4.1: both start in BACKUP; the higher priority becomes the only master after Master_Down_Interval', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  assert.equal(seg.stateOf('A', 'VI_1'), 'BACKUP');
  assert.equal(seg.stateOf('B', 'VI_1'), 'BACKUP');
  seg.run(3 * S + skew2(150) - 1);
  assert.deepEqual(seg.masters(51), []);
  seg.run(1);
  assert.deepEqual(seg.masters(51), ['A'], 'A (150) times out first: 3 s + skew(150)');
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  assert.deepEqual(seg.holders(51), ['A']);
  assert.equal(seg.stateOf('B', 'VI_1'), 'BACKUP');
});

test('RFC 5798 6.4.2: a crashed master is replaced exactly Master_Down_Interval after its last advert arrived', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(20 * S + 300_000);
  const lastAdvertSent = seg.timeline.filter((e) => e.node === 'A' && e.action.kind === 'send_advert').at(-1)!.at;
  seg.crash('A');
  seg.run(10 * S);
  const takeover = seg.lastTransition('B', 'VI_1', 'MASTER');
  assert.equal(takeover, lastAdvertSent + DELAY + 3 * S + skew2(100));
  assert.deepEqual(seg.holders(51), ['B']);
});

test('RFC 5798 6.4.3 / 6.4.2: a master that shuts down sends priority 0 and the backup takes over after Skew_Time', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(10 * S);
  const t0 = seg.now;
  seg.shutdown('A');
  seg.run(5 * S);
  assert.equal(seg.lastTransition('B', 'VI_1', 'MASTER'), t0 + DELAY + skew2(100));
  assert.ok(seg.routerState('B').instances.get('VI_1')!.stats.pri_zero_rcvd >= 1);
});

test('RFC 5798 6.4.3: equal priorities are broken by the higher primary address', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 100 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(20 * S);
  assert.deepEqual(seg.masters(51), ['B']);
});

test('RFC 5798 6.4.2 (Preempt_Mode): a restarted higher-priority router takes the master role back', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(10 * S);
  seg.crash('A');
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['B']);
  seg.restart('A');
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  assert.deepEqual(seg.holders(51), ['A']);
});

test('nopreempt (seed 001): a restarted higher-priority router stays BACKUP', () => {
  const seg = pair(
    { primaryAddress: '10.0.0.1', basePriority: 100, nopreempt: true },
    { primaryAddress: '10.0.0.2', basePriority: 90, nopreempt: true },
  );
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  seg.crash('A');
  seg.run(10 * S);
  seg.restart('A');
  seg.run(60 * S);
  assert.deepEqual(seg.masters(51), ['B']);
  assert.equal(seg.stateOf('A', 'VI_1'), 'BACKUP');
});

test('preempt_delay: the higher-priority router waits preempt_delay before preempting', () => {
  const seg = pair(
    { primaryAddress: '10.0.0.1', basePriority: 150, preemptDelayUs: 30 * S },
    { primaryAddress: '10.0.0.2', basePriority: 100 },
  );
  seg.run(10 * S);
  seg.crash('A');
  seg.run(10 * S);
  const restartAt = seg.now;
  seg.restart('A');
  seg.run(25 * S);
  assert.deepEqual(seg.masters(51), ['B'], 'still within preempt_delay');
  seg.run(20 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  const took = seg.lastTransition('A', 'VI_1', 'MASTER')! - restartAt;
  assert.ok(took >= 30 * S, `preempted after ${took} µs`);
});

test('priority 255 (address owner) becomes master at once, without waiting for Master_Down_Interval', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 255 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(1000);
  assert.deepEqual(seg.masters(51), ['A']);
});

test('`state MASTER` alone waits Master_Down_Interval, as Keepalived 2.2.7 does (vrrp_init_state)', () => {
  const seg = new Segment({ delayUs: DELAY });
  seg.addNode({ name: 'A', instances: [simInstance({ primaryAddress: '10.0.0.1', basePriority: 100, initialMaster: true })] });
  seg.run(5 * S);
  // 3 x advert_int + Skew_Time ((256 - 100) / 256 s).
  assert.equal(seg.lastTransition('A', 'VI_1', 'MASTER'), 3 * S + Math.floor((156 * S) / 256));
});

const params = (name: string, vrid: number) => simInstance({ name, vrid, primaryAddress: '10.0.0.1', initialMaster: true });

test('`state MASTER` in a sync group waits only one advert interval plus the minimal skew', () => {
  const p = { instances: [params('G1', 1), params('G2', 2)], groups: [{ name: 'G', members: ['G1', 'G2'] }] };
  let st = stepAll(p, initialRouterState(p), 'start', 0).state;
  assert.equal(st.instances.get('G1')!.state, 'BACKUP');
  assert.equal(routerWakeup(st), S + Math.floor(S / 256));
  st = stepAll(p, st, 'timer', S + Math.floor(S / 256)).state;
  assert.deepEqual([st.instances.get('G1')!.state, st.instances.get('G2')!.state], ['MASTER', 'MASTER']);
});

test('RFC 3768 7.1: a v2 advert with another interval is discarded and counted', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150, advertIntervalUs: 2 * S }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(20 * S);
  assert.deepEqual(seg.masters(51).sort(), ['A', 'B'], 'they cannot hear each other: both master');
  assert.ok(seg.refusedCount('B', 'interval') > 0);
});

test('RFC 3768 (PASS): a wrong password is refused as auth_failure', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150, authPass: 'secret1' }, { primaryAddress: '10.0.0.2', basePriority: 100, authPass: 'secret2' });
  seg.run(20 * S);
  assert.ok(seg.refusedCount('B', 'auth_failure') > 0);
  assert.deepEqual(seg.masters(51).sort(), ['A', 'B']);
});

test('RFC 5798 6.4.2: a v3 backup learns the master\'s advert interval for its Master_Down_Interval', () => {
  const seg = pair(
    { primaryAddress: '10.0.0.1', basePriority: 150, version: 3, advertIntervalUs: 100_000 },
    { primaryAddress: '10.0.0.2', basePriority: 100, version: 3, advertIntervalUs: S },
  );
  seg.run(10 * S);
  assert.equal(seg.routerState('B').instances.get('VI_1')!.masterAdverIntervalUs, 100_000);
  const last = seg.timeline.filter((e) => e.node === 'A' && e.action.kind === 'send_advert').at(-1)!.at;
  seg.crash('A');
  seg.run(5 * S);
  // v3 Skew_Time = ((256 - 100) * 100 ms) / 256.
  assert.equal(seg.lastTransition('B', 'VI_1', 'MASTER'), last + DELAY + 3 * 100_000 + Math.floor((156 * 100_000) / 256));
});

test('after a partition heals, the dual master ends within one advert interval of the first advert crossing', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(10 * S);
  seg.partition(['A'], ['B']);
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51).sort(), ['A', 'B']);
  const healedAt = seg.now;
  seg.heal();
  seg.run(5 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  const firstCrossing = seg.timeline.find((e) => e.at >= healedAt && e.action.kind === 'send_advert')!.at + DELAY;
  const resolved = seg.lastTransition('B', 'VI_1', 'BACKUP')!;
  assert.ok(resolved - firstCrossing <= S, `resolved ${resolved - firstCrossing} µs after the first advert crossed`);
});

test('tracking weight (seed 002): a master whose priority falls below the backup\'s loses the role', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 200 }, { primaryAddress: '10.0.0.2', basePriority: 199 });
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['A']);
  // chk_nginx with weight 2 succeeding on B (199 + 2 = 201) while it fails on A (200 + 0).
  seg.tracking('B', 'VI_1', 2, false);
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['B']);
  assert.deepEqual(seg.holders(51), ['B']);
});

test('a tracked object in fault: the master enters FAULT, sends priority 0, the backup takes over after Skew_Time', () => {
  const seg = pair({ primaryAddress: '10.0.0.1', basePriority: 150 }, { primaryAddress: '10.0.0.2', basePriority: 100 });
  seg.run(10 * S);
  const t0 = seg.now;
  seg.tracking('A', 'VI_1', 0, true);
  assert.equal(seg.stateOf('A', 'VI_1'), 'FAULT');
  seg.run(5 * S);
  assert.equal(seg.lastTransition('B', 'VI_1', 'MASTER'), t0 + DELAY + skew2(100));
  seg.tracking('A', 'VI_1', 0, false);
  seg.run(10 * S);
  assert.deepEqual(seg.masters(51), ['A'], 'recovered A preempts again');
});

test('sync group (seed 001): one member\'s interface fault moves the whole group to the other router', () => {
  const seg = new Segment({ delayUs: DELAY });
  const group = [{ name: 'VG1', members: ['VI_1', 'VI_2'] }];
  const node = (name: string, addr1: string, addr2: string, prio: number) =>
    seg.addNode({
      name,
      groups: group,
      instances: [
        simInstance({ name: 'VI_1', vrid: 51, primaryAddress: addr1, basePriority: prio, addresses: ['10.0.1.111'] }),
        simInstance({ name: 'VI_2', vrid: 52, primaryAddress: addr2, basePriority: prio, addresses: ['10.0.2.112'] }),
      ],
    });
  node('A', '10.0.1.1', '10.0.2.1', 100);
  node('B', '10.0.1.2', '10.0.2.2', 90);
  seg.run(15 * S);
  assert.deepEqual([seg.masters(51), seg.masters(52)], [['A'], ['A']]);
  seg.tracking('A', 'VI_2', 0, true); // eno33554984 down on A
  seg.run(10 * S);
  assert.equal(seg.stateOf('A', 'VI_1'), 'FAULT', 'VI_1 follows VI_2 into FAULT');
  assert.deepEqual([seg.holders(51), seg.holders(52)], [['B'], ['B']]);
  const groupMoves = seg.timeline.filter((e) => e.node === 'A' && e.action.kind === 'group_transition').map((e) => e.action.kind === 'group_transition' && e.action.to);
  assert.ok(groupMoves.includes('FAULT'));
});
