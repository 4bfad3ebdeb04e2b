/**
 * Property tests of the whole front end: every seed and sample configuration, mutated at random,
 * loads without throwing anything but ConfigError, and every diagnostic with a position names a
 * file and a positive line. Loading is deterministic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadConfig } from '../../src/config/load.js';
import { corpus, MAIN, mutation, opts } from './mutations.js';

function check(text: string): void {
  let result;
  try {
    result = loadConfig(MAIN, opts(text));
  } catch (e) {
    if (e instanceof ConfigError) return;
    throw e;
  }
  for (const d of result.diagnostics) {
    assert.ok(d.severity === 'error' || d.severity === 'warning' || d.severity === 'note');
    assert.equal(typeof d.message, 'string');
    if (d.pos) {
      assert.ok(typeof d.pos.file === 'string' && d.pos.file.length > 0, `no file: ${d.message}`);
      assert.ok(Number.isInteger(d.pos.line) && d.pos.line > 0, `bad line ${d.pos.line}: ${d.message}`);
    }
  }
}

test('the corpus is there', () => {
  assert.ok(corpus.length >= 10, `only ${corpus.length} configurations found`);
});

test('mutated configurations load or fail with ConfigError, with well-formed diagnostics', () => {
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (pick, mutations) => {
      const base = corpus[pick % corpus.length]!;
      let lines = base.text.split('\n');
      for (const m of mutations) lines = m(lines);
      check(lines.join('\n'));
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20240501) },
  );
});

test('every unmutated configuration passes the same check', () => {
  for (const c of corpus) check(c.text);
});

test('loading is deterministic: the same input twice gives the same JSON', () => {
  for (const c of corpus) {
    const a = loadConfig(MAIN, opts(c.text));
    const b = loadConfig(MAIN, opts(c.text));
    assert.equal(JSON.stringify(a), JSON.stringify(b), c.name);
  }
});
