/**
 * What `-t` adds on a real machine: missing interfaces and script users, worded as Keepalived
 * words them, at the line that names them.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkHost, type HostView } from '../../src/config/host-checks.js';
import { loadConfig } from '../../src/config/load.js';

const seeds = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/seeds');

const host = (interfaces: string[], users: string[] = ['root']): HostView => ({
  hasInterface: (n) => interfaces.includes(n),
  hasUser: (n) => users.includes(n),
  hasGroup: (n) => n === 'root',
});

test('seed 000 on a host without ens32: the interface and the VIP line are reported like keepalived -t', () => {
  const { config } = loadConfig(path.join(seeds, '000-lvs-server1.conf'), { configId: 'x' });
  const got = checkHost(config, host(['lo', 'eth0'])).map((d) => `${d.pos?.line ?? '-'}: ${d.message}`);
  assert.deepEqual(got, [
    "8: WARNING - interface ens32 for vrrp_instance VI_1 doesn't exist",
    "19: WARNING - interface ens32 for ip address 192.168.100.14/24 doesn't exist",
    '-: Non-existent interface specified in configuration',
  ]);
  assert.deepEqual(checkHost(config, host(['ens32'])), []);
});

test('seed 001: tracked interfaces that do not exist', () => {
  const { config } = loadConfig(path.join(seeds, '001-serverA.conf'), { configId: 'x' });
  const got = checkHost(config, host(['eno16777736'])).map((d) => `${d.pos?.line ?? '-'}: ${d.message}`);
  assert.ok(got.includes("47: (VI_1) tracked interface eno33554984 doesn't exist"), got.join('\n'));
  assert.ok(got.includes("63: WARNING - interface eno33554984 for vrrp_instance VI_2 doesn't exist"), got.join('\n'));
});

test('seed 002: `notify_master /path/x.sh notify_master` names a user that does not exist', () => {
  const { config } = loadConfig(path.join(seeds, '002-proxy101.conf'), { configId: 'x' });
  const got = checkHost(config, host(['em1']));
  const lines = got.map((d) => d.pos?.line);
  // notify_master, notify_backup, notify_fault and notify each pass their own name as a second word.
  assert.deepEqual(lines, [47, 48, 49, 50]);
  assert.match(got[0]!.message, /user 'notify_master' does not exist/);
  // Keepalived 2.2.7's -t does not check notify scripts' users (measured): notes, exit 0.
  assert.deepEqual(new Set(got.map((d) => d.severity)), new Set(['note']));
});

test('lb_kind TUN on a kernel without tunnel support is reported at the real server, never silently dropped', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind TUN\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n real_server 10.0.0.3 80 {\n  lvs_method TUN type gre\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = (tunnels: string[]) => checkHost(config, { ...host([]), hasTunnel: (t) => tunnels.includes(t) }).map((d) => `${d.pos?.line}: ${d.message}`);
  assert.deepEqual(got([]), [
    '5: real server 10.0.0.2 uses lb_kind TUN (ipip), but this kernel has no ipip tunnel support - it will not be forwarded',
    '7: real server 10.0.0.3 uses lb_kind TUN (gre), but this kernel has no gre tunnel support - it will not be forwarded',
  ]);
  assert.deepEqual(got(['ipip', 'gre']), []);
});

test('use_ipvlan is reported at its line (not built by keepalived-ts, and why on a kernel without ipvlan)', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n use_ipvlan iv1\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = (ipvlan: boolean) => checkHost(config, { ...host(['eth0']), hasIpvlan: () => ipvlan }).map((d) => `${d.pos?.line}: ${d.message}`);
  assert.deepEqual(got(false), ['5: (VI_1) use_ipvlan: this kernel has no ipvlan support and keepalived-ts does not create ipvlan interfaces - the instance will run on its interface itself']);
  assert.deepEqual(got(true), ['5: (VI_1) use_ipvlan: keepalived-ts does not create ipvlan interfaces - the instance will run on its interface itself']);
});

test('use_vmac_addr is reported at its line, not silently ignored', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n use_vmac\n use_vmac_addr\n virtual_ipaddress {\n  10.0.0.9/24\n  10.1.0.9/24 dev eth1\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = checkHost(config, host(['eth0', 'eth1'])).map((d) => `${d.pos?.line}: ${d.message}`);
  assert.deepEqual(got, ["6: (VI_1) use_vmac_addr: keepalived-ts does not create VMACs for VIPs on other interfaces - they stay on those interfaces' own MACs"]);
});

test('track_bfd is reported at its line: there is no BFD to move it', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'bfd_instance b1 {\n neighbor_ip 10.0.0.2\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n track_bfd {\n  b1 weight 10\n }\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n';
  const { config, diagnostics } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  const got = checkHost(config, host(['eth0'])).map((d) => `${d.pos?.line}: ${d.message}`);
  assert.deepEqual(got, ['9: (VI_1) track_bfd b1: keepalived-ts runs no BFD - it will never change the instance']);
});

test("keepalived-ts's own advice (TUN, use_ipvlan, use_vmac_addr, track_bfd) is a note: Keepalived 2.2.7 has no reason to say it", async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n use_vmac\n use_vmac_addr\n use_ipvlan iv1\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = checkHost(config, host(['eth0']));
  assert.equal(got.length, 2);
  assert.ok(got.every((d) => d.severity === 'note'));
});

test('a loopback interface is refused in Keepalived 2.2.7\'s words, and the instance then has none', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'vrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = checkHost(config, { ...host(['lo']), isLoopback: (n) => n === 'lo' }).map((d) => `${d.pos?.line ?? '-'} ${d.severity}: ${d.message}`);
  assert.deepEqual(got, ['2 warning: (VI_1) cannot use a loopback interface (lo) for vrrp - ignoring', '- warning: (VI_1) Unknown interface!']);
});

test('under net_namespace the interfaces are another namespace\'s: not checked here (as Keepalived 2.2.7)', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'net_namespace blue\nvrrp_instance VI_1 {\n interface eth7\n virtual_router_id 1\n track_interface {\n  eth8\n }\n virtual_ipaddress {\n  10.0.0.9/24\n }\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  assert.deepEqual(checkHost(config, host(['lo'])), []);
});

test('vrrp_script and global script users are checked where Keepalived 2.2.7 checks them, in its words', async () => {
  const { memoryConfigFs } = await import('../../src/config/fs.js');
  const text = 'global_defs {\n script_user nobody_here\n}\nvrrp_script chk {\n script "/bin/true x"\n user root nogroup_here\n}\n';
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) });
  const got = checkHost(config, host([])).map((d) => `${d.pos?.line} ${d.severity}: ${d.message}`);
  assert.deepEqual(got, ['2 warning: Error setting global script uid/gid', "6 warning: Unable to set uid/gid for script '/bin/true' 'x'"]);
});
