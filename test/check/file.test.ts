/**
 * FILE_CHECK: the verdict rules, and the checker process following a real file: a server whose
 * file says down never enters the pool, a weight follows the number, a write moves it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileVerdict } from '../../src/check/file.js';
import { checkerDriver } from '../../src/check/index.js';
import { systemClock } from '../../src/daemon/clock.js';
import { memoryLogger } from '../../src/daemon/log.js';
import { trackFileWatcher } from '../../src/daemon/check/file-watch.js';
import { CheckRuntime } from '../../src/daemon/check/runtime.js';
import { tcpDialer } from '../../src/os/dial.js';
import { realSpawner } from '../../src/daemon/track/script-exec.js';
import { load } from '../config/lvs-helpers.js';

test('verdicts: weight 0 is up/down on zero, a weight adds value x weight, reverse negates', () => {
  assert.deepEqual(fileVerdict(0, 0, false).ok, true);
  assert.deepEqual(fileVerdict(3, 0, false).ok, false);
  assert.deepEqual(fileVerdict(0, 0, true).ok, false);
  assert.equal(fileVerdict(5, 2, false).weightDelta, 10);
  assert.equal(fileVerdict(5, 2, true).weightDelta, -10);
  assert.equal(fileVerdict(-2147483648, 1, false).ok, false, 'IPVS_WEIGHT_FAULT');
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
