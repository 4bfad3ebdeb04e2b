/**
 * Seed 001 on the wire: two instances on two segments (eth0, eth1) in one vrrp_sync_group, both
 * `state BACKUP` and `nopreempt`, each tracking both interfaces; server A has priority 100,
 * server B 90. A fault on one instance of the master (its eth1 loses carrier) moves BOTH VIPs to
 * B (Keepalived vrrp_sync.c: the group follows its members into FAULT and MASTER), and with
 * nopreempt they stay there when A recovers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, VrrpLab, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['serverA', 'serverB', 'client'], segments: 2 }, (lab) => (v = lab));

function config(priority: number, vip1: string, vip2: string): string {
  const inst = (name: string, ifname: string, vrid: number, pass: string, vip: string) => `
vrrp_instance ${name} {
  state BACKUP
  interface ${ifname}
  virtual_router_id ${vrid}
  priority ${priority}
  nopreempt
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass ${pass}
  }
  track_interface {
    eth0
    eth1
  }
  virtual_ipaddress {
    ${vip}
  }
}
`;
  return `${globalDefs('LVS_DEVEL')}
vrrp_sync_group VG1 {
  group {
    VI_1
    VI_2
  }
}
${inst('VI_1', 'eth0', 51, '1111', vip1)}${inst('VI_2', 'eth1', 52, '2222', vip2)}`;
}

test('sync group (seed 001): a fault on one instance of the master moves both VIPs; nopreempt keeps them there', { skip, timeout: 60_000 }, async (t) => {
  const { lab } = v;
  const vip1Addr = lab.segmentAddress(0, 111);
  const vip2Addr = lab.segmentAddress(1, 112);
  const vip1 = `${vip1Addr}/24`;
  const vip2 = `${vip2Addr}/24`;
  const both = async (host: string) => (await v.holds(host, vip1, 'eth0')) && (await v.holds(host, vip2, 'eth1'));
  const none = async (host: string) => !(await v.holds(host, vip1, 'eth0')) && !(await v.holds(host, vip2, 'eth1'));
  // With nopreempt, whoever is master first stays: A must be (the Master_Down_Intervals of 100
  // and 90 differ by 40 ms only, less than two daemons' start-up jitter).
  const a = v.start('serverA', config(100, vip1, vip2));
  await v.waitHolder('serverA', ['serverA'], vip1, 15_000, 'eth0');
  v.start('serverB', config(90, vip1, vip2));
  await new Promise((r) => setTimeout(r, 1_500));
  await v.waitHolder('serverA', ['serverA', 'serverB'], vip1, 15_000, 'eth0');
  await v.waitHolder('serverA', ['serverA', 'serverB'], vip2, 15_000, 'eth1');
  await v.reaches('client', vip1Addr, 'serverA');
  await v.reaches('client', vip2Addr, 'serverA', 10_000, 'eth1');

  // Only VI_2's link fails; VI_1 (whose own link is fine) follows its group into FAULT.
  const t0 = Date.now();
  await lab.cable('serverA', false, 1);
  await v.waitHolder('serverB', ['serverA', 'serverB'], vip1, 10_000, 'eth0');
  await v.waitHolder('serverB', ['serverA', 'serverB'], vip2, 10_000, 'eth1');
  t.diagnostic(`both VIPs on serverB ${Date.now() - t0} ms after serverA's eth1 lost carrier`);
  assert.ok(await none('serverA'), 'serverA holds neither VIP');
  assert.ok(a.output.some((l) => l.includes('(VI_1) Entering FAULT STATE')), a.output.join('\n'));
  await v.reaches('client', vip1Addr, 'serverB');
  await v.reaches('client', vip2Addr, 'serverB', 10_000, 'eth1');

  // nopreempt: serverA recovers into BACKUP and leaves both VIPs where they are.
  await lab.cable('serverA', true, 1);
  await new Promise((r) => setTimeout(r, 6_000));
  assert.ok(await both('serverB'), `serverB keeps both VIPs:\n${v.output()}`);
  assert.ok(await none('serverA'), `serverA must not preempt:\n${v.output()}`);
  assert.ok(a.output.some((l) => l.includes('(VI_2) Entering BACKUP STATE')), a.output.join('\n'));
});
