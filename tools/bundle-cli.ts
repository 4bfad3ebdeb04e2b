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
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const ENTRY = 'cli/front-bundle.js';
export const BUNDLE = path.join(root, 'cli/front-bundle.cjs');
/** `-v` on its own: the version line from two modules, without the ES module loader (~15 ms). */
const VERSION_ENTRY = 'cli/help.js';
export const VERSION_BUNDLE = path.join(root, 'cli/help-bundle.cjs');

function bundle(entry: string, out: string, withCache: boolean): { modules: number; bytes: number } {
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
    const cjs = ts.transpileModule(code, { fileName: key, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: false, removeComments: true } }).outputText;
    if (/\brequire\("[^"]+"\)\)\)|Promise\.resolve\(\)\.then\(\(\) => /.test(cjs)) throw new Error(`${key}: a dynamic import() cannot be bundled`);
    // Relative requires become the bundle's own keys here, so that loading resolves no path.
    const dir = path.posix.dirname(key);
    const resolved = cjs.replace(/\brequire\("(\.{1,2}\/[^"]+)"\)/g, (_, rel: string) => `require(${JSON.stringify(path.posix.normalize(path.posix.join(dir, rel)))})`);
    defs.set(key, resolved.replace(/^\/\/# sourceMappingURL=.*$/m, ''));
  };
  visit(entry);
  const parts = ["'use strict';", `// Built by tools/bundle-cli.ts from dist/src/${entry} and what it imports; not edited by hand.`, 'const defs = {'];
  // Only a module that reads its URL is given one: making it costs ~40 us a module.
  for (const [key, code] of defs) parts.push(`${JSON.stringify(key)}: function (exports, require, module${/\bmoduleUrl\b/.test(code) ? ', moduleUrl' : ''}) {\n${code}\n},`);
  parts.push(
    '};',
    'const loaded = new Map();',
    "const need = (s) => (s.startsWith('node:') ? require(s) : load(s));",
    'function load(key) {',
    '  let m = loaded.get(key);',
    '  if (m) return m.exports;',
    '  m = { exports: {} };',
    '  loaded.set(key, m);',
    '  const def = defs[key];',
    "  const url = def.length > 3 ? require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', key)).href : undefined;",
    '  def.call(m.exports, m.exports, need, m, url);',
    '  return m.exports;',
    '}',
    `module.exports = load(${JSON.stringify(entry)});`,
    '',
  );
  // ASCII only, so that bin reads it as latin1 without decoding UTF-8: the few other characters
  // are in string literals (comments are gone), where an escape means the same.
  const body = parts.join('\n').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!withCache) {
    fs.writeFileSync(out, body);
    return { modules: defs.size, bytes: body.length };
  }
  // Named by the text it was made from, so that a rebuilt bundle never reads another's code.
  const cacheName = `front-bundle.${createHash('sha256').update(body).digest('hex').slice(0, 16)}.cache`;
  const text = `${body}// code cache: ${cacheName}\n`;
  fs.writeFileSync(out, text);
  writeCodeCache(cacheName);
  return { modules: defs.size, bytes: text.length };
}

/**
 * V8's code for the bundle's functions, after a `-t` on a small configuration has compiled the
 * ones a check runs (bin/keepalived-ts hands it to vm.Script). V8 takes it only from a process
 * with the same flags, so it is made under bin's own, from its #! line; a Node of another version
 * refuses it and compiles as usual.
 */
function writeCodeCache(cacheName: string): void {
  const dir = path.dirname(BUNDLE);
  for (const f of fs.readdirSync(dir)) if (/^front-bundle\.[0-9a-f]+\.cache$/.test(f)) fs.rmSync(path.join(dir, f));
  const sample = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bundle-')), 'keepalived.conf');
  fs.writeFileSync(sample, SAMPLE);
  const script = [
    "const fs = require('node:fs'); const vm = require('node:vm'); const path = require('node:path');",
    `const file = ${JSON.stringify(BUNDLE)};`,
    `const s = new vm.Script(${BIN_WRAP.toString()}(fs.readFileSync(file, 'utf8')), { filename: file });`,
    'const m = { exports: {} }; s.runInThisContext()(m.exports, require, m, file, path.dirname(file));',
    `m.exports.bundledCommandLine(['-t', '-f', ${JSON.stringify(sample)}], { stdout() {}, stderr() {} });`,
    `fs.writeFileSync(${JSON.stringify(path.join(dir, cacheName))}, s.createCachedData());`,
  ].join('\n');
  const r = spawnSync(process.execPath, [...binNodeFlags(), '-e', script], { encoding: 'utf8' });
  fs.rmSync(path.dirname(sample), { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`code cache: ${r.stderr}`);
}

/** The node flags of bin/keepalived-ts's #! line. */
export function binNodeFlags(): string[] {
  const first = fs.readFileSync(path.join(root, '../../bin/keepalived-ts'), 'utf8').split('\n')[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w=-]+)*)$/.exec(first);
  if (!m) throw new Error(`bin/keepalived-ts: unexpected first line ${first}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}

/** bin/keepalived-ts's wrap(): the same text in, or V8 refuses the cache. */
export function BIN_WRAP(code: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
}

/** What the code cache is made from: a little of each section a check reads. */
const SAMPLE = `global_defs {
  router_id bundle
  script_user root
  enable_script_security
}
vrrp_script chk {
  script "/bin/true"
  interval 2
  weight -20
}
vrrp_sync_group G {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  state BACKUP
  interface lo
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.0.0.1/24
    10.0.0.2/24 label lo:1
  }
  track_script {
    chk
  }
}
virtual_server 10.0.0.1 80 {
  delay_loop 6
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.1.1 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 3
    }
  }
  real_server 10.0.1.2 8080 {
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 3
    }
  }
}
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [entry, out, withCache] of [[ENTRY, BUNDLE, true], [VERSION_ENTRY, VERSION_BUNDLE, false]] as const) {
    const r = bundle(entry, out, withCache);
    if (process.argv.includes('--verbose')) console.log(`${path.relative(process.cwd(), out)}: ${r.modules} modules, ${r.bytes} bytes`);
  }
}
