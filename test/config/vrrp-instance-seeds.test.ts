/**
 * The seed configurations' VRRP parts load with exactly the fields they set, plus Keepalived's
 * defaults. Expected values are read off the seed files (and keepalived.conf(5) for defaults).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import type { KeepalivedConfig } from '../../src/config/model.js';

// dist/test/config -> the source tree's test/fixtures/seeds.
const SEEDS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/seeds');

function seed(name: string) {
  const r = loadConfig(path.join(SEEDS, name), { configId: 'x' });
  const vrrpProblems = r.diagnostics.filter((d) => /VI_|vrrp|VRRP|Sync group|HA_WebServer|YN_API/.test(d.message));
  return { config: r.config, vrrpProblems, all: r.diagnostics };
}

function inst(c: KeepalivedConfig, name: string) {
  const i = c.vrrp_instance.find((x) => x.name === name);
  assert.ok(i, `instance ${name}`);
  return i;
}

test('000: MASTER/BACKUP pair with PASS authentication', () => {
  for (const [file, state, priority] of [
    ['000-lvs-server1.conf', 'MASTER', 150],
    ['000-lvs-server2.conf', 'BACKUP', 100],
  ] as const) {
    const { config, vrrpProblems } = seed(file);
    assert.deepEqual(vrrpProblems, []);
    assert.equal(config.vrrp_instance.length, 1);
    const i = inst(config, 'VI_1');
    assert.equal(i.state, state);
    assert.equal(i.priority, priority);
    assert.equal(i.interface, 'ens32');
    assert.equal(i.virtual_router_id, 51);
    assert.equal(i.advert_int, 1);
    assert.equal(i.authentication?.auth_type, 'PASS');
    assert.equal(i.authentication?.auth_pass, '1111');
    assert.equal(i.virtual_ipaddress.length, 1);
    assert.equal(i.virtual_ipaddress[0]!.address, '192.168.100.14');
    assert.equal(i.virtual_ipaddress[0]!.prefixlen, 24);
    assert.equal(i.pos.line, 6);
    assert.equal(i.version, 2);
    assert.equal(i.nopreempt, false);
  }
});

test('001: sync group of two nopreempt instances with track_interface', () => {
  for (const [file, priority] of [
    ['001-serverA.conf', 100],
    ['001-serverB.conf', 90],
  ] as const) {
    const { config, vrrpProblems } = seed(file);
    // Each instance tracks its own interface too; Keepalived drops that entry with a warning.
    assert.deepEqual(
      vrrpProblems.map((d) => `${d.pos?.line}: ${d.message}`),
      ['45: (VI_1) Ignoring track_interface eno16777736 since own interface', '85: (VI_2) Ignoring track_interface eno33554984 since own interface'],
    );
    const g = config.vrrp_sync_group;
    assert.equal(g.length, 1);
    assert.equal(g[0]!.name, 'VG1');
    assert.deepEqual(g[0]!.group, ['VI_1', 'VI_2']);
    const a = inst(config, 'VI_1');
    const b = inst(config, 'VI_2');
    for (const i of [a, b]) {
      assert.equal(i.state, 'BACKUP');
      assert.equal(i.priority, priority);
      assert.equal(i.nopreempt, true);
      assert.equal(i.advert_int, 1);
      assert.equal(i.sync_group, 'VG1');
      assert.equal(i.authentication?.auth_type, 'PASS');
    }
    assert.equal(a.interface, 'eno16777736');
    assert.equal(a.virtual_router_id, 51);
    assert.equal(a.authentication?.auth_pass, '1111');
    assert.deepEqual(a.track_interface.map((t) => [t.name, t.weight]), [['eno33554984', 0]]);
    assert.deepEqual(a.virtual_ipaddress.map((v) => `${v.address}/${v.prefixlen}`), ['192.168.1.111/32']);
    assert.equal(b.interface, 'eno33554984');
    assert.equal(b.virtual_router_id, 52);
    assert.equal(b.authentication?.auth_pass, '2222');
    assert.deepEqual(b.track_interface.map((t) => t.name), ['eno16777736']);
  }
});

test('002: unicast with vrrp_script and notify scripts', () => {
  const { config, vrrpProblems } = seed('002-proxy101.conf');
  assert.deepEqual(vrrpProblems, []);
  const i = inst(config, 'YN_API_GATEWAY');
  assert.equal(i.state, 'MASTER');
  assert.equal(i.priority, 200);
  assert.equal(i.interface, 'em1');
  assert.equal(i.virtual_router_id, 101);
  assert.equal(i.unicast_src_ip, '192.168.0.101');
  assert.deepEqual(i.unicast_peer.map((p) => p.address), ['192.168.0.102']);
  assert.equal(i.unicast, true);
  assert.equal(i.unicast_ttl, 255);
  assert.equal(i.mcast_dst_ip, undefined);
  assert.equal(i.authentication?.auth_pass, 'testpass');
  // Not in a sync group, not address owner: the script keeps vrrp_script's weight 2.
  assert.deepEqual(i.track_script.map((t) => [t.name, t.weight, t.reverse]), [['chk_nginx', 2, false]]);
  // `notify_master /path x` runs /path as user x (Keepalived's notify script parsing).
  assert.deepEqual(i.notify_master?.args, ['/usr/local/bin/keepalived_notify.sh']);
  assert.equal(i.notify_master?.user, 'notify_master');
  assert.equal(i.notify_backup?.user, 'notify_backup');
  assert.equal(i.notify_fault?.user, 'notify_fault');
  assert.equal(i.notify?.user, 'notify');
  assert.equal(i.smtp_alert, true);
});

test('004: garp refresh settings', () => {
  for (const [file, priority] of [
    ['004-keepalived.conf', 100],
    ['004-keepalived-backup.conf', 99],
  ] as const) {
    const { config, vrrpProblems } = seed(file);
    assert.deepEqual(vrrpProblems, []);
    const i = inst(config, 'HA_WebServer');
    assert.equal(i.state, 'MASTER');
    assert.equal(i.priority, priority);
    assert.equal(i.interface, 'eth1');
    assert.equal(i.virtual_router_id, 18);
    assert.equal(i.garp_master_refresh, 10);
    assert.equal(i.garp_master_refresh_repeat, 2);
    // Not set in the file: Keepalived's defaults.
    assert.equal(i.garp_master_delay, 5);
    assert.equal(i.garp_master_repeat, 5);
    assert.equal(i.authentication?.auth_pass, '123456');
    assert.deepEqual(i.virtual_ipaddress.map((v) => `${v.address}/${v.prefixlen}`), ['192.168.88.100/24']);
  }
});
