/**
 * bin/keepalived-ts's --turbo-filter: `-t` lets V8's optimizing compiler take only the lexer's file
 * loop (config/lexer.ts lexConfigFile(): called once a file, it would otherwise run unoptimized
 * through the whole load), and every other command lets it take any function again (bin's
 * optimizing()). Read from V8's own trace of its tiering decisions, under bin's flags.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { binNodeFlags } from '../../tools/bundle-cli.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repo, 'bin/keepalived-ts');
const run = promisify(execFile);

function filtered(): string {
  const flag = binNodeFlags().find((f) => f.startsWith('--turbo-filter='));
  assert.ok(flag, `bin's flags name a --turbo-filter: ${binNodeFlags().join(' ')}`);
  return flag.slice('--turbo-filter='.length);
}

/** A configuration of about `lines` lines: enough for V8 to find the loop hot. */
function config(lines: number): string {
  const out = ['global_defs {', '  router_id turbo', '}'];
  for (let v = 0; out.length < lines; v++) {
    out.push(`virtual_server 10.${v >> 8}.${v & 255}.1 80 {`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 1; r <= 3; r++) out.push(`  real_server 10.200.${v & 255}.${r} 8080 {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 3', '    }', '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}

/** The functions V8 marked for TurboFan while bin ran `args`. */
async function marked(args: string[]): Promise<Set<string>> {
  const r = await run(process.execPath, [...binNodeFlags(), '--trace-opt', bin, ...args], { maxBuffer: 256 * 1024 * 1024 }).catch((e: { stdout: string }) => e);
  return new Set([...r.stdout.matchAll(/^\[marking 0x[0-9a-f]+ <JSFunction (\S+) .*for optimization to TURBOFAN/gm)].map((m) => m[1]!));
}

test("bin's --turbo-filter names one function of the -t bundle: the lexer's file loop", () => {
  const name = filtered();
  const bundle = fs.readFileSync(path.join(repo, 'dist/src/cli/front-bundle.cjs'), 'latin1');
  const definitions = [...bundle.matchAll(new RegExp(`^\\s+(?:function\\s+)?${name}\\(`, 'gm'))];
  assert.equal(definitions.length, 1, `${name} is defined once in the bundle`);
  assert.match(fs.readFileSync(path.join(repo, 'src/config/lexer.ts'), 'utf8'), new RegExp(`private ${name}\\(file: string`));
});

test('-t lets TurboFan take only that loop; another command lets it take any function', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-turbo-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(file, config(30_000));
    const check = await marked(['-t', '-f', file]);
    assert.deepEqual([...check], [filtered()]);
    // `config --json` reads the same file through optimizing(): the filter is lifted.
    const other = await marked(['config', '--json', '-f', file]);
    assert.ok([...other].some((f) => f !== filtered()), `functions marked: ${[...other].join(' ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
