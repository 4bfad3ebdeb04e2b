/**
 * Three keepalived-ts daemons in one VRID, priorities 150 / 120 / 100 (RFC 5798 6.4.2: of the
 * backups, the highest priority's Master_Down_Interval, shorter by its Skew_Time, runs out first;
 * the others then hear its adverts). Each hard failure (crash and cable pulled) hands the VIP to
 * the next priority down, and each returning router preempts in turn.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import type { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'd3', 'client'] }, (lab) => (v = lab));

const PRIO: Record<string, number> = { d1: 150, d2: 120, d3: 100 };

test('three routers: election, crash of each master hands over to the next priority, returns in order', { skip, timeout: 120_000 }, async (t) => {
  const { lab } = v;
  const vipAddr = lab.spareAddress(130);
  const vip = `${vipAddr}/24`;
  const start = (h: string) => v.start(h, globalDefs(`three_${h}`) + instance({ vrid: 81, priority: PRIO[h]!, vips: [vip] }));
  const crash = async (d: Daemon, h: string) => Promise.all([d.kill('SIGKILL'), lab.cable(h, false)]);
  /** A crashed host comes back: its daemon starts (clearing the stale VIP) before the cable goes in. */
  const restart = async (h: string) => {
    const d = start(h);
    await waitFor(async () => !(await v.holds(h, vip)), 10_000, `${h} clears its stale VIP`);
    await lab.cable(h, true);
    return d;
  };
  const takeover = async (h: string, alive: string[], what: string) => {
    const t0 = Date.now();
    await v.waitHolder(h, alive, vip, 15_000);
    t.diagnostic(`${what}: ${Date.now() - t0} ms`);
    await v.reaches('client', vipAddr, h);
  };

  const d1 = start('d1');
  const d2 = start('d2');
  start('d3');
  await takeover('d1', ['d1', 'd2', 'd3'], 'election');

  await crash(d1, 'd1');
  await takeover('d2', ['d2', 'd3'], 'd1 crashed, d2 (120) takes over');
  // Not a race both won: after several more intervals d3 is still backup.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.ok(await v.holds('d2', vip));
  assert.ok(!(await v.holds('d3', vip)), `d3 (100) must stay backup under d2 (120):\n${v.output()}`);

  await crash(d2, 'd2');
  await takeover('d3', ['d3'], 'd2 crashed, d3 (100) takes over');

  await restart('d2');
  await takeover('d2', ['d2', 'd3'], 'd2 returns and preempts d3');
  await restart('d1');
  await takeover('d1', ['d1', 'd2', 'd3'], 'd1 returns and preempts d2');
});
