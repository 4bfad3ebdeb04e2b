/**
 * Preemption choices (keepalived.conf(5)): `nopreempt` (with `state BACKUP`, as seed 001 has it)
 * keeps a returning higher-priority router backup; `preempt_delay` holds it back for that long
 * after it first sees the lower-priority master, and then RFC 5798 6.4.2 applies (it discards
 * the lower adverts, so its Master_Down timer runs out).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

/** d1 (150) master, then crashed with its cable pulled; d2 (100) takes over. Returns the VIP. */
async function d2TakesOver(vrid: number, n: number, extra: string): Promise<string> {
  const { lab } = v;
  const vip = `${lab.spareAddress(n)}/24`;
  const conf = (h: string, prio: number) => globalDefs(`preempt_${h}`) + instance({ vrid, priority: prio, vips: [vip], extra });
  const d1 = v.start('d1', conf('d1', 150));
  await v.waitHolder('d1', ['d1'], vip, 10_000);
  v.start('d2', conf('d2', 100));
  await new Promise((r) => setTimeout(r, 500));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 10_000);
  await Promise.all([d1.kill('SIGKILL'), lab.cable('d1', false)]);
  await v.waitHolder('d2', ['d2'], vip, 10_000);
  await v.reaches('client', lab.spareAddress(n), 'd2');
  // d1 comes back: its daemon starts on the dead link (clearing the stale VIP), then the cable goes in.
  v.start('d1', conf('d1', 150));
  await waitFor(async () => !(await v.holds('d1', vip)), 10_000, 'd1 clears its stale VIP');
  return vip;
}

async function stopAll(): Promise<void> {
  for (const d of v.daemons) await d.kill('SIGKILL');
  await v.lab.cable('d1', true);
}

test('nopreempt: the returning higher-priority router stays backup', { skip, timeout: 60_000 }, async () => {
  const vip = await d2TakesOver(91, 140, 'nopreempt');
  await v.lab.cable('d1', true);
  // Master_Down_Interval (3.4 s at 150) twice over: d1 would have preempted by now.
  await new Promise((r) => setTimeout(r, 7_000));
  assert.ok(await v.holds('d2', vip), `d2 keeps the VIP:\n${v.output()}`);
  assert.ok(!(await v.holds('d1', vip)), `d1 must not preempt:\n${v.output()}`);
  await v.reaches('client', v.lab.spareAddress(140), 'd2');
  await stopAll();
});

test('preempt_delay 5: the returning higher-priority router takes over only after the delay', { skip, timeout: 60_000 }, async (t) => {
  const vip = await d2TakesOver(92, 141, 'preempt_delay 5');
  const t0 = Date.now();
  await v.lab.cable('d1', true);
  await v.waitHolder('d1', ['d1', 'd2'], vip, 20_000);
  const took = Date.now() - t0;
  t.diagnostic(`preempt_delay 5: d1 took over ${took} ms after its cable went in`);
  await v.reaches('client', v.lab.spareAddress(141), 'd1');
  // At least the delay; at most the delay, an advert interval to hear d2 and Master_Down_Interval.
  assert.ok(took >= 5_000, `preempted after ${took} ms, before preempt_delay`);
  assert.ok(took < 12_000, `preempted after ${took} ms`);
  await stopAll();
});
