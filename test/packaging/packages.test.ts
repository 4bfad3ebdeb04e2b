/**
 * The packages `npm run package` makes (scripts/package.sh), met as an administrator meets them,
 * without installing anything into this system: the .deb is unpacked with `dpkg-deb -x` into a
 * temporary root and run from there (the /usr/sbin wrapper finds the application beside itself,
 * so the unpacked tree runs as installed), and the npm tarball is installed with
 * `npm install -g --prefix` into a temporary prefix. The script runs once, before the tests.
 *
 * Needs dpkg-deb, systemd-analyze, man and the reference keepalived (scripts/install-test-deps.sh)
 * and the npm registry (or npm's cache) for the production dependencies.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { repo } from '../paths.js';

const exec = promisify(execFile);
const version = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const packages = path.join(repo, 'build/packages');
const seeds = path.join(repo, 'test/fixtures/seeds');
const DEPENDS = 'nodejs (>= 20), iproute2, nftables, conntrack';

/** The environment without what a surrounding `npm test` exports (npm_config_*, npm_lifecycle_*). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));

const made: string[] = [];
const tmp = (what: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `kts-pkg-${what}-`));
  made.push(d);
  return d;
};

let deb = '';
let tgz = '';
/** The .deb unpacked: the tree dpkg -i would lay over /. */
let root = '';

before(async () => {
  await exec('bash', ['scripts/package.sh'], { cwd: repo, env, timeout: 600_000, maxBuffer: 16 << 20 });
  const arch = (await exec('dpkg', ['--print-architecture'])).stdout.trim();
  deb = path.join(packages, `keepalived-ts_${version}_${arch}.deb`);
  tgz = path.join(packages, `keepalived-ts-${version}.tgz`);
  root = tmp('root');
  await exec('dpkg-deb', ['-x', deb, root]);
}, { timeout: 600_000 });

after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000, ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('dpkg-deb --info: Depends is exactly nodejs, iproute2, nftables and conntrack; /etc/default/keepalived-ts is a conffile', async () => {
  const info = (await exec('dpkg-deb', ['--info', deb])).stdout;
  assert.deepEqual([...info.matchAll(/^ Depends: (.*)$/gm)].map((m) => m[1]), [DEPENDS]);
  assert.match(info, /^ Package: keepalived-ts$/m);
  assert.match(info, new RegExp(`^ Version: ${version.replaceAll('.', '\\.')}$`, 'm'));
  assert.doesNotMatch(info, /^ (Pre-Depends|Recommends|Conflicts|Breaks):/m);
  const conffiles = (await exec('dpkg-deb', ['--info', deb, 'conffiles'])).stdout;
  assert.equal(conffiles, '/etc/default/keepalived-ts\n');
});

test('the .deb lays out the wrapper, the application with its production dependencies, the unit, the defaults and the man pages', () => {
  const mode = (p: string) => fs.statSync(path.join(root, p)).mode & 0o777;
  assert.equal(mode('usr/sbin/keepalived-ts'), 0o755);
  assert.equal(mode('usr/lib/keepalived-ts/bin/keepalived-ts'), 0o755);
  const app = path.join(root, 'usr/lib/keepalived-ts');
  assert.ok(fs.existsSync(path.join(app, 'dist/src/cli/main.js')));
  assert.ok(!fs.existsSync(path.join(app, 'dist/test')), 'no compiled tests');
  assert.ok(!fs.existsSync(path.join(app, 'dist/bench')), 'no compiled benchmarks');
  // koffi's native binary comes as an optional dependency: it must be there.
  assert.ok(fs.existsSync(path.join(app, 'node_modules/koffi/package.json')));
  assert.ok(fs.existsSync(path.join(app, 'node_modules/@koromix/koffi-linux-x64')));
  for (const dev of ['typescript', '@types/node', 'dependency-cruiser', 'fast-check']) {
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', dev)), `dev dependency ${dev} left out`);
  }
  const shipped = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
  assert.equal(shipped('lib/systemd/system/keepalived-ts.service'), fs.readFileSync(path.join(repo, 'packaging/keepalived-ts.service'), 'utf8'));
  assert.match(shipped('etc/default/keepalived-ts'), /^DAEMON_ARGS=""$/m);
  for (const page of ['man8/keepalived-ts.8.gz', 'man5/keepalived-ts.conf.5.gz', 'man1/keepalived-ts-genhash.1.gz']) {
    assert.ok(fs.existsSync(path.join(root, 'usr/share/man', page)), page);
  }
});

