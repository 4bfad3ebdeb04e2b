/**
 * use_vmac and an interface that already has the VMAC's name (os/vmac.ts): one somebody else made
 * is refused and left alone; a macvlan with the virtual MAC on the same base, left by a crashed
 * run, is replaced.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Lab, labUnavailable, sh } from '../../src/lab/lab.js';
import { linuxVmacs, vmacAddress } from '../../src/os/vmac.js';

const skip = labUnavailable();
let lab: Lab | undefined;
after(async () => {
  await lab?.destroy();
});

async function link(ns: string, name: string): Promise<{ address: string; linkinfo?: { info_kind: string } } | undefined> {
  try {
    return (JSON.parse(await sh('ip', '-n', ns, '-j', '-d', 'link', 'show', 'dev', name)) as Array<{ address: string; linkinfo?: { info_kind: string } }>)[0];
  } catch {
    return undefined;
  }
}

test('an interface of the VMAC\'s name that is not ours is refused, not deleted; our own leftover is replaced', { skip, timeout: 60_000 }, async () => {
  lab = await Lab.create({ hosts: ['a'] });
  const ns = lab.host('a').ns;
  const vmacs = linuxVmacs({ netns: ns });
  const mac = vmacAddress(75, 'inet');

  // Someone's bridge, named as our VMAC would be.
  await sh('ip', '-n', ns, 'link', 'add', 'vrrp.75', 'type', 'bridge');
  const theirs = (await link(ns, 'vrrp.75'))!.address;
  await assert.rejects(vmacs.create({ name: 'vrrp.75', base: 'eth0', mac, family: 'inet' }), /vrrp\.75 already exists and is not a VMAC we made/);
  const still = await link(ns, 'vrrp.75');
  assert.equal(still?.linkinfo?.info_kind, 'bridge', 'the bridge is still there');
  assert.equal(still?.address, theirs);
  // A macvlan on eth0 with another MAC is not ours either.
  await sh('ip', '-n', ns, 'link', 'add', 'link', 'eth0', 'name', 'vrrp.76', 'address', '02:00:00:00:00:76', 'type', 'macvlan');
  await assert.rejects(vmacs.create({ name: 'vrrp.76', base: 'eth0', mac: vmacAddress(76, 'inet'), family: 'inet' }), /not a VMAC we made/);
  assert.equal((await link(ns, 'vrrp.76'))?.address, '02:00:00:00:00:76');

  // A crashed run's VMAC: a macvlan with the virtual MAC on eth0. Replaced, and then ours.
  const mac77 = vmacAddress(77, 'inet');
  await sh('ip', '-n', ns, 'link', 'add', 'link', 'eth0', 'name', 'vrrp.77', 'address', mac77, 'type', 'macvlan', 'mode', 'bridge');
  await vmacs.create({ name: 'vrrp.77', base: 'eth0', mac: mac77, family: 'inet' });
  const made = JSON.parse(await sh('ip', '-n', ns, '-j', '-d', 'link', 'show', 'dev', 'vrrp.77')) as Array<{ linkinfo: { info_data: { mode: string } } }>;
  assert.equal(made[0]!.linkinfo.info_data.mode, 'private', 'made again as a private macvlan');
  // And one we made ourselves can be made again (a reload).
  await vmacs.create({ name: 'vrrp.77', base: 'eth0', mac: mac77, family: 'inet' });
  await vmacs.remove('vrrp.77');
  assert.equal(await link(ns, 'vrrp.77'), undefined);
});
