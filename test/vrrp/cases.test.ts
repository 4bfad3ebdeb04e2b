/**
 * The scripted cases in test/vrrp/cases/: each file is a scenario with its expectations, readable
 * on its own (see src/sim/script.ts for the small language).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScript } from '../../src/sim/script.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/vrrp/cases');

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`case ${file}`, () => {
    assert.deepEqual(runScript(fs.readFileSync(path.join(dir, file), 'utf8')), []);
  });
}

test('the harness reports an expectation that does not hold, with its line', () => {
  const failures = runScript('node A addr=10.0.0.1 prio=150\nrun 1s\nexpect master 51 A\n');
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /^line 3 .*master of VRID 51 is none, expected A/);
});
