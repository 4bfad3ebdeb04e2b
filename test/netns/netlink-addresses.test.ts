/**
 * Addresses added through rtnetlink must leave the kernel in the same state as `ip addr add`
 * with the same options: checked side by side in two namespaces.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { Lab, labUnavailable, sh } from '../../src/lab/lab.js';

const skip = labUnavailable();
const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/apply-addresses.js');
let lab: Lab;

before(async () => {
  if (!skip) lab = await Lab.create({ hosts: ['viaNetlink', 'viaIp'], ipv6: true });
});
after(async () => lab?.destroy());

function vips(net: string) {
  const text = `static_ipaddress {
  ${net}.100/24 dev eth0
  ${net}.101/24 brd ${net}.255 dev eth0 label eth0:vip scope global
  ${net}.102/32 dev eth0 scope link
  ${net}.103 dev eth0 peer ${net}.104
  fd00:9::100/64 dev eth0
  fd00:9::101/128 dev eth0
}`;
  return loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config.static_ipaddress;
}

async function apply(host: string, impl: string, op: string, addrs: unknown): Promise<string> {
  return (await sh('ip', 'netns', 'exec', lab.host(host).ns, process.execPath, fixture, '--apply', impl, op, JSON.stringify(addrs))).trim();
}

/** What the kernel holds on eth0, without what differs between two hosts anyway. */
async function state(host: string, net: string): Promise<string[]> {
  const out = JSON.parse(await sh('ip', '-n', lab.host(host).ns, '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<Record<string, unknown>> }>;
  return out[0]!.addr_info
    .filter((a) => a['scope'] !== 'link' || String(a['local']).startsWith(net))
    .filter((a) => !String(a['local']).startsWith('fe80') && a['local'] !== lab.host(host).address && !String(a['local']).startsWith(`fd00:${lab.subnet[0]}:`))
    .map((a) => JSON.stringify(a))
    .sort();
}

test('rtnetlink and iproute2 give the kernel the same addresses, and both remove them', { skip }, async () => {
  const net = `10.${lab.subnet[0]}.${lab.subnet[1]}`;
  const addrs = vips(net);
  assert.equal(addrs.length, 6);
  assert.equal(await apply('viaNetlink', 'netlink', 'add', addrs), 'ok');
  assert.equal(await apply('viaIp', 'ip', 'add', addrs), 'ok');
  const a = await state('viaNetlink', net);
  const b = await state('viaIp', net);
  assert.equal(a.length, 6, a.join('\n'));
  assert.deepEqual(a, b);
  // Adding again and deleting twice are not errors (Keepalived ignores EEXIST / EADDRNOTAVAIL).
  assert.equal(await apply('viaNetlink', 'netlink', 'add', addrs), 'ok');
  assert.equal(await apply('viaNetlink', 'netlink', 'del', addrs), 'ok');
  assert.equal(await apply('viaNetlink', 'netlink', 'del', addrs), 'ok');
  assert.deepEqual(await state('viaNetlink', net), []);
});

test('a real failure is reported with the address', { skip }, async () => {
  const bad = [{ ...vips('10.1.1')[0]!, dev: 'nosuch0' }];
  await assert.rejects(apply('viaNetlink', 'netlink', 'add', bad), /nosuch0|No such device/);
});
