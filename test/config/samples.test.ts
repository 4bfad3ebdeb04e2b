/**
 * Every configuration of the seed articles and every sample Keepalived ships loads, and the
 * problems reported are exactly those Keepalived 2.2.7 reports (`keepalived -t`, measured), at
 * the same lines, plus the few that newer Keepalived (its current source) adds: marked "newer".
 * Host-dependent warnings (interfaces that do not exist on this machine) are not part of loading
 * and are left out here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const samples = path.join(repo, 'test/fixtures/keepalived-samples');
const seeds = path.join(repo, 'test/fixtures/seeds');

interface Expect {
  readonly line: number;
  readonly re: RegExp;
}

/** What Keepalived 2.2.7 reports for each file (config problems only), by line. */
const EXPECTED: Record<string, readonly Expect[]> = {
  // newer: the host block is deprecated in favour of one SMTP_CHECK per host.
  'keepalived.conf.SMTP_CHECK': [
    { line: 64, re: /SMTP_CHECK host block is deprecated/ },
    { line: 95, re: /SMTP_CHECK host block is deprecated/ },
  ],
  // newer: the same address twice in one virtual_ipaddress block.
  'keepalived.conf.vrrp': [{ line: 32, re: /VIP duplicates a VIP 192\.168\.200\.18/ }],
  // 2.2.7 says so too once the interfaces exist (it stops earlier on this machine's missing ones).
  '001-serverA.conf': [
    { line: 45, re: /Ignoring track_interface eno16777736 since own interface/ },
    { line: 85, re: /Ignoring track_interface eno33554984 since own interface/ },
  ],
  '001-serverB.conf': [
    { line: 45, re: /Ignoring track_interface eno16777736 since own interface/ },
    { line: 85, re: /Ignoring track_interface eno33554984 since own interface/ },
  ],
  'keepalived.conf.fwmark': [{ line: 12, re: /protocol .*ignored/ }],
  'keepalived.conf.track_interface': [{ line: 31, re: /cannot track route 192\.168\.112\.0\/24/ }],
  'keepalived.conf.vrrp.lvs_syncd': [
    { line: 4, re: /Unknown keyword 'VI_2'/ },
    { line: 5, re: /Unknown keyword 'VI_3'/ },
    { line: 11, re: /lvs_sync_daemon_interface.*deprecated/ },
    // the group's only lines were unknown keywords, so it has no virtual routers.
    { line: 3, re: /Sync group VG1 has no virtual router\(s\)/ },
  ],
  'keepalived.conf.vrrp.routes': [
    { line: 29, re: /cannot track route/ },
    { line: 30, re: /"or" for routes is deprecated|cannot track route/ },
    { line: 31, re: /cannot track route/ },
    { line: 32, re: /"gw" for routes is deprecated|cannot track route/ },
  ],
  'keepalived.conf.vrrp.rules': [
    { line: 10, re: /no preference/ },
    { line: 11, re: /192\.168\.100\.\/24/ },
    { line: 25, re: /no preference/ },
    { line: 26, re: /192\.168\.200\.\/24/ },
  ],
  'keepalived.conf.vrrp.static_ipaddress': [{ line: 25, re: /cannot track route/ }],
  'keepalived.conf.SSL_GET': [{ line: 0, re: /master is incompatible with AH authentication/ }],
  'keepalived__etc__keepalived__keepalived.conf': [
    { line: 15, re: /vrrp_garp_interval.*'0'/ },
    { line: 16, re: /vrrp_gna_interval.*'0'/ },
    { line: 0, re: /State MASTER must match being address owner/ },
    { line: 0, re: /[Ss]trict mode does not support authentication/ },
  ],
  'keepalived__etc__keepalived__keepalived.conf.sample.in': [
    { line: 15, re: /vrrp_garp_interval.*'0'/ },
    { line: 16, re: /vrrp_gna_interval.*'0'/ },
    { line: 0, re: /State MASTER must match being address owner/ },
    { line: 0, re: /[Ss]trict mode does not support authentication/ },
    { line: 0, re: /accept mode for VRRP version 2 does not comply with RFC3768/ },
  ],
  '003-director.conf': [
    { line: 7, re: /Unknown keyword 'smtp_connection_timeout'/ },
    { line: 29, re: /Unknown keyword 'nat_mask'/ },
    { line: 30, re: /persistence_timeout.*'0'.*\[1, 2678400\]/ },
    { line: 36, re: /nb_get_retry/ },
    { line: 45, re: /nb_get_retry/ },
  ],
  '004-keepalived.conf': [{ line: 38, re: /Unknown keyword 'nat_mask'/ }],
  '004-keepalived-backup.conf': [{ line: 38, re: /Unknown keyword 'nat_mask'/ }],
};

function configs(): Array<{ name: string; file: string; configId: string }> {
  const out: Array<{ name: string; file: string; configId: string }> = [];
  for (const name of fs.readdirSync(samples).sort()) {
    if (name === 'README.md') continue;
    const file = path.join(samples, name);
    if (name === 'keepalived.conf.conditional_conf') {
      out.push({ name: `${name} -i high`, file, configId: 'high' }, { name: `${name} -i low`, file, configId: 'low' });
    } else out.push({ name, file, configId: 'test-host' });
  }
  for (const name of fs.readdirSync(seeds).sort()) out.push({ name, file: path.join(seeds, name), configId: 'test-host' });
  return out;
}

for (const c of configs()) {
  test(`loads ${c.name} with Keepalived's diagnostics`, () => {
    const { diagnostics } = loadConfig(c.file, { configId: c.configId });
    const expected = EXPECTED[path.basename(c.file)] ?? [];
    const shown = diagnostics.map((d) => `${d.pos?.line ?? 0}: ${d.message}`).join('\n');
    // Every expected problem is reported (at its line when Keepalived names one) ...
    for (const e of expected) {
      const hit = diagnostics.some((d) => e.re.test(d.message) && (e.line === 0 || d.pos?.line === e.line));
      assert.ok(hit, `expected ${e.re} at line ${e.line} in ${c.name}; got:\n${shown}`);
    }
    // ... and nothing else: no line Keepalived finds clean is reported.
    const lines = new Set(expected.map((e) => e.line));
    const extra = diagnostics.filter((d) => !expected.some((e) => e.re.test(d.message)) && !lines.has(d.pos?.line ?? 0));
    assert.deepEqual(extra.map((d) => `${d.pos?.line}: ${d.message}`), [], `unexpected diagnostics in ${c.name}`);
  });
}

test('the conditional sample takes the priority of its config id', () => {
  const file = path.join(samples, 'keepalived.conf.conditional_conf');
  const high = loadConfig(file, { configId: 'high' }).config;
  const low = loadConfig(file, { configId: 'low' }).config;
  assert.equal(high.net_namespace, 'high');
  assert.equal(low.net_namespace, 'low');
  assert.equal(high.vrrp_instance[0]?.priority, 170);
  assert.equal(low.vrrp_instance[0]?.priority, 85);
});
