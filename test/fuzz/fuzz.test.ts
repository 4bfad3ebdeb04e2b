/**
 * The fuzz targets (test/fuzz/targets-*.ts) with a fixed seed and a bounded number of runs: a few
 * seconds in all. `KTS_FUZZ_RUNS=100000` runs more; bench/fuzz.ts prints the rates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz, MAX_CASE_MS, runsFromEnv, seedFromEnv } from './harness.js';
import { TARGETS } from './targets.js';

for (const target of TARGETS) {
  test(`fuzz: ${target.name} returns or throws its own error, within ${MAX_CASE_MS} ms a case`, () => {
    const out = fuzz(target, { runs: runsFromEnv(target.ciRuns), seed: seedFromEnv(), maxCaseMs: MAX_CASE_MS });
    assert.equal(out.failure, undefined, out.failure);
  });
}
