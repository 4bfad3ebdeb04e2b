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
import { versionText } from '../../src/cli/help.js';
import { BIN_NODE_FLAGS } from '../../src/lab/daemon.js';
import { BIN_WRAP, binNodeFlags } from '../../tools/bundle-cli.js';

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

test('the bundle is built after the modules it comes from (npm run build / npm test), in ASCII (bin reads it as latin1)', () => {
  assert.ok(fs.statSync(bundlePath).mtimeMs >= fs.statSync(path.join(repo, 'dist/src/cli/front-bundle.js')).mtimeMs);
  const bytes = fs.readFileSync(bundlePath);
  assert.equal(bytes.findIndex((b) => b > 0x7f), -1);
  // The escapes mean what they stood for: the help text's 'µs' is one of them.
  assert.ok(bytes.includes('\\u00b5s') && !fs.readFileSync(path.join(repo, 'dist/src/cli/help.js'), 'utf8').includes('\\u00b5s'));
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
    // Through its #! line, as users run it: with bin's flags, V8 takes the bundle's code cache.
    const got = await run(path.join(repo, 'bin/keepalived-ts'), ['-t', '-f', f]).then((r) => ({ code: 0, text: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, text: e.stdout + e.stderr }));
    assert.deepEqual(got, { code, text: expected }, f);
  }
});

test("bin's node flags are the same in its #! line, the lab's daemons and the Debian package's wrapper", () => {
  const flags = binNodeFlags();
  assert.ok(flags.includes('--turbo-filter=lexConfigFile') && flags.includes('--max-semi-space-size=1'), flags.join(' '));
  assert.deepEqual(BIN_NODE_FLAGS, flags);
  const wrapper = fs.readFileSync(path.join(repo, 'packaging/keepalived-ts.sh'), 'utf8');
  assert.match(wrapper, new RegExp(`exec /usr/bin/node ${flags.join(' ')} "\\$here/`));
});

test("V8 takes the bundle's code cache under bin's flags (and bin wraps the bundle as it was made)", async () => {
  const code = fs.readFileSync(bundlePath, 'utf8');
  const name = /\n\/\/ code cache: ([\w.-]+)\n$/.exec(code)?.[1];
  assert.ok(name, 'the bundle names its cache');
  const bin = fs.readFileSync(path.join(repo, 'bin/keepalived-ts'), 'utf8');
  // bin's template literal, as written: its '\n' is two characters there.
  assert.ok(bin.includes(BIN_WRAP('${code}').replace('\n', '\\n')), "bin's wrap() is the tool's");
  const script = [
    "const fs = require('node:fs');",
    `const s = new (require('node:vm').Script)(${BIN_WRAP.toString()}(fs.readFileSync(${JSON.stringify(bundlePath)}, 'utf8')), { filename: ${JSON.stringify(bundlePath)}, cachedData: fs.readFileSync(${JSON.stringify(path.join(path.dirname(bundlePath), name))}) });`,
    'console.log(s.cachedDataRejected);',
  ].join('\n');
  assert.equal((await run(process.execPath, [...binNodeFlags(), '-e', script])).stdout, 'false\n');
  // The check can fail: without bin's flags V8 refuses the same cache.
  assert.equal((await run(process.execPath, ['-e', script])).stdout, 'true\n');
});

test('bin -v prints the version lines of cli/help.ts (through its own small bundle)', async () => {
  assert.ok(fs.existsSync(path.join(repo, 'dist/src/cli/help-bundle.cjs')));
  const r = await run(path.join(repo, 'bin/keepalived-ts'), ['-v']);
  assert.equal(r.stdout + r.stderr, versionText());
});

test('bin -v writes its lines without building process.stderr (node compiles ~20 stream modules for it)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-v-'));
  try {
    const hook = path.join(dir, 'modules.cjs');
    const list = path.join(dir, 'modules.txt');
    fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const r = await run(process.execPath, [...binNodeFlags(), '--require', hook, path.join(repo, 'bin/keepalived-ts'), '-v']);
    assert.equal(r.stdout + r.stderr, versionText());
    const loaded = fs.readFileSync(list, 'utf8').split('\n');
    assert.ok(loaded.includes('NativeModule fs'), 'the list is node\'s module list');
    assert.deepEqual(loaded.filter((m) => /^NativeModule (stream|net|tty|internal\/streams\/(writable|readable|duplex))$/.test(m)), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
