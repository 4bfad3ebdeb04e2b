/**
 * The bundled command line (dist/src/cli/front-bundle.cjs, tools/bundle-cli.ts), which bin runs
 * for `-t`, against the ES modules it was built from: the same outcome and the same output for
 * each command line, on every config-test fixture and Keepalived's samples; and bin, run as users
 * run it, prints what main() prints.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundledCommandLine } from '../../src/cli/front-bundle.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bundlePath = path.join(repo, 'dist/src/cli/front-bundle.cjs');
const run = promisify(execFile);

function capture(f: (out: { stdout(t: string): void; stderr(t: string): void }) => unknown): { result: unknown; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const result = f({ stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { result, stdout, stderr };
}

const fixtures = path.join(repo, 'test/fixtures/config-test');
const samples = path.join(repo, 'test/fixtures/keepalived-samples');
const files = [
  ...fs.readdirSync(fixtures).filter((f) => f.endsWith('.conf')).map((f) => path.join(fixtures, f)),
  ...fs.readdirSync(samples).filter((f) => f.endsWith('.conf') || f.startsWith('keepalived.conf')).map((f) => path.join(samples, f)),
];

test('the bundle is built after the modules it comes from (npm run build / npm test)', () => {
  assert.ok(fs.statSync(bundlePath).mtimeMs >= fs.statSync(path.join(repo, 'dist/src/cli/front-bundle.js')).mtimeMs);
});

test('the bundle and the ES modules give the same outcome and output for each command line', () => {
  const bundled = (createRequire(import.meta.url)(bundlePath) as { bundledCommandLine: typeof bundledCommandLine }).bundledCommandLine;
  assert.ok(files.length > 20, `${files.length} files`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bundle-'));
  try {
    const lines: string[][] = [['-v'], ['-h'], ['--signum=STOP'], ['--signum=NOPE'], ['-t', '-q'], ['-n', '-l', '-f', files[0]!], ['-T', '--help'], ['stray', '-t', '-f', files[0]!]];
    for (const f of files) lines.push(['-t', '-f', f], ['-nlt', '-f', f, '-i', 'lb1'], [`--config-test=${path.join(dir, 'report.log')}`, `--use-file=${f}`]);
    for (const argv of lines) {
      const a = capture((out) => bundled(argv, out));
      const logA = fs.existsSync(path.join(dir, 'report.log')) ? fs.readFileSync(path.join(dir, 'report.log'), 'utf8') : '';
      fs.rmSync(path.join(dir, 'report.log'), { force: true });
      const b = capture((out) => bundledCommandLine(argv, out));
      const logB = fs.existsSync(path.join(dir, 'report.log')) ? fs.readFileSync(path.join(dir, 'report.log'), 'utf8') : '';
      fs.rmSync(path.join(dir, 'report.log'), { force: true });
      assert.deepEqual({ ...a, log: logA }, { ...b, log: logB }, argv.join(' '));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bin -t, through the bundle, prints and exits as main() does', async () => {
  const { main } = await import('../../src/cli/main.js');
  for (const f of files.slice(0, 6)) {
    let expected = '';
    const code = await main(['-t', '-f', f], { stdout: (t) => void (expected += t), stderr: (t) => void (expected += t) });
    const got = await run(process.execPath, [path.join(repo, 'bin/keepalived-ts'), '-t', '-f', f]).then((r) => ({ code: 0, text: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, text: e.stdout + e.stderr }));
    assert.deepEqual(got, { code, text: expected }, f);
  }
});
