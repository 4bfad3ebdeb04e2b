/**
 * The loaded model holds no own property whose value is undefined: an unset value is an absent
 * key, as `config --json`, the -d dump and every deep comparison expect. The real-server and
 * checker readers start from literals that name fields finish resolves later, unset (for V8's
 * sake: real-server.ts, checkers/common.ts); this holds them to resolving each one.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs = ['test/fixtures/config-test', 'test/fixtures/keepalived-samples'].map((d) => path.join(repo, d));

/** Paths (`.virtual_server.0.real_server.1.weight`) of own properties set to undefined. */
function undefinedFields(model: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (o: unknown, at: string): void => {
    if (o === null || typeof o !== 'object' || seen.has(o)) return;
    seen.add(o);
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) found.push(`${at}.${k}`);
      else walk(v, `${at}.${k}`);
    }
  };
  walk(model, '');
  return found;
}

test('no field of a loaded model is present and undefined (every fixture and sample)', () => {
  let read = 0;
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.conf') || n.startsWith('keepalived.conf'))) {
      const { config } = loadConfig(path.join(dir, f), { configId: 'model-fields' });
      assert.deepEqual(undefinedFields(config), [], f);
      read++;
    }
  }
  assert.ok(read >= 40, `read ${read} files`);
});

test('the check sees a field left unset', () => {
  assert.deepEqual(undefinedFields({ a: [{ b: 1, c: undefined }] }), ['.a.0.c']);
});
