/**
 * The fuzz harness: one target is an input generator (fast-check) and a function that must, for
 * any input, return or throw only the target's own typed error, never a crash (TypeError, a
 * RangeError from a Buffer read, a stack overflow), and do so within a time bound per case.
 *
 * The seed is fixed, so a failure is replayed by running again; the number of runs comes from
 * KTS_FUZZ_RUNS (a few thousand in the tests, 10^5 or more in bench/fuzz.ts).
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';

export interface FuzzTarget<T> {
  readonly name: string;
  readonly input: fc.Arbitrary<T>;
  /** One case: returns, or throws. Its own checks (result shape, size bounds) throw plain Errors. */
  readonly run: (input: T) => void;
  /** The target's typed errors: thrown by design, not a crash. */
  readonly expected?: (e: unknown) => boolean;
  /** Runs in the tests when its cases are slow (the default is DEFAULT_CI_RUNS). */
  readonly ciRuns?: number;
}

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** A case slower than this fails (a hang in the making). */
  readonly maxCaseMs: number;
}

export interface FuzzOutcome {
  readonly name: string;
  readonly runs: number;
  readonly ms: number;
  readonly slowestMs: number;
  /** fast-check's report with the shrunk counterexample, when a case failed. */
  readonly failure?: string;
}

export const DEFAULT_SEED = 20261201;
export const DEFAULT_CI_RUNS = 2000;
export const MAX_CASE_MS = 1000;

/** The number of runs per target: KTS_FUZZ_RUNS, or `fallback`. */
export function runsFromEnv(fallback = DEFAULT_CI_RUNS): number {
  const n = Number(process.env['KTS_FUZZ_RUNS']);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function seedFromEnv(): number {
  const n = Number(process.env['KTS_FUZZ_SEED']);
  return Number.isInteger(n) ? n : DEFAULT_SEED;
}

/** Runs one case the way the harness does; throws what the property would report. */
export function runCase<T>(target: FuzzTarget<T>, input: T, maxCaseMs = MAX_CASE_MS): number {
  const t0 = performance.now();
  try {
    target.run(input);
  } catch (e) {
    if (!target.expected?.(e)) throw e;
  }
  const ms = performance.now() - t0;
  if (ms > maxCaseMs) throw new Error(`${target.name}: one case took ${ms.toFixed(0)} ms (bound ${maxCaseMs} ms)`);
  return ms;
}

export function fuzz<T>(target: FuzzTarget<T>, o: FuzzOptions): FuzzOutcome {
  let slowestMs = 0;
  const t0 = performance.now();
  const details = fc.check(
    fc.property(target.input, (input) => {
      slowestMs = Math.max(slowestMs, runCase(target, input, o.maxCaseMs));
    }),
    { numRuns: o.runs, seed: o.seed },
  );
  const ms = performance.now() - t0;
  const failure = details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : undefined;
  return { name: target.name, runs: details.numRuns, ms, slowestMs, ...(failure !== undefined ? { failure } : {}) };
}

// ---- Byte mutations shared by the binary targets -------------------------------------------

/** One change to a byte string: what a damaged or hostile packet looks like. */
export type ByteMutation = (b: Uint8Array) => Uint8Array;

const at = (i: number, len: number) => (len === 0 ? 0 : i % len);

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // bit flip
  fc.tuple(fc.nat(), fc.nat(7)).map(([i, bit]): ByteMutation => (b) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    out[at(i, b.length)]! ^= 1 << bit;
    return out;
  }),
  // truncation
  fc.nat().map((n): ByteMutation => (b) => b.slice(0, n % (b.length + 1))),
  // insertion
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([i, ins]): ByteMutation => (b) => {
    const k = i % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, k), ...ins, ...b.subarray(k)]);
  }),
  // a byte set to an edge value
  fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0xf0, 0xff)).map(([i, v]): ByteMutation => (b) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    out[at(i, b.length)] = v;
    return out;
  }),
  // a 16-bit field set to a huge length
  fc.tuple(fc.nat(), fc.constantFrom(0xffff, 0x8000, 0x0000, 0x7fff)).map(([i, v]): ByteMutation => (b) => {
    if (b.length < 2) return b;
    const out = Uint8Array.from(b);
    const k = at(i, b.length - 1);
    out[k] = v >> 8;
    out[k + 1] = v & 0xff;
    return out;
  }),
  // a long tail of junk (or a repeated packet)
  fc.constantFrom(100, 1500, 65_535).map((n): ByteMutation => (b) => {
    const out = new Uint8Array(b.length + n);
    out.set(b);
    for (let i = b.length; i < out.length; i++) out[i] = b.length > 0 ? b[i % b.length]! : i & 0xff;
    return out;
  }),
);

export function mutate(b: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  return ms.reduce((acc, m) => m(acc), b);
}

/** Random bytes, short ones more often than long ones. */
export const randomBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }) },
);
