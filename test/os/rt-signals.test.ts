/**
 * Signals 36 and 63 must be caught, not kill the process: exporters send 36 for the JSON dump.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const mod = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/os/rt-signals.js');

test('a process that watches 36 and 63 receives them and lives on', async () => {
  const code = `
    const m = await import(${JSON.stringify(mod)});
    const got = [];
    if (!m.onSignalNumber(36, () => got.push(36)) || !m.onSignalNumber(63, () => got.push(63))) process.exit(3);
    process.stdout.write('ready\\n');
    const t = setInterval(() => { if (got.length === 2) { process.stdout.write(got.join(',') + '\\n'); clearInterval(t); } }, 10);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => { out += b; if (out.includes('ready')) resolve(); }));
  process.kill(child.pid!, 36);
  await new Promise((r) => setTimeout(r, 100));
  process.kill(child.pid!, 63);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
  assert.equal(signal, null, 'not killed by the signal');
  assert.equal(exitCode, 0);
  assert.match(out, /36,63/);
});
