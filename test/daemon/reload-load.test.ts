/**
 * The VRRP process's reload reads its configuration on a worker thread (daemon/vrrp/reload-load.ts):
 * the same model as loadConfig() without the virtual servers, the same diagnostics, the same
 * errors, and this thread's event loop turns while the file is read (its timers, the adverts,
 * keep running).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadConfig } from '../../src/config/load.js';
import { loadVrrpPartOffThread, vrrpPartOf } from '../../src/daemon/vrrp/reload-load.js';
import { repo } from '../paths.js';

const dirs = ['test/fixtures/config-test', 'test/fixtures/keepalived-samples'].map((d) => path.join(repo, d));
const files = dirs.flatMap((d) => fs.readdirSync(d).filter((n) => n.endsWith('.conf') || n.startsWith('keepalived.conf')).map((n) => path.join(d, n)));

test('the thread gives loadConfig()\'s model without the virtual servers, and its diagnostics (every fixture and sample)', async () => {
  assert.ok(files.length >= 40, `${files.length} files`);
  for (const f of files) {
    const here = loadConfig(f, { configId: 'reload-load' });
    const there = await loadVrrpPartOffThread(f, { configId: 'reload-load' });
    assert.deepEqual(there.diagnostics, here.diagnostics, f);
    assert.deepEqual(there.config, vrrpPartOf(here.config), f);
    assert.ok(Object.isFrozen(there.config.global_defs), `${f}: frozen, as loadConfig() gives it`);
  }
});

test('the thread gives the virtual servers up and keeps everything else', () => {
  const withLvs = files.map((f) => loadConfig(f, { configId: 'reload-load' }).config).find((c) => c.virtual_server.length > 0 && c.vrrp_instance.length > 0);
  assert.ok(withLvs, 'a fixture with both');
  const part = vrrpPartOf(withLvs);
  assert.deepEqual([part.virtual_server, part.virtual_server_group], [[], []]);
  assert.deepEqual({ ...part, virtual_server: withLvs.virtual_server, virtual_server_group: withLvs.virtual_server_group }, withLvs);
});

test('a file that cannot be read rejects as loadConfig() throws: a ConfigError with its code', async () => {
  const missing = path.join(os.tmpdir(), `kts-reload-load-missing-${process.pid}.conf`);
  await assert.rejects(loadVrrpPartOffThread(missing, {}), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CONFIG_NOT_FOUND');
});

test("this thread's event loop turns while the thread reads a large file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-reload-load-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    const out = ['global_defs {', '  router_id reload_load', '}'];
    for (let v = 0; out.length < 20_000; v++) {
      out.push(`virtual_server 10.1.${v >> 8}.${v & 255} 80 {`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', `  real_server 10.2.${v >> 8}.${v & 255} 80 {`, '    weight 1', '  }', '}');
    }
    fs.writeFileSync(file, out.join('\n') + '\n');
    let turns = 0;
    let reading = true;
    const tick = () => {
      turns++;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    const loaded = await loadVrrpPartOffThread(file, {});
    reading = false;
    assert.equal(loaded.config.virtual_server.length, 0);
    // Read here, loadConfig() would have let no turn happen until it returned.
    assert.ok(turns > 10, `${turns} turns of the event loop`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('quiet: awaited before the thread starts and again before the answer is frozen and given', async () => {
  const f = files.find((x) => x.endsWith('keepalived.conf')) ?? files[0]!;
  const gates: Array<() => void> = [];
  const quiet = () => new Promise<void>((resolve) => gates.push(resolve));
  let done = false;
  const loading = loadVrrpPartOffThread(f, { configId: 'reload-load' }, quiet).then((r) => ((done = true), r));
  const settle = () => new Promise((r) => setTimeout(r, 300));
  await settle();
  assert.deepEqual([gates.length, done], [1, false], 'waiting for the first gap');
  gates[0]!();
  for (let i = 0; i < 50 && gates.length < 2; i++) await settle();
  assert.equal(gates.length, 2, 'the answer came and waits for a second gap');
  await settle();
  assert.equal(done, false, 'not given before the second gap');
  gates[1]!();
  const loaded = await loading;
  assert.deepEqual(loaded.config, vrrpPartOf(loadConfig(f, { configId: 'reload-load' }).config));
  assert.ok(Object.isFrozen(loaded.config.global_defs));
});
