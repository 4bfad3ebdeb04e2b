/**
 * Property tests of the whole front end: every seed and sample configuration, mutated at random,
 * loads without throwing anything but ConfigError, and every diagnostic with a position names a
 * file and a positive line. Loading is deterministic.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/diagnostics.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig, type LoadOptions } from '../../src/config/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const DIRS = [path.join(repo, 'test/fixtures/seeds'), path.join(repo, 'test/fixtures/keepalived-samples')];
const MAIN = '/etc/keepalived/keepalived.conf';

const corpus: Array<{ name: string; text: string }> = DIRS.flatMap((dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f !== 'README.md')
        .sort()
        .map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }))
    : [],
);

const opts = (text: string, extra: Record<string, string> = {}): LoadOptions => ({
  fs: memoryConfigFs({ [MAIN]: text, '/etc/keepalived/conf.d/x.conf': 'vrrp_script chk { script "true" }\n', ...extra }),
  configId: 'host',
  env: {},
  random: (min) => min,
});

/** Keepalived-flavoured noise: the characters and constructs the lexer treats specially. */
const TOKENS = ['{', '}', '"', '$', '@', '@^host ', '~SEQ(', '~SEQ(i, 1, 3) ', '~LST(', '\\', '#', '!', '${', '$X=', '${_RANDOM 9 1}',
  'include conf.d/*.conf', 'includea nope/{a,b}', '\r', '\t', '\u0000', '\uE000', '0x', '-', '.', ':', '/'];

type Mutation = (lines: string[]) => string[];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (ls) => ls.filter((_, k) => k !== i % Math.max(ls.length, 1))),
  fc.nat().map((i): Mutation => (ls) => {
    const k = i % Math.max(ls.length, 1);
    return [...ls.slice(0, k), ls[k] ?? '', ...ls.slice(k)];
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (ls) => {
    const out = [...ls];
    const i = a % Math.max(out.length, 1);
    const j = b % Math.max(out.length, 1);
    [out[i], out[j]] = [out[j] ?? '', out[i] ?? ''];
    return out;
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...TOKENS)).map(([a, b, tok]): Mutation => (ls) => {
    const out = [...ls];
    const i = a % Math.max(out.length, 1);
    const l = out[i] ?? '';
    const at = b % (l.length + 1);
    out[i] = l.slice(0, at) + tok + l.slice(at);
    return out;
  }),
  fc.tuple(fc.nat(), fc.constantFrom('{', '}', '"', '$', '@', '~')).map(([a, ch]): Mutation => (ls) => {
    const out = [...ls];
    const i = a % Math.max(out.length, 1);
    out[i] = (out[i] ?? '').split(ch).join('');
    return out;
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([a, b, bytes]): Mutation => (ls) => {
    const out = [...ls];
    const i = a % Math.max(out.length, 1);
    const l = out[i] ?? '';
    const at = b % (l.length + 1);
    out[i] = l.slice(0, at) + String.fromCharCode(...bytes) + l.slice(at);
    return out;
  }),
  fc.nat().map((n): Mutation => (ls) => ls.slice(0, n % (ls.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom('99999999999999999999', '-1', '-2147483649', '4294967296', '1e309', 'NaN', '0x', '1.5.6', '', '00000000000000001')).map(
    ([a, v]): Mutation => (ls) => {
      const out = [...ls];
      const i = a % Math.max(out.length, 1);
      out[i] = (out[i] ?? '').replace(/\d+/g, v);
      return out;
    },
  ),
);

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
