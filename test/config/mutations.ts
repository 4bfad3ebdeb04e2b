/**
 * The configurations the front end is tried on (seeds and Keepalived's samples) and the ways they
 * are mutated, shared by the property test (test/config/property.test.ts) and the fuzz target
 * (test/fuzz/targets-config.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { memoryConfigFs } from '../../src/config/fs.js';
import type { LoadOptions } from '../../src/config/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const DIRS = [path.join(repo, 'test/fixtures/seeds'), path.join(repo, 'test/fixtures/keepalived-samples')];
export const MAIN = '/etc/keepalived/keepalived.conf';

export const corpus: Array<{ name: string; text: string }> = DIRS.flatMap((dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f !== 'README.md')
        .sort()
        .map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }))
    : [],
);

export const opts = (text: string, extra: Record<string, string> = {}): LoadOptions => ({
  fs: memoryConfigFs({ [MAIN]: text, '/etc/keepalived/conf.d/x.conf': 'vrrp_script chk { script "true" }\n', ...extra }),
  configId: 'host',
  env: {},
  random: (min) => min,
});

/** Keepalived-flavoured noise: the characters and constructs the lexer treats specially. */
export const TOKENS = ['{', '}', '"', '$', '@', '@^host ', '~SEQ(', '~SEQ(i, 1, 3) ', '~LST(', '\\', '#', '!', '${', '$X=', '${_RANDOM 9 1}',
  'include conf.d/*.conf', 'includea nope/{a,b}', '\r', '\t', '\u0000', '\uE000', '0x', '-', '.', ':', '/'];

export type Mutation = (lines: string[]) => string[];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
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