test('systemd-analyze verify finds nothing to say about the unit', () => {
  // verify insists that ExecStart's program exists, and /usr/sbin/keepalived-ts is not installed
  // here (nor may a test install it): a copy of the shipped unit, named as it is, gets the
  // unpacked wrapper's path in ExecStart and nothing else changed. --root= is no way out: it
  // would look for sysinit.target and /bin/kill under the unpacked tree too. MANPATH lets verify
  // check the Documentation= pages against the unpacked ones.
  const unit = fs.readFileSync(path.join(root, 'lib/systemd/system/keepalived-ts.service'), 'utf8');
  const dir = tmp('unit');
  const copy = unit.replace(/^ExecStart=\/usr\/sbin\/keepalived-ts /m, `ExecStart=${root}/usr/sbin/keepalived-ts `);
  const changed = copy.split('\n').filter((l, i) => l !== unit.split('\n')[i]);
  assert.deepEqual(changed, [`ExecStart=${root}/usr/sbin/keepalived-ts --dont-fork $DAEMON_ARGS`]);
  fs.writeFileSync(path.join(dir, 'keepalived-ts.service'), copy);
  const r = run('systemd-analyze', ['verify', path.join(dir, 'keepalived-ts.service')], { env: { ...env, MANPATH: path.join(root, 'usr/share/man') } });
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(r.code, 0);
  assert.match(unit, /^Type=notify$/m);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.match(unit, /^EnvironmentFile=-\/etc\/default\/keepalived-ts$/m);
  assert.doesNotMatch(unit, /^KillMode=process$/m);
});

test('the unpacked wrapper runs -v, and -t on every seed exactly as the checkout does', () => {
  const wrapper = path.join(root, 'usr/sbin/keepalived-ts');
  const v = run(wrapper, ['-v']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, new RegExp(`keepalived-ts ${version.replaceAll('.', '\\.')}`));
  for (const seed of fs.readdirSync(seeds).filter((f) => f.endsWith('.conf'))) {
    const args = ['-t', '-f', path.join(seeds, seed)];
    const packaged = run(wrapper, args);
    const checkout = run(process.execPath, [path.join(repo, 'bin/keepalived-ts'), ...args]);
    assert.deepEqual(packaged, checkout, seed);
    assert.match(packaged.stderr, /^\/.*:\d+: /m, `${seed}: FILE:LINE: lines`);
  }
  // -t needs no native code; the daemon does: the packaged koffi must load its binary.
  const k = run('/usr/bin/node', ['--input-type=module', '-e', "import koffi from 'koffi'; console.log(typeof koffi.load)"], { cwd: path.join(root, 'usr/lib/keepalived-ts') });
  assert.equal(k.stdout, 'function\n', k.stderr);
});

test('the man pages render without warnings, and keepalived-ts(8) has every option of keepalived --help', () => {
  const pages = ['man8/keepalived-ts.8.gz', 'man5/keepalived-ts.conf.5.gz', 'man1/keepalived-ts-genhash.1.gz'].map((p) => path.join(root, 'usr/share/man', p));
  for (const page of pages) {
    const r = run('man', ['--warnings', '-E', 'UTF-8', '-l', page], { env: { ...env, LC_ALL: 'C.UTF-8', MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
    assert.equal(r.stderr, '', page);
    assert.equal(r.code, 0, page);
    assert.match(r.stdout, /^NAME$/m, page);
    assert.doesNotMatch(r.stdout, /@VERSION@/, page);
  }
  const help = run('keepalived', ['--help']);
  const options = [...(help.stdout + help.stderr).matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]!);
  assert.ok(options.length > 30, 'keepalived --help lists its options');
  const source = spawnSync('gzip', ['-dc', pages[0]!], { encoding: 'utf8' }).stdout;
  for (const o of options) assert.ok(source.includes(`\\-\\-${o.replaceAll('-', '\\-')}`), `keepalived-ts(8) documents --${o}`);
});

test('the npm tarball holds bin, dist/src and the packaging files, and installs with npm install -g into a prefix', { timeout: 300_000 }, async () => {
  const files = (await exec('tar', ['-tzf', tgz], { maxBuffer: 16 << 20 })).stdout.split('\n').filter(Boolean);
  for (const f of ['package/bin/keepalived-ts', 'package/dist/src/cli/main.js', 'package/packaging/keepalived-ts.service', 'package/README.md', 'package/package.json']) {
    assert.ok(files.includes(f), f);
  }
  assert.deepEqual(files.filter((f) => /^package\/(dist\/(test|bench)\/|src\/|test\/|node_modules\/)|\.map$/.test(f)), []);
  const manifest = JSON.parse((await exec('tar', ['-xzOf', tgz, 'package/package.json'])).stdout) as { scripts: Record<string, string> };
  // Installing the tarball runs its install-time scripts; a build there would need the dev dependencies.
  assert.equal(manifest.scripts['prepare'], undefined);
  assert.equal(manifest.scripts['install'], undefined);
  assert.equal(manifest.scripts['postinstall'], undefined);

  const prefix = tmp('prefix');
  await exec('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tgz], { env, timeout: 280_000 });
  const bin = path.join(prefix, 'bin/keepalived-ts');
  const v = run(bin, ['-v']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, new RegExp(`keepalived-ts ${version.replaceAll('.', '\\.')}`));
  const args = ['-t', '-f', path.join(seeds, '002-proxy101.conf')];
  assert.deepEqual(run(bin, args), run(process.execPath, [path.join(repo, 'bin/keepalived-ts'), ...args]));
});
