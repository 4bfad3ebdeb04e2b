/**
 * The layout rules of STYLE.md and ARCHITECTURE.md, checked: dependency-cruiser runs the floors of
 * .dependency-cruiser.cjs over src/ (base imports nothing of ours, each floor imports only downward,
 * no import circles), and the pure cores (the configuration front end, the VRRP engine) never reach
 * for sockets, processes or the clock.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.join(repo, 'src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;

function imports(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);
}

test('every import of src/ keeps to the floors, and none closes a circle (dependency-cruiser)', async () => {
  // dependency-cruiser resolves the config's paths and src/ from the working directory.
  process.chdir(repo);
  const options = await extractDepcruiseOptions(path.join(repo, '.dependency-cruiser.cjs'));
  const rules = options.ruleSet?.forbidden ?? [];
  assert.ok(rules.length >= 5, 'the floor rules were read');
  const tsConfig = extractTSConfig(path.join(repo, 'tsconfig.json'));
  const { output } = await cruise(['src'], options, undefined, { tsConfig });
  const result = output as ICruiseResult;
  assert.ok(result.summary.totalCruised > 100, `src/ was cruised (${result.summary.totalCruised} modules)`);
  const violations = result.summary.violations.map((v) =>
    v.cycle && v.cycle.length > 0
      ? `${v.rule.name}: ${[v.from, ...v.cycle.map((c) => c.name)].join(' -> ')}`
      : `${v.rule.name}: ${v.from} -> ${v.to}`,
  );
  assert.deepEqual(violations, [], `import rules broken (.dependency-cruiser.cjs):\n  ${violations.join('\n  ')}`);
});

const PURE_DIRS = ['config', 'vrrp'];
const FORBIDDEN_MODULES = ['node:dgram', 'node:child_process', 'node:worker_threads', 'node:http', 'node:https', 'node:tls', 'node:timers'];
const FORBIDDEN_CALLS = [/\bsetTimeout\s*\(/, /\bsetInterval\s*\(/, /\bDate\.now\s*\(/, /\bperformance\.now\s*\(/, /\bhrtime\b/, /\bnew Date\s*\(\s*\)/];

test('the configuration front end and the VRRP engine use no sockets, processes or clocks', () => {
  const problems: string[] = [];
  for (const dir of PURE_DIRS) {
    const base = path.join(root, dir);
    if (!fs.existsSync(base)) continue;
    for (const f of sources(base)) {
      const text = fs.readFileSync(f, 'utf8');
      const rel = path.relative(root, f);
      for (const spec of imports(f)) {
        if (FORBIDDEN_MODULES.includes(spec)) problems.push(`${rel} imports ${spec}`);
        if (spec === 'node:net' && !/import\s*{\s*(isIP|isIPv4|isIPv6)(\s*,\s*(isIP|isIPv4|isIPv6))*\s*}\s*from 'node:net'/.test(text)) {
          problems.push(`${rel} imports sockets from node:net`);
        }
      }
      for (const re of FORBIDDEN_CALLS) if (re.test(text)) problems.push(`${rel} uses ${re.source}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the purity check would catch a forbidden import', () => {
  // Guards the check itself: the expression must see ordinary import lines.
  assert.deepEqual([..."import { spawn } from 'node:child_process';".matchAll(IMPORT)].map((m) => m[1]), ['node:child_process']);
});
