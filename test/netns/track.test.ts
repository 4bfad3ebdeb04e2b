/**
 * Tracking on the wire (keepalived.conf(5) track_script, track_interface, and the instance's own
 * interface): a failing weighted vrrp_script lowers the master's priority below the backup's, so
 * the backup preempts; a tracked interface going down, or the instance's own link losing
 * carrier, puts the master in FAULT; either way the VIP moves, and comes back on recovery.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import type { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

/** d1 (150, with `d1extra`) and d2 (100); returns once d1 is master and the client reaches it. */
async function pair(vrid: number, n: number, d1extra: string, before = ''): Promise<{ d1: Daemon; d2: Daemon; vip: string; vipAddr: string }> {
  const vipAddr = v.lab.spareAddress(n);
  const vip = `${vipAddr}/24`;
  const d1 = v.start('d1', globalDefs('track_d1') + before + instance({ vrid, priority: 150, vips: [vip], extra: d1extra }));
  const d2 = v.start('d2', globalDefs('track_d2') + instance({ vrid, priority: 100, vips: [vip] }));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vipAddr, 'd1');
  return { d1, d2, vip, vipAddr };
}

async function stop(...ds: Daemon[]): Promise<void> {
  for (const d of ds) await d.kill('SIGTERM');
}

const entered = (d: Daemon, state: string) => d.output.some((l) => l.includes(`(VI_1) Entering ${state} STATE`));

test('vrrp_script with a negative weight: failing drops the master below the backup, which preempts; recovering preempts back', { skip, timeout: 60_000 }, async () => {
  const flag = path.join(v.dir, 'flag');
  fs.writeFileSync(flag, '');
  const script = `vrrp_script chk_flag {\n  script "/usr/bin/test -f ${flag}"\n  interval 1\n  weight -60\n  fall 1\n  rise 1\n}\n`;
  const { d1, d2, vip, vipAddr } = await pair(111, 150, 'track_script {\n    chk_flag\n  }', script);
  try {
    fs.rmSync(flag);
    // 150 - 60 = 90 < 100: d2 discards d1's lower adverts and its Master_Down timer runs out.
    await v.waitHolder('d2', ['d1', 'd2'], vip, 12_000);
    await v.reaches('client', vipAddr, 'd2');
    fs.writeFileSync(flag, '');
    await v.waitHolder('d1', ['d1', 'd2'], vip, 12_000);
    await v.reaches('client', vipAddr, 'd1');
  } finally {
    await stop(d1, d2);
  }
});

test('track_interface: a second interface of the master going down puts it in FAULT and the VIP moves; back up, it returns', { skip, timeout: 60_000 }, async (t) => {
  // A dummy interface where the kernel has the module; otherwise a veth pair inside d1 does as well.
  try {
    await v.lab.exec('d1', 'ip', 'link', 'add', 'dummy0', 'type', 'dummy');
  } catch {
    await v.lab.exec('d1', 'ip', 'link', 'add', 'dummy0', 'type', 'veth', 'peer', 'name', 'dummy0p');
    await v.lab.exec('d1', 'ip', 'link', 'set', 'dummy0p', 'up');
  }
  await v.lab.exec('d1', 'ip', 'link', 'set', 'dummy0', 'up');
  const { d1, d2, vip, vipAddr } = await pair(112, 151, 'track_interface {\n    dummy0\n  }');
  try {
    const t0 = Date.now();
    await v.lab.exec('d1', 'ip', 'link', 'set', 'dummy0', 'down');
    await v.waitHolder('d2', ['d1', 'd2'], vip, 10_000);
    const took = Date.now() - t0;
    t.diagnostic(`track_interface down: d2 took over after ${took} ms`);
    assert.ok(entered(d1, 'FAULT'), `d1 enters FAULT:\n${d1.output.join('\n')}`);
    await v.reaches('client', vipAddr, 'd2');
    // d1 resigned with priority 0 on a working link: d2 waits Skew_Time, not Master_Down_Interval.
    assert.ok(took < 2_000, `takeover after a resignation took ${took} ms`);

    await v.lab.exec('d1', 'ip', 'link', 'set', 'dummy0', 'up');
    await v.waitHolder('d1', ['d1', 'd2'], vip, 10_000);
    await v.reaches('client', vipAddr, 'd1');
  } finally {
    await stop(d1, d2);
  }
});

test('own interface: the master losing carrier enters FAULT and the backup takes over; carrier back, it returns', { skip, timeout: 60_000 }, async (t) => {
  const { d1, d2, vip, vipAddr } = await pair(113, 152, '');
  try {
    const t0 = Date.now();
    await v.lab.cable('d1', false);
    await waitFor(() => entered(d1, 'FAULT'), 5_000, `d1 enters FAULT`);
    // A master in FAULT keeps no VIP (it could not answer for it anyway).
    await waitFor(async () => !(await v.holds('d1', vip)), 5_000, 'd1 drops the VIP');
    await waitFor(() => v.holds('d2', vip), 10_000, 'd2 takes the VIP');
    t.diagnostic(`carrier lost: d2 took over after ${Date.now() - t0} ms`);
    await v.reaches('client', vipAddr, 'd2');

    await v.lab.cable('d1', true);
    await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
    await v.reaches('client', vipAddr, 'd1');
    assert.ok(entered(d1, 'BACKUP'), d1.output.join('\n'));
  } finally {
    await v.lab.cable('d1', true);
    await stop(d1, d2);
  }
});
