/**
 * SIGHUP to the parent (forwarded to the VRRP child), as Keepalived reloads (vrrp.c
 * clear_diff_vrrp()): a master given one more VIP adds only that address, never drops the ones
 * it keeps, and stays master; a configuration that does not load is reported and the running
 * one carries on (VIP held, adverts sent).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { labUnavailable, sh } from '../../src/lab/lab.js';
import type { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

function conf(prio: number, vrid: number, vips: string[]): string {
  return globalDefs(`reload_${prio}`) + instance({ vrid, priority: prio, vips });
}

/** Rewrites a daemon's configuration file and sends SIGHUP to its parent (by its pid file). */
function reload(d: Daemon, text: string): void {
  fs.writeFileSync(path.join(path.dirname(d.pidFile), 'keepalived.conf'), text);
  const pid = Number(fs.readFileSync(d.pidFile, 'utf8').trim());
  process.kill(pid, 'SIGHUP');
}

async function pair(vrid: number, vip: string): Promise<{ d1: Daemon; d2: Daemon }> {
  const d1 = v.start('d1', conf(150, vrid, [vip]));
  const d2 = v.start('d2', conf(100, vrid, [vip]));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vip.split('/')[0]!, 'd1');
  return { d1, d2 };
}

test('reload adding a VIP to a master: only that address is added, the old VIP never disappears, the master stays master', { skip, timeout: 60_000 }, async (t) => {
  const vipA = `${v.lab.spareAddress(200)}/24`;
  const vipB = `${v.lab.spareAddress(201)}/24`;
  const { d1, d2 } = await pair(121, vipA);
  const transitions = () => d1.output.filter((l) => / Entering [A-Z]+ STATE/.test(l)).length;
  const before = transitions();

  // Sample d1's addresses every 20 ms from just before the SIGHUP until well after it.
  const samples: Array<{ t: number; addrs: string[] }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const out = JSON.parse(await sh('ip', '-n', v.lab.host('d1').ns, '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ local?: string; prefixlen?: number }> }>;
      samples.push({ t: Date.now(), addrs: out.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)) });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  reload(d1, conf(150, 121, [vipA, vipB]));
  reload(d2, conf(100, 121, [vipA, vipB]));
  await waitFor(() => d1.output.some((l) => l.includes('Reload finished')), 10_000, 'd1 reloads');
  await waitFor(() => samples.some((s) => s.t > t0 && s.addrs.includes(vipB)), 10_000, 'the new VIP appears');
  await new Promise((r) => setTimeout(r, 2_500));
  sampling = false;
  await sampler;

  const gaps = samples.filter((s) => !s.addrs.includes(vipA));
  assert.deepEqual(gaps, [], `the old VIP disappeared during the reload:\n${d1.output.join('\n')}`);
  const firstB = samples.find((s) => s.addrs.includes(vipB))!;
  t.diagnostic(`${samples.length} samples; new VIP present ${firstB.t - t0} ms after SIGHUP`);
  // Once added, the new VIP stays.
  assert.ok(samples.filter((s) => s.t >= firstB.t).every((s) => s.addrs.includes(vipB)), 'the new VIP stays');
  assert.equal(transitions(), before, `no state change on reload:\n${d1.output.join('\n')}`);
  assert.ok(!(await v.holds('d2', vipA)) && !(await v.holds('d2', vipB)), `d2 stays backup:\n${v.output()}`);
  await v.reaches('client', v.lab.spareAddress(201), 'd1');
  await v.reaches('client', v.lab.spareAddress(200), 'd1');
  await d1.kill('SIGTERM');
  await d2.kill('SIGTERM');
});

test('reload with a syntax error: reported, and the running configuration carries on', { skip, timeout: 60_000 }, async () => {
  const vip = `${v.lab.spareAddress(210)}/24`;
  const { d1, d2 } = await pair(122, vip);
  const from = d1.output.length;
  // An unterminated block and a stray word: the file does not parse.
  reload(d1, `${globalDefs('reload_bad')}vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 122\n  priority 150\n  virtual_ipaddress {\n    ${v.lab.spareAddress(211)}/24\n`);
  await waitFor(() => d1.output.slice(from).some((l) => /keeping the running configuration/.test(l)), 10_000, 'd1 reports the broken configuration').catch((e: Error) => {
    throw new Error(`${e.message}:\n${d1.output.join('\n')}`);
  });
  const report = d1.output.slice(from).join('\n');
  assert.match(report, /keeping the running configuration/, report);
  // Where the problem is, as file:line.
  assert.match(report, /keepalived\.conf:\d+: missing '\}'/, report);

  // Still master: VIP held, adverts still going out (three intervals' worth), d2 still backup.
  const adverts = await v.capture('client', 'ip proto 112', 4, 3);
  assert.equal(adverts.length, 3, `adverts after the failed reload:\n${adverts.join('\n')}\n${report}`);
  for (const l of adverts) assert.match(l, /vrid 122, prio 150/, l);
  assert.ok(await v.holds('d1', vip), 'd1 keeps its VIP');
  assert.ok(!(await v.holds('d1', `${v.lab.spareAddress(211)}/24`)), 'nothing of the broken file was applied');
  assert.ok(!(await v.holds('d2', vip)), 'd2 stays backup');
  await v.reaches('client', v.lab.spareAddress(210), 'd1');
  await d1.kill('SIGTERM');
  await d2.kill('SIGTERM');
});
