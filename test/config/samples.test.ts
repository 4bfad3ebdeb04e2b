/**
 * Every configuration of the seed articles and every sample Keepalived ships loads. What Keepalived
 * 2.2.7's `-t` says about them, line by line, is config-test-golden.test.ts's business (recorded
 * from the real keepalived); this file keeps what that comparison cannot see:
 *   - the notes: what only newer Keepalived versions say, shown by `-t` but not counted;
 *   - the messages 2.2.7 gives only when the instance's interfaces exist (the golden files were
 *     recorded where they do not, and 2.2.7 then stops checking the instance), measured with them.
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

/** The notes of each file, by line: newer Keepalived's messages, which 2.2.7 does not give. */
const NOTES: Record<string, readonly Expect[]> = {
  // The host block is deprecated in favour of one SMTP_CHECK per host.
  'keepalived.conf.SMTP_CHECK': [
    { line: 64, re: /SMTP_CHECK host block is deprecated/ },
    { line: 95, re: /SMTP_CHECK host block is deprecated/ },
  ],
  // The same address twice in one virtual_ipaddress block.
  'keepalived.conf.vrrp': [{ line: 32, re: /VIP duplicates a VIP 192\.168\.200\.18/ }],
};

/** What 2.2.7 says once the interfaces exist, all line-less in its output (ours name the line). */
const WITH_INTERFACES: Record<string, readonly Expect[]> = {
  '001-serverA.conf': [
    { line: 0, re: /Ignoring track_interface eno16777736 since own interface/ },
    { line: 0, re: /Ignoring track_interface eno33554984 since own interface/ },
  ],
  '001-serverB.conf': [
    { line: 0, re: /Ignoring track_interface eno16777736 since own interface/ },
    { line: 0, re: /Ignoring track_interface eno33554984 since own interface/ },
  ],
  'keepalived.conf.SSL_GET': [{ line: 0, re: /master is incompatible with AH authentication/ }],
  'keepalived.conf.vrrp.lvs_syncd': [{ line: 0, re: /Sync group VG1 has no virtual router\(s\)\. removing/ }],
  'keepalived__etc__keepalived__keepalived.conf': [
    { line: 0, re: /State MASTER must match being address owner/ },
    { line: 0, re: /[Ss]trict mode does not support authentication/ },
  ],
  'keepalived__etc__keepalived__keepalived.conf.sample.in': [
    { line: 0, re: /State MASTER must match being address owner/ },
    { line: 0, re: /[Ss]trict mode does not support authentication/ },
    { line: 0, re: /accept mode for VRRP version 2 does not comply with RFC3768/ },
  ],
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
  test(`loads ${c.name}: its notes, and what Keepalived 2.2.7 says with the interfaces present`, () => {
    const { diagnostics } = loadConfig(c.file, { configId: c.configId });
    const base = path.basename(c.file);
    const shown = diagnostics.map((d) => `${d.pos?.line ?? 0} ${d.severity}: ${d.message}`).join('\n');
    const notes = diagnostics.filter((d) => d.severity === 'note');
    const expectedNotes = NOTES[base] ?? [];
    assert.equal(notes.length, expectedNotes.length, `notes of ${c.name}:\n${shown}`);
    for (const e of expectedNotes) {
      assert.ok(notes.some((d) => e.re.test(d.message) && d.pos?.line === e.line), `note ${e.re} at line ${e.line} in ${c.name}:\n${shown}`);
    }
    for (const e of WITH_INTERFACES[base] ?? []) {
      const hit = diagnostics.some((d) => d.severity !== 'note' && e.re.test(d.message) && (e.line === 0 || d.pos?.line === e.line));
      assert.ok(hit, `expected ${e.re} at line ${e.line} in ${c.name}; got:\n${shown}`);
    }
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
