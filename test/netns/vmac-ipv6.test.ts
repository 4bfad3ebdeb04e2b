/**
 * use_vmac for IPv6 (RFC 5798 7.3: the IPv6 virtual MAC is 00:00:5e:00:02:VRID): the master's
 * VIP lives on the macvlan, the client resolves it to the virtual MAC and reaches it, and
 * SIGTERM deletes the macvlan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
const VRID = 76;
const VMAC = '00:00:5e:00:02:4c';
const IF = `vrrp.${VRID}`;
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'client'], ipv6: true }, (lab) => (v = lab));

async function vmacAddress(host: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await v.lab.exec(host, 'ip', '-j', 'link', 'show', 'dev', IF)) as Array<{ address: string }>)[0]?.address;
  } catch {
    return undefined;
  }
}

test('use_vmac over IPv6: the VIP on vrrp.VRID answers at 00:00:5e:00:02:VRID; SIGTERM deletes the macvlan', { skip, timeout: 60_000 }, async () => {
  const vip = v.lab.address6(0x76);
  const d1 = v.start('d1', globalDefs('vm6') + instance({ vrid: VRID, priority: 150, version: 3, advertInt: 0.1, vips: [`${vip}/64`], extra: 'use_vmac' }));
  await waitFor(async () => (await vmacAddress('d1')) !== undefined, 10_000, `d1 creates ${IF}\n${v.output()}`);
  await v.waitHolder('d1', ['d1'], `${vip}/64`, 15_000, IF);
  assert.equal(await vmacAddress('d1'), VMAC);
  await waitFor(async () => {
    if (!(await v.ping('client', vip))) return false;
    const n = JSON.parse(await v.lab.exec('client', 'ip', '-j', '-6', 'neigh', 'show', 'to', vip)) as Array<{ lladdr?: string }>;
    return n[0]?.lladdr === VMAC;
  }, 10_000, `client reaches ${vip} at ${VMAC}\n${v.output()}`);
  await d1.kill('SIGTERM');
  assert.equal(await vmacAddress('d1'), undefined, 'the stopped daemon deleted its macvlan');
});
