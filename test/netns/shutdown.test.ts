/**
 * SIGTERM on a master (RFC 5798 6.4.3, Keepalived's shutdown): it sends an advert with priority
 * 0 and removes its VIPs, so the backup takes over after Skew_Time instead of
 * Master_Down_Interval; both processes remove their pid files.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

test('SIGTERM on the master: priority 0 sent, VIP removed, the backup takes over well before 3 x advert_int, pid files removed', { skip, timeout: 60_000 }, async (t) => {
  const { lab } = v;
  const vipAddr = lab.spareAddress(220);
  const vip = `${vipAddr}/24`;
  const conf = (prio: number) => globalDefs(`stop_${prio}`) + instance({ vrid: 131, priority: prio, advertInt: 1, vips: [vip] });
  const d1 = v.start('d1', conf(150));
  const d2 = v.start('d2', conf(100));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vipAddr, 'd1');
  assert.ok(fs.existsSync(d1.pidFile) && fs.existsSync(d1.vrrpPidFile), 'pid files written');

  const a1 = lab.host('d1').address.replaceAll('.', '\\.');
  const capture = v.capture('client', 'ip proto 112', 4);
  await new Promise((r) => setTimeout(r, 1_200));
  const t0 = Date.now();
  await d1.kill('SIGTERM');
  const stopped = Date.now() - t0;
  assert.ok(!(await v.holds('d1', vip)), 'the stopped master leaves no VIP behind');
  await waitFor(() => v.holds('d2', vip), 5_000, 'd2 takes the VIP');
  const took = Date.now() - t0;
  t.diagnostic(`SIGTERM: d1 exited after ${stopped} ms, d2 held the VIP ${took} ms after the signal`);
  // Skew_Time at priority 100 is 0.61 s; Master_Down_Interval would be 3.61 s.
  assert.ok(took < 2_000, `takeover after a priority 0 advert took ${took} ms`);
  await v.reaches('client', vipAddr, 'd2');

  const lines = await capture;
  assert.ok(lines.some((l) => new RegExp(`${a1} > 224\\.0\\.0\\.18: VRRPv2, Advertisement, vrid 131, prio 0`).test(l)), `a priority 0 advert from d1:\n${lines.join('\n')}`);
  assert.ok(!fs.existsSync(d1.pidFile), 'parent pid file removed');
  assert.ok(!fs.existsSync(d1.vrrpPidFile), 'VRRP child pid file removed');
  assert.equal(d1.proc.exitCode, 0, `exit status:\n${d1.output.join('\n')}`);

  await d2.kill('SIGTERM');
  assert.ok(!(await v.holds('d2', vip)));
  assert.ok(!fs.existsSync(d2.pidFile) && !fs.existsSync(d2.vrrpPidFile), 'd2 pid files removed');
});
