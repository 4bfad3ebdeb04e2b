/**
 * The layout rules of STYLE.md, checked: no import cycles, and the pure cores (the configuration
 * front end, the VRRP engine) never reach for sockets, processes or the clock.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

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
/** `import type` / `export type` lines vanish when compiled: they cannot make a load-order cycle. */
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s/;

function imports(file: string, runtimeOnly = false): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].filter((m) => !runtimeOnly || !TYPE_ONLY.test(m[0])).map((m) => m[1]!);
}

function localTarget(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
}

test('the source tree has no import cycles at run time', () => {
  // The model's types name the sections and the sections' finishers name the model: such
  // type-only references are fine; a cycle of real imports would make ES module start-up order matter.
  const files = sources(root);
  assert.ok(files.length > 10, 'source files found');
  const graph = new Map(files.map((f) => [f, imports(f, true).map((s) => localTarget(f, s)).filter((t): t is string => !!t)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(root, p)).join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const t of graph.get(f) ?? []) visit(t, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
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

test('the checks would catch a forbidden import and tell type-only imports apart', () => {
  // Guards the checks themselves: the expressions must see ordinary import lines.
  assert.deepEqual([..."import { spawn } from 'node:child_process';".matchAll(IMPORT)].map((m) => m[1]), ['node:child_process']);
  assert.ok(TYPE_ONLY.test("import type { ConfigDraft } from '../model.js';"));
  assert.ok(!TYPE_ONLY.test("import { typeOf } from './x.js';"));
});
