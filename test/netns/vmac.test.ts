/**
 * use_vmac on the wire (RFC 5798 7.3): both routers create vrrp.VRID, a private macvlan with the
 * virtual MAC 00:00:5e:00:01:VRID; the master's VIP lives on it and its adverts and GARPs leave
 * from it. The client's neighbour entry for the VIP is the virtual MAC, and stays so across a
 * failover: only the bridge's forwarding entry moves. SIGTERM deletes the macvlan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable, sh } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
const VRID = 73;
const VMAC = '00:00:5e:00:01:49';
const IF = `vrrp.${VRID}`;
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

async function link(host: string, ifname: string): Promise<{ address: string; link?: string; linkinfo?: { info_kind: string; info_data?: { mode?: string } } } | undefined> {
  try {
    return (JSON.parse(await v.lab.exec(host, 'ip', '-j', '-d', 'link', 'show', 'dev', ifname)) as Array<{ address: string }>)[0];
  } catch {
    return undefined; // no such device
  }
}

async function neighMac(client: string, vip: string): Promise<string | undefined> {
  const n = JSON.parse(await v.lab.exec(client, 'ip', '-j', 'neigh', 'show', 'to', vip)) as Array<{ lladdr?: string }>;
  return n[0]?.lladdr;
}

/** The bridge port the switch forwards the virtual MAC to. */
async function fdbPort(mac: string): Promise<string | undefined> {
  const fdb = JSON.parse(await sh('ip', 'netns', 'exec', v.lab.switchNs, 'bridge', '-j', 'fdb', 'show', 'br', 'br0')) as Array<{ mac: string; ifname: string }>;
  return fdb.find((e) => e.mac === mac)?.ifname;
}

/** Exactly `host` of `hosts` holds `vip` on `ifname` (a host without `ifname` holds nothing). */
async function waitHolder(host: string, hosts: readonly string[], vip: string, timeoutMs: number, ifname: string): Promise<void> {
  const holds = (h: string) => v.holds(h, vip, ifname).catch(() => false);
  try {
    await waitFor(async () => {
      for (const h of hosts) if ((await holds(h)) !== (h === host)) return false;
      return true;
    }, timeoutMs, `${host} alone holds ${vip} on ${ifname}`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${v.output()}`);
  }
}

const conf = (id: string, priority: number, vip: string, extra = 'use_vmac') => globalDefs(id) + instance({ vrid: VRID, priority, vips: [`${vip}/24`], extra });

test('use_vmac: the VIP answers at 00:00:5e:00:01:VRID before and after a failover; SIGTERM deletes the macvlan', { skip, timeout: 90_000 }, async () => {
  const vip = v.lab.spareAddress(73);
  const d1 = v.start('d1', conf('vm1', 150, vip));
  const d2 = v.start('d2', conf('vm2', 100, vip));
  await waitHolder('d1', ['d1', 'd2'], `${vip}/24`, 15_000, IF);
  for (const h of ['d1', 'd2']) {
    const l = await link(h, IF);
    assert.equal(l?.address, VMAC, `${h} has ${IF} with the virtual MAC`);
    assert.equal(l?.link, 'eth0');
    assert.equal(l?.linkinfo?.info_kind, 'macvlan');
    assert.equal(l?.linkinfo?.info_data?.mode, 'private');
  }
  assert.ok(!(await v.holds('d1', `${vip}/24`, 'eth0')), 'the VIP is on the VMAC, not on eth0');

  // Adverts leave from the VMAC: their source MAC is the virtual one.
  const adverts = await v.capture('client', 'vrrp', 3, 1);
  assert.match(adverts[0] ?? '', new RegExp(`^\\S+ ${VMAC} > 01:00:5e:00:00:12`), adverts.join('\n'));

  await waitFor(async () => (await v.ping('client', vip)) && (await neighMac('client', vip)) === VMAC, 10_000, `client reaches ${vip} at ${VMAC}`);
  assert.equal(await fdbPort(VMAC), v.lab.host('d1').port, 'the switch sends the VMAC to d1');

  const t0 = Date.now();
  await d1.kill('SIGTERM');
  assert.equal(await link('d1', IF), undefined, 'the stopped daemon deleted its macvlan');
  await waitHolder('d2', ['d1', 'd2'], `${vip}/24`, 10_000, IF);
  await waitFor(() => v.ping('client', vip), 10_000, `client reaches ${vip} on d2`);
  const moved = Date.now() - t0;
  assert.equal(await neighMac('client', vip), VMAC, 'the client\'s neighbour entry did not change across the failover');
  // Two seconds of traffic later (d2 has resolved the client from eth0 meanwhile), still the VMAC.
  await new Promise((r) => setTimeout(r, 2_000));
  assert.ok(await v.ping('client', vip));
  assert.equal(await neighMac('client', vip), VMAC, 'the client\'s neighbour entry stays on the VMAC');
  await waitFor(async () => (await fdbPort(VMAC)) === v.lab.host('d2').port, 5_000, 'the switch sends the VMAC to d2');
  console.log(`# vmac failover: client reaching the VIP on d2 ${moved} ms after SIGTERM of d1, neighbour entry still ${VMAC}`);

  await d2.kill('SIGTERM');
  assert.equal(await link('d2', IF), undefined, 'the stopped daemon deleted its macvlan');
  assert.equal((await v.lab.exec('d2', 'sysctl', '-n', 'net/ipv4/conf/eth0/arp_ignore')).trim(), '0', 'eth0\'s ARP settings are put back');
});

test('use_vmac with a name and vmac_xmit_base: VIP on the named VMAC, adverts from eth0\'s own MAC', { skip, timeout: 60_000 }, async () => {
  const vip = v.lab.spareAddress(74);
  const d1 = v.start('d1', globalDefs('vx1') + instance({ name: 'VX', vrid: 74, priority: 150, vips: [`${vip}/24`], extra: 'use_vmac vx74\n  vmac_xmit_base' }));
  await waitHolder('d1', ['d1'], `${vip}/24`, 15_000, 'vx74');
  assert.equal((await link('d1', 'vx74'))?.address, '00:00:5e:00:01:4a');
  const eth0 = (await link('d1', 'eth0'))!.address;
  const adverts = await v.capture('client', 'vrrp', 3, 1);
  assert.match(adverts[0] ?? '', new RegExp(`^\\S+ ${eth0} > 01:00:5e:00:00:12`), adverts.join('\n'));
  await waitFor(async () => (await v.ping('client', vip)) && (await neighMac('client', vip)) === '00:00:5e:00:01:4a', 10_000, 'client reaches the VIP at the VMAC');
  await d1.kill('SIGTERM');
  assert.equal(await link('d1', 'vx74'), undefined);
});
