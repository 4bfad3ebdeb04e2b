/**
 * Fuzz target of the configuration front end (config/load.ts loadConfig over an in-memory tree):
 * random text, and the seed and sample configurations mutated as in test/config/property.test.ts
 * plus the shapes that stress a front end: deep nesting, a line of braces, very long lines,
 * parameters that expand to parameters, self-including files, loops. loadConfig returns (problems
 * as diagnostics) or throws a ConfigError; the heap it grows and the result it returns are bounded
 * by the input's size.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadConfig } from '../../src/config/load.js';
import { corpus, MAIN, mutation, opts, type Mutation } from '../config/mutations.js';
import type { FuzzTarget } from './harness.js';

const insertAt = (i: number, text: string): Mutation => (ls) => {
  const k = i % (ls.length + 1);
  return [...ls.slice(0, k), ...text.split('\n'), ...ls.slice(k)];
};

const stress: fc.Arbitrary<Mutation> = fc.oneof(
  // deep nesting, one block per line or all on one line
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 5000 }), fc.constantFrom('vrrp_instance A {', 'x {', '{', 'virtual_server 10.0.0.1 80 {'))
    .map(([i, n, open]) => insertAt(i, `${open}\n`.repeat(n))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('{', '}', '{ }', '"{'))
    .map(([i, n, b]) => insertAt(i, `global_defs ${b.repeat(n)}`)),
  // a very long line
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('a', 'a ', '"', '$X ', '\\', '#', '@', '~SEQ(')).map(([i, n, piece]) =>
    insertAt(i, `router_id ${piece.repeat(Math.ceil(n / piece.length))}`)),
  // parameters that expand to parameters: fan-out ** depth words per use
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 50 })).map(([i, fan, depth, uses]) => {
    const defs = [`$P0=w`];
    for (let d = 1; d <= depth; d++) defs.push(`$P${d}=${Array.from({ length: fan }, () => `$P${d - 1}`).join(' ')}`);
    return insertAt(i, [...defs, ...Array.from({ length: uses }, () => `notify_fifo $P${depth}`)].join('\n'));
  }),
  // a definition that uses itself, and a multi-line one
  fc.nat().map((i) => insertAt(i, '$SELF=$SELF x\nrouter_id $SELF\n$M=a \\\nb \\\nc\n$M')),
  // includes of the file itself, of a glob, nested includes
  fc.tuple(fc.nat(), fc.constantFrom('include keepalived.conf', 'include /etc/keepalived/*.conf', 'include conf.d/*', 'includea conf.d/{x,y,z}.conf', 'include ../../../../../etc/keepalived/keepalived.conf'))
    .map(([i, inc]) => insertAt(i, inc)),
  // loops, nested, small: a loop's lines are the input's by design (up to MAX_LOOP_ITERATIONS),
  // so the size bounds hold only for a few of them; bench/README.md has the large ones
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 })).map(([i, n, m]) =>
    insertAt(i, `~SEQ(i, 1, ${n}) ~SEQ(j, 1, ${m}) vrrp_script s_$i_$j { script "x $i" }`)),
);

export interface ConfigInput {
  readonly text: string;
}

const configInput: fc.Arbitrary<ConfigInput> = fc.oneof(
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => ({ text: Buffer.from(b).toString('latin1') })) },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(), fc.array(fc.oneof({ weight: 3, arbitrary: mutation }, { weight: 1, arbitrary: stress }), { minLength: 1, maxLength: 5 }))
      .map(([pick, ms]) => {
        let lines = corpus[pick % corpus.length]!.text.split('\n');
        for (const m of ms) lines = m(lines);
        return { text: lines.join('\n') };
      }),
  },
);

/** Heap a load may grow by: a base for the model and its tables, and a multiple of the input. */
export const heapBound = (inputBytes: number) => 64 * 1024 * 1024 + 2000 * inputBytes;
/** The result (model and diagnostics as JSON) against the input. */
export const resultBound = (inputBytes: number) => 1024 * 1024 + 200 * inputBytes;

export function checkLoad({ text }: ConfigInput): void {
  const heap0 = process.memoryUsage().heapUsed;
  const result = loadConfig(MAIN, opts(text));
  const grown = process.memoryUsage().heapUsed - heap0;
  const bytes = Buffer.byteLength(text);
  assert.ok(grown <= heapBound(bytes), `heap grew ${(grown / 1e6).toFixed(1)} MB for ${bytes} bytes of input`);
  const size = JSON.stringify(result).length;
  assert.ok(size <= resultBound(bytes), `a result of ${size} bytes for ${bytes} bytes of input`);
  for (const d of result.diagnostics) {
    assert.ok(d.severity === 'error' || d.severity === 'warning' || d.severity === 'note');
    if (d.pos) assert.ok(d.pos.file.length > 0 && Number.isInteger(d.pos.line) && d.pos.line > 0, `bad position ${JSON.stringify(d.pos)}`);
  }
}

export const configTarget: FuzzTarget<ConfigInput> = {
  name: 'config loadConfig',
  input: configInput,
  run: checkLoad,
  expected: (e) => e instanceof ConfigError,
  // A load of a sample takes milliseconds, the stress shapes up to a few hundred.
  ciRuns: 300,
};
