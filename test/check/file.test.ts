/**
 * FILE_CHECK: the verdict rules (check_file.c / track_file.c), the watch following a real temp
 * file the test rewrites, and the checker process: a server whose file says down never enters
 * the pool, a weight follows the number, a write moves it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileVerdict, fileWatch } from '../../src/check/file.js';
import type { ProbeResult } from '../../src/check/types.js';
import type { FileCheck } from '../../src/config/sections/checkers/file.js';
import { checkerDriver } from '../../src/check/index.js';
import { systemClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { trackFileWatcher } from '../../src/daemon/check/file-watch.js';
import { CheckRuntime } from '../../src/daemon/check/runtime.js';
import { tcpDialer } from '../../src/os/dial.js';
import { realSpawner } from '../../src/base/spawn.js';
import { load } from '../config/lvs-helpers.js';

test('verdicts: weight 0 is up/down on zero, a weight adds value x weight, reverse negates', () => {
  assert.deepEqual(fileVerdict(0, 0, false).ok, true);
  assert.deepEqual(fileVerdict(3, 0, false).ok, false);
  assert.deepEqual(fileVerdict(0, 0, true).ok, false);
  assert.equal(fileVerdict(5, 2, false).weightDelta, 10);
  assert.equal(fileVerdict(5, 2, true).weightDelta, -10);
  assert.equal(fileVerdict(-2147483648, 1, false).ok, false, 'IPVS_WEIGHT_FAULT');
  assert.equal(fileVerdict(-2147483647, 1, false).ok, true, 'one above the fault value');
  assert.equal(fileVerdict(2147483647, 1, true).ok, true, 'reverse of INT32_MAX is -INT32_MAX: not a fault');
  assert.equal(fileVerdict(-1073741824, 4, false).ok, false, 'the product, clamped to int32, is the fault value');
  assert.equal(fileVerdict(1073741824, 4, false).weightDelta, 2147483647, 'clamped to INT32_MAX (weight_range)');
});

test('the watch follows a temp file: at once, then each rewrite; weight 0 reverse is down on zero', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-filew-'));
  const file = path.join(dir, 'state');
  fs.writeFileSync(file, '0\n');
  const cfg = load(`track_file f {\n file ${file}\n weight 5\n}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.11 80 {\n FILE_CHECK {\n track_file f\n }\n FILE_CHECK {\n track_file f\n weight 0 reverse\n }\n }\n}\n`);
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === 'error'), []);
  const [byWeight, byZero] = cfg.config.virtual_server[0]!.real_server[0]!.checkers as FileCheck[];
  assert.equal(byWeight!.weight, 5, 'the track_file\'s weight when the FILE_CHECK sets none');
  const log = memoryLogger();
  const seen: { w: ProbeResult[]; z: ProbeResult[] } = { w: [], z: [] };
  const w = fileWatch(byWeight!, cfg.config, trackFileWatcher(log, false))!;
  const z = fileWatch(byZero!, cfg.config, trackFileWatcher(log, false))!;
  const until = async (ok: () => boolean) => {
    const end = Date.now() + 5000;
    while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  };
  try {
    w.start((r) => seen.w.push(r));
    z.start((r) => seen.z.push(r));
    assert.deepEqual([seen.w[0]?.ok, seen.w[0]?.weightDelta], [true, 0]);
    assert.equal(seen.z[0]?.ok, false, 'weight 0 reverse: zero is down');
    fs.writeFileSync(file, '3\n');
    await until(() => seen.w.length > 1 && seen.z.length > 1);
    assert.deepEqual([seen.w.at(-1)?.ok, seen.w.at(-1)?.weightDelta], [true, 15]);
    assert.equal(seen.z.at(-1)?.ok, true);
    fs.rmSync(file);
    await until(() => seen.w.at(-1)?.weightDelta === 0);
    assert.equal(seen.w.at(-1)?.weightDelta, 0, 'a deleted file reads 0');
    fs.writeFileSync(file, '-429496730\n');
    await until(() => seen.w.at(-1)?.ok === false);
    assert.equal(seen.w.at(-1)?.ok, false, '-429496730 x 5 is below INT32_MIN: fault');
  } finally {
    w.stop();
    z.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the checker process reads the files first, then follows writes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-file-'));
  const down = path.join(dir, 'down');
  const weight = path.join(dir, 'weight');
  fs.writeFileSync(down, '1\n');
  fs.writeFileSync(weight, '4\n');
  const cfg = load(`track_file fdown {\n file ${down}\n weight 0\n}\ntrack_file fweight {\n file ${weight}\n}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.11 80 {\n weight 2\n FILE_CHECK {\n track_file fdown\n }\n }\n real_server 10.0.0.12 80 {\n weight 2\n FILE_CHECK {\n track_file fweight\n weight 3\n }\n }\n}\n`);
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === 'error'), []);
  const pools: string[] = [];
  const log = memoryLogger();
  const rt = new CheckRuntime(cfg.config, {
    clock: systemClock, log, random: () => 0,
    driverFor: (c) => checkerDriver(c, {
      config: cfg.config, dial: tcpDialer, scripts: { spawner: realSpawner, identity: () => ({ uid: 0, gid: 0 }) },
      icmp: { open: () => { throw new Error('unused'); } }, watchFile: trackFileWatcher(log, false),
    }),
    events: { realServer: () => undefined, quorum: () => undefined, pool: (_v, _vs, e) => pools.push(e.map((x) => `${x.ip}=${x.weight}`).join(',')) },
  });
  try {
    rt.start();
    assert.deepEqual(pools, ['10.0.0.12=14'], 'fdown says 1: out from the start; 2 + 4 x 3 = 14');
    fs.writeFileSync(down, '0\n');
    fs.writeFileSync(weight, '1\n');
    const until = Date.now() + 5000;
    while (pools.at(-1) !== '10.0.0.11=2,10.0.0.12=5' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(pools.at(-1), '10.0.0.11=2,10.0.0.12=5');
  } finally {
    rt.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
