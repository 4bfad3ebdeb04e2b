/**
 * garp_master_refresh on the wire, the real Keepalived 2.2.7 beside keepalived-ts: with
 * `garp_master_refresh 10` (garp_master_delay 5, garp_master_repeat 5 by default) a new master
 * sends 5 gratuitous ARPs at the transition, 5 more 5 s later, and one refresh 10 s and 20 s
 * after the transition (vrrp_state_become_master() arms the refresh timer then, not after the
 * delayed batch). Both daemons run at once, each on its own host with its own VIP; a third host
 * captures the ARPs.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, repo, VrrpLab, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable() ?? (fs.existsSync('/usr/sbin/keepalived') ? undefined : 'no /usr/sbin/keepalived');
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

/** tcpdump's HH:MM:SS.ffffff in seconds. */
function seconds(line: string): number {
  const m = /^(\d\d):(\d\d):(\d\d\.\d+)/.exec(line);
  assert.ok(m, line);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Bursts of gratuitous ARPs for `vip`: [seconds after the first, packets], split at 1 s gaps. */
function bursts(lines: readonly string[], vip: string): Array<[number, number]> {
  const times = lines.filter((l) => l.includes(`Request who-has ${vip} `) && l.includes(`tell ${vip},`)).map(seconds);
  const out: Array<[number, number]> = [];
  let last = -Infinity;
  for (const t of times) {
    if (t - last > 1) out.push([t - times[0]!, 0]);
    out[out.length - 1]![1]++;
    last = t;
  }
  return out;
}

test('garp_master_refresh 10: refresh GARPs 10 s and 20 s after the transition to MASTER, Keepalived and keepalived-ts alike', { skip, timeout: 90_000 }, async (t) => {
  const vips = { real: v.lab.spareAddress(240), kts: v.lab.spareAddress(241) };
  const conf = (name: string, vrid: number, vip: string) =>
    globalDefs(`garp_${name}`) + instance({ vrid, priority: 150, vips: [`${vip}/24`], extra: 'garp_master_refresh 10' });
  const capture = v.capture('client', 'arp', 28);
  await new Promise((r) => setTimeout(r, 1_000));
  const real = new Daemon(v.lab, 'd1', path.join(v.dir, 'd1-real'), conf('real', 151, vips.real), repo, true);
  v.daemons.push(real);
  const kts = v.start('d2', conf('kts', 152, vips.kts));
  try {
    const lines = await capture;
    const got = { real: bursts(lines, vips.real), kts: bursts(lines, vips.kts) };
    for (const [name, b] of Object.entries(got)) t.diagnostic(`${name}: ${b.map(([at, n]) => `${n} at ${at.toFixed(2)} s`).join(', ')}`);
    for (const [name, b] of Object.entries(got)) {
      const msg = `${name}: ${JSON.stringify(b)}\n${v.output()}`;
      assert.deepEqual(b.map(([, n]) => n), [5, 5, 1, 1], msg);
      const expected = [0, 5, 10, 20];
      b.forEach(([at], i) => assert.ok(Math.abs(at - expected[i]!) < 0.5, `${name}: burst ${i} at ${at.toFixed(2)} s, expected ${expected[i]} s\n${msg}`));
    }
  } finally {
    await real.kill('SIGTERM');
    await kts.kill('SIGTERM');
  }
});
