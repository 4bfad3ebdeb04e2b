/**
 * accept / no_accept in a namespace (os/vip-firewall.ts): a master with no_accept drops what is
 * sent to its VIP (the client's ping goes unanswered although ARP resolves the VIP to it), one
 * with accept answers; the daemon's nftables table exists while it runs and is gone after
 * SIGTERM.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'client'] }, (lab) => (v = lab));

async function table(host: string): Promise<string | undefined> {
  try {
    return await v.lab.exec(host, 'nft', 'list', 'table', 'ip', 'kts_accept');
  } catch {
    return undefined;
  }
}

async function master(vrid: number, n: number, mode: 'accept' | 'no_accept') {
  const vip = v.lab.spareAddress(n);
  const conf = `global_defs {\n  router_id accept_${vrid}\n  nftables kts_accept\n}\n` + instance({ vrid, priority: 150, vips: [`${vip}/24`], version: 3, advertInt: 0.1, extra: mode });
  const d = v.start('d1', conf);
  await v.waitHolder('d1', ['d1'], `${vip}/24`, 10_000);
  return { d, vip };
}

test('no_accept: the master holds its VIP but drops pings to it; the table goes at stop', { skip, timeout: 60_000 }, async () => {
  const { d, vip } = await master(61, 161, 'no_accept');
  const t = await table('d1');
  assert.ok(t?.includes(vip), `table with the VIP:\n${t}\n${v.output()}`);
  assert.equal(await v.ping('client', vip), false, 'ping to a no_accept VIP must go unanswered');
  // Not for want of ARP: the client resolved the VIP to d1.
  const neigh = JSON.parse(await v.lab.exec('client', 'ip', '-j', 'neigh', 'show', 'to', vip)) as Array<{ lladdr?: string }>;
  assert.ok(neigh.some((e) => e.lladdr !== undefined), `client has a neighbour entry for ${vip}`);
  await d.kill('SIGTERM');
  assert.equal(await table('d1'), undefined, 'table removed at stop');
});

test('accept: the master answers on its VIP and creates no table', { skip, timeout: 60_000 }, async () => {
  const { d, vip } = await master(62, 162, 'accept');
  await waitFor(() => v.ping('client', vip), 5_000, `client reaches ${vip}`);
  assert.equal(await table('d1'), undefined);
  await d.kill('SIGTERM');
});
