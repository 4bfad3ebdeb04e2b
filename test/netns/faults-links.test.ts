/**
 * The bad day, a flapping link: d1 (150) and d2 (100) run two VRRPv3 instances (advert_int
 * 0.2 s) on eth0, and d1 tracks its second interface eth1 in both: VI_F without a weight (eth1
 * down puts the instance in FAULT), VI_W with weight -60 (eth1 down lowers d1 to 90, under d2).
 * eth1 goes down and up 10 times, about a second each way (`ip link set eth1 down|up` in d1).
 *
 * What it proves:
 * - Each down moves both VIPs to d2 (VI_F at once, d1 resigning with priority 0; VI_W when d2's
 *   Master_Down runs out on d1's priority-90 adverts), each up brings them back (preempt: d1's
 *   Master_Down runs out on d2's priority-100 adverts), within 5 s each (Master_Down is 0.72 s).
 * - Never two masters for longer than one advert interval (+ 250 ms for a loaded machine), from
 *   both daemons' transition streams (keepalived-ts status --follow).
 * - Each flap is one transition each way: d1 enters FAULT (VI_F) or BACKUP (VI_W) 10 times, d2
 *   enters MASTER 10 times in each instance.
 * - At the end d1 is MASTER of both with the VIPs, d2 BACKUP without them, and the client reaches
 *   the VIPs on d1.
 *
 * Checked to fail: FAULTS_LINKS_D1_EXTRA=nopreempt (d1 never takes back over) fails the first up;
 * a track_interface that is not followed fails the first down.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';
import { dualMasterWindows, sleep, stateOf, Transitions } from './faults-rig.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'], segments: 2 }, (lab) => (v = lab));

const INTERVAL_MS = 200;
const FLAPS = 10;
const NAMES = ['VI_F', 'VI_W'] as const;
const vridOf = (name: string) => (name === 'VI_F' ? 191 : 192);
const vipOf = (name: string) => `${v.lab.spareAddress(vridOf(name))}/24`;

function conf(host: string, priority: number, track: (name: string) => string): string {
  return globalDefs(`links_${host}`) + NAMES.map((name) => instance({
    name, vrid: vridOf(name), priority, version: 3, advertInt: INTERVAL_MS / 1000, vips: [vipOf(name)], extra: track(name),
  })).join('');
}

/** Waits until `host` alone holds every VIP, failing with both daemons' logs. */
async function allOn(host: string, what: string): Promise<void> {
  await waitFor(async () => {
    for (const name of NAMES) {
      if (!(await v.holds(host, vipOf(name)))) return false;
      if (await v.holds(host === 'd1' ? 'd2' : 'd1', vipOf(name))) return false;
    }
    return true;
  }, 5_000, what).catch((e: Error) => assert.fail(`${e.message}\n${v.output()}`));
}

test('a tracked interface flapping 10 times: each down moves the VIPs to d2, each up brings them back, never two masters past one interval', { skip, timeout: 120_000 }, async (t) => {
  const extra = process.env.FAULTS_LINKS_D1_EXTRA ?? '';
  const d1 = v.start('d1', conf('d1', 150, (name) => `track_interface {\n    eth1${name === 'VI_W' ? ' weight -60' : ''}\n  }\n  ${extra}`));
  for (const name of NAMES) await v.waitHolder('d1', ['d1'], vipOf(name), 10_000);
  const d2 = v.start('d2', conf('d2', 100, () => ''));
  await waitFor(() => NAMES.every((n) => stateOf(d2, n) === 'BACKUP'), 10_000, 'd2 BACKUP');
  await sleep(1_000);
  await allOn('d1', 'd1 alone holds the VIPs before the flaps');
  const [t1, t2] = [await Transitions.follow(d1), await Transitions.follow(d2)];
  try {
    const start = Date.now();
    const moves: string[] = [];
    const cuts: Array<[number, number]> = [];
    for (let i = 0; i < FLAPS; i++) {
      const down = Date.now();
      await v.lab.exec('d1', 'ip', 'link', 'set', 'eth1', 'down');
      cuts.push([down, 0]);
      await allOn('d2', `flap ${i + 1}: d2 alone holds the VIPs after eth1 went down`);
      const up = Date.now();
      moves.push(`${up - down}`);
      await sleep(Math.max(0, 1_000 - (up - down)));
      const upAt = Date.now();
      await v.lab.exec('d1', 'ip', 'link', 'set', 'eth1', 'up');
      cuts.at(-1)![1] = upAt;
      await allOn('d1', `flap ${i + 1}: d1 alone holds the VIPs after eth1 came up`);
      const back = Date.now();
      moves[moves.length - 1] += `/${back - upAt}`;
      await sleep(Math.max(0, 1_000 - (back - upAt)));
    }
    await sleep(1_000);
    const end = Date.now();
    t.diagnostic(`VIPs on d2 after down / back on d1 after up (ms): ${moves.join(', ')}`);
    const failures: string[] = [];
    for (const name of NAMES) {
      const [e1, e2] = [t1.of(name), t2.of(name)];
      const windows = dualMasterWindows(e1, e2, start, end, true, false);
      const longest = Math.max(0, ...windows.map(([a, b]) => b - a));
      // How long each move took, as the daemons date it: the link change to the new master's transition.
      const after = (es: typeof e1, at: number) => (es.find((e) => e.at >= at && e.to === 'MASTER')?.at ?? NaN) - at;
      t.diagnostic(`${name}: to d2 ${cuts.map(([d]) => after(e2, d)).join(', ')} ms; back to d1 ${cuts.map(([, u]) => after(e1, u)).join(', ')} ms`);
      t.diagnostic(`${name}: ${windows.length} dual-master windows, the longest ${longest} ms`);
      if (longest > INTERVAL_MS + 250) failures.push(`${name}: two masters for ${longest} ms (windows ${windows.map(([a, b]) => `${a - start}..${b - start}`).join(', ')})`);
      const left = e1.filter((e) => e.from === 'MASTER').map((e) => e.to);
      const want = name === 'VI_F' ? 'FAULT' : 'BACKUP';
      if (left.length !== FLAPS || left.some((s) => s !== want)) failures.push(`${name}: d1 left MASTER for [${left.join(', ')}], want ${FLAPS} x ${want}`);
      const took = e2.filter((e) => e.to === 'MASTER').length;
      if (took !== FLAPS) failures.push(`${name}: d2 took over ${took} times, want ${FLAPS}`);
      if (stateOf(d1, name) !== 'MASTER' || stateOf(d2, name) !== 'BACKUP') failures.push(`${name}: at the end d1 ${stateOf(d1, name)}, d2 ${stateOf(d2, name)}`);
    }
    assert.deepEqual(failures, [], `${failures.join('\n')}\n${v.output()}`);
    await allOn('d1', 'd1 alone holds the VIPs at the end');
    for (const name of NAMES) await v.reaches('client', v.lab.spareAddress(vridOf(name)), 'd1');
  } finally {
    t1.close();
    t2.close();
    for (const d of v.daemons) await d.kill('SIGKILL');
  }
});
