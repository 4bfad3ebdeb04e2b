/**
 * Builds dist/src/cli/front-bundle.cjs: cli/front-bundle.js (Keepalived's command line and `-t`)
 * and every module it imports, as one CommonJS script, for bin/keepalived-ts. Node's ES module
 * loader links the ~80 modules of `-t` in ~65 ms; one script compiles in ~20 ms.
 *
 * Each compiled module (dist/src, tsc's output) is turned into CommonJS by TypeScript's own
 * transpiler and wrapped in a function keyed by its path under dist/src; imports of node: built-ins
 * go to Node's require; import.meta.url stays the module's own file. A module with a dynamic
 * import() or another import.meta fails the build: neither has a meaning in the bundle. Run by `npm run build` after tsc.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const ENTRY = 'cli/front-bundle.js';
export const BUNDLE = path.join(root, 'cli/front-bundle.cjs');

function bundle(): { modules: number; bytes: number } {
  const defs = new Map<string, string>();
  const visit = (key: string): void => {
    if (defs.has(key)) return;
    // import.meta.url: the module's own file, which it would have had unbundled (version.ts looks
    // for package.json above it); any other use of import.meta fails the build.
    const code = fs.readFileSync(path.join(root, key), 'utf8').replaceAll('import.meta.url', 'moduleUrl');
    defs.set(key, '');
    if (/\bimport\.meta\b/.test(code)) throw new Error(`${key}: import.meta has no meaning in the bundle`);
    const info = ts.preProcessFile(code, true, true);
    for (const f of info.importedFiles) {
      if (f.fileName.startsWith('node:')) continue;
      if (!f.fileName.startsWith('.')) throw new Error(`${key}: '${f.fileName}' is not one of ours nor a node: built-in`);
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(key), f.fileName)));
    }
    const cjs = ts.transpileModule(code, { fileName: key, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: false } }).outputText;
    if (/\brequire\("[^"]+"\)\)\)|Promise\.resolve\(\)\.then\(\(\) => /.test(cjs)) throw new Error(`${key}: a dynamic import() cannot be bundled`);
    defs.set(key, cjs.replace(/^\/\/# sourceMappingURL=.*$/m, ''));
  };
  visit(ENTRY);
  const parts = ["'use strict';", `// Built by tools/bundle-cli.ts from dist/src/${ENTRY} and what it imports; not edited by hand.`, 'const defs = {'];
  for (const [key, code] of defs) parts.push(`${JSON.stringify(key)}: function (exports, require, module, moduleUrl) {\n${code}\n},`);
  parts.push(
    '};',
    'const loaded = new Map();',
    'function load(key) {',
    '  let m = loaded.get(key);',
    '  if (m) return m.exports;',
    '  m = { exports: {} };',
    '  loaded.set(key, m);',
    "  const dir = key.slice(0, key.lastIndexOf('/') + 1);",
    "  const url = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', key)).href;",
    "  defs[key].call(m.exports, m.exports, (s) => (s.startsWith('.') ? load(norm(dir + s)) : require(s)), m, url);",
    '  return m.exports;',
    '}',
    'function norm(p) {',
    '  const out = [];',
    "  for (const seg of p.split('/')) {",
    "    if (seg === '..') out.pop();",
    "    else if (seg !== '.' && seg !== '') out.push(seg);",
    '  }',
    "  return out.join('/');",
    '}',
    `module.exports = load(${JSON.stringify(ENTRY)});`,
    '',
  );
  const text = parts.join('\n');
  fs.writeFileSync(BUNDLE, text);
  return { modules: defs.size, bytes: text.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = bundle();
  if (process.argv.includes('--verbose')) console.log(`${path.relative(process.cwd(), BUNDLE)}: ${r.modules} modules, ${r.bytes} bytes`);
}
