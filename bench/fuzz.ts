/**
 * bench/fuzz: the fuzz targets of test/fuzz/ with many more cases, by hand, never in tests.
 *
 *   npm run build && KTS_FUZZ_RUNS=100000 node dist/bench/fuzz.js [--target NAME-SUBSTRING]
 *
 * Prints, per target, the cases run, the time, cases per second, the slowest case and the first
 * failure (fast-check's shrunk counterexample), if any. The seed is fixed (KTS_FUZZ_SEED to
 * change it), so a failure here is replayed by running again. Exits 1 when a target failed.
 */
import { fuzz, MAX_CASE_MS, runsFromEnv, seedFromEnv } from '../test/fuzz/harness.js';
import { TARGETS } from '../test/fuzz/targets.js';

const at = process.argv.indexOf('--target');
const only = at >= 0 ? process.argv[at + 1] : undefined;
const runs = runsFromEnv(100_000);
const seed = seedFromEnv();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(`fuzz: ${fmt(runs)} cases per target, seed ${seed}, bound ${MAX_CASE_MS} ms a case`);
let failed = false;
for (const target of TARGETS) {
  if (only !== undefined && !target.name.includes(only)) continue;
  const out = fuzz(target, { runs, seed, maxCaseMs: MAX_CASE_MS });
  const rate = out.runs / (out.ms / 1000);
  console.log(`  ${target.name.padEnd(28)} ${fmt(out.runs).padStart(8)} cases ${(out.ms / 1000).toFixed(1).padStart(7)} s ${fmt(rate).padStart(8)} cases/s  slowest ${out.slowestMs.toFixed(0)} ms  ${out.failure ? 'FAILED' : 'no failure'}`);
  if (out.failure) {
    failed = true;
    console.log(out.failure.split('\n').map((l) => `    ${l.slice(0, 400)}`).join('\n'));
  }
}
process.exitCode = failed ? 1 : 0;
