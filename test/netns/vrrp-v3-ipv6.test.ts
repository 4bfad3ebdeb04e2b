/**
 * VRRPv3 (RFC 5798) between two keepalived-ts daemons: over IPv6 (adverts from the link-local
 * address to ff02::12, section 5.1.2.1; a global fd00:: VIP), and over IPv4 at advert_int 0.1
 * (v3's centisecond intervals). A hard failure (crash and cable pulled) of the master moves the
 * VIP, and the client reaches it on the new master.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'], ipv6: true }, (lab) => (v = lab));

test('v3 over IPv6: link-local sources, election, crash and cable pulled on the master, return, graceful stop; the client reaches the VIP each time', { skip, timeout: 60_000 }, async (t) => {
  const { lab } = v;
  const vip = `${lab.address6(0x64)}/64`;
  const vipAddr = lab.address6(0x64);
  const conf = (prio: number) => globalDefs(`v6_${prio}`) + instance({ vrid: 71, priority: prio, version: 3, vips: [vip] });
  const d1 = v.start('d1', conf(150));
  v.start('d2', conf(100));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vipAddr, 'd1');

  // RFC 5798 5.1.2.1: the source is the interface's link-local address; 5.1.2.2: ff02::12.
  const dump = await lab.exec('client', 'timeout', '4', 'tcpdump', '-c', '2', '-nn', '-l', '-i', 'eth0', 'ip6 proto 112');
  const ll = await lab.linkLocal('d1');
  const lines = dump.split('\n').filter((l) => l.includes('VRRP'));
  assert.ok(lines.length >= 1, `no adverts seen:\n${dump}`);
  for (const l of lines) assert.match(l, new RegExp(`${ll} > ff02::12: .*VRRPv3, Advertisement, vrid 71, prio 150`), l);

  const t0 = Date.now();
  await Promise.all([d1.kill('SIGKILL'), lab.cable('d1', false)]);
  await waitFor(() => v.holds('d2', vip), 10_000, 'd2 takes the VIP');
  const took = Date.now() - t0;
  await v.reaches('client', vipAddr, 'd2');
  // Master_Down_Interval: 3 x 1 s + Skew_Time (0.6 s at priority 100).
  assert.ok(took < 5_000, `takeover took ${took} ms`);
  t.diagnostic(`v3 IPv6 takeover after crash: ${took} ms`);

  // d1 returns (its daemon clears the stale VIP before the cable goes in) and preempts; then it
  // stops: its priority 0 advert over IPv6 hands over after Skew_Time.
  const d1b = v.start('d1', conf(150));
  await waitFor(async () => !(await v.holds('d1', vip)), 10_000, 'd1 clears its stale VIP');
  await lab.cable('d1', true);
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vipAddr, 'd1');
  const t1 = Date.now();
  await d1b.kill('SIGTERM');
  assert.ok(!(await v.holds('d1', vip)), 'the stopped master leaves no VIP behind');
  await waitFor(() => v.holds('d2', vip), 5_000, 'd2 takes the VIP after priority 0');
  const resign = Date.now() - t1;
  t.diagnostic(`v3 IPv6 takeover after SIGTERM: ${resign} ms`);
  assert.ok(resign < 2_000, `takeover after a priority 0 advert took ${resign} ms`);
  await v.reaches('client', vipAddr, 'd2');
});

test('v3 over IPv4 at advert_int 0.1: the backup takes over within a fraction of a second of the crash', { skip, timeout: 60_000 }, async (t) => {
  const { lab } = v;
  const vip = `${lab.spareAddress(171)}/24`;
  const conf = (prio: number) => globalDefs(`v3fast_${prio}`) + instance({ vrid: 72, priority: prio, version: 3, advertInt: 0.1, vips: [vip] });
  // d1's earlier run was a crash: its VIP is still there; a fresh start removes it.
  const d1 = v.start('d1', conf(150));
  const d2 = v.start('d2', conf(100));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 10_000);
  await v.reaches('client', lab.spareAddress(171), 'd1');
  // Both stay put for many intervals: no flapping at 100 ms.
  await new Promise((r) => setTimeout(r, 1_500));
  assert.ok(!(await v.holds('d2', vip)), `d2 must stay backup:\n${v.output()}`);

  const t0 = Date.now();
  await Promise.all([d1.kill('SIGKILL'), lab.cable('d1', false)]);
  await waitFor(() => v.holds('d2', vip), 5_000, 'd2 takes the VIP');
  const took = Date.now() - t0;
  await v.reaches('client', lab.spareAddress(171), 'd2');
  // Master_Down_Interval is 3 x 0.1 s + Skew_Time (0.06 s): ten intervals is a generous bound.
  assert.ok(took < 1_000, `takeover took ${took} ms`);
  t.diagnostic(`v3 IPv4 advert_int 0.1 takeover after crash: ${took} ms`);
  await lab.cable('d1', true);
  await d2.kill('SIGTERM');
});
