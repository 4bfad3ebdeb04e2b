/**
 * enable_script_security over a fake file system: Keepalived's check_script_secure rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkScriptSecurity, isExecutable, pathPrefixes, type SecurityFs, type StatInfo } from '../../src/daemon/track/script-security.js';

const DIR = 0o040000;
const REG = 0o100000;
const LNK = 0o120000;

/** A file system from a table: path -> stat; symlinks map to their targets. */
function fakeFs(entries: Record<string, StatInfo>, links: Record<string, string> = {}): SecurityFs {
  const resolve = (p: string): string => {
    for (const [from, to] of Object.entries(links)) if (p === from || p.startsWith(from + '/')) return resolve(to + p.slice(from.length));
    return p;
  };
  return {
    lstat: (p) => (links[p] !== undefined ? { uid: entries[p]?.uid ?? 0, gid: 0, mode: LNK | 0o777 } : entries[p]),
    stat: (p) => entries[resolve(p)],
    realpath: (p) => (entries[resolve(p)] ? resolve(p) : undefined),
  };
}

const root = (mode: number, extra: Partial<StatInfo> = {}): StatInfo => ({ uid: 0, gid: 0, mode, ...extra });
const base: Record<string, StatInfo> = {
  '/': root(DIR | 0o755),
  '/etc': root(DIR | 0o755),
  '/etc/keepalived': root(DIR | 0o755),
  '/etc/keepalived/check.sh': root(REG | 0o755),
  '/tmp': root(DIR | 0o1777),
  '/usr': root(DIR | 0o755),
  '/usr/bin': root(DIR | 0o755),
  '/usr/bin/true': root(REG | 0o755),
};
const asRoot = { uid: 0, gid: 0, scriptSecurity: true, pathEnv: '/usr/bin' };

test('prefixes start at / and end at the file', () => {
  assert.deepEqual(pathPrefixes('/etc/keepalived/check.sh'), ['/', '/etc', '/etc/keepalived', '/etc/keepalived/check.sh']);
  assert.deepEqual(pathPrefixes('rel/x'), ['rel', 'rel/x']);
});

test('a root-owned script in root-owned directories runs as root', () => {
  const v = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, fakeFs(base));
  assert.equal(v.run, true);
  assert.equal(v.insecure, false);
  assert.deepEqual(v.log, []);
});

test('a group- or world-writable script is unsafe, and named', () => {
  for (const mode of [0o775, 0o757]) {
    const fsx = fakeFs({ ...base, '/etc/keepalived/check.sh': root(REG | mode, { gid: 50 }) });
    const v = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, fsx);
    assert.equal(v.run, false, mode.toString(8));
    assert.equal(v.insecure, true);
    assert.equal(v.unsafePath, '/etc/keepalived/check.sh');
    assert.deepEqual(v.log, ["Unsafe permissions found for script '/etc/keepalived/check.sh' - disabling."]);
  }
});

test('group-writable is fine when the group is root', () => {
  const fsx = fakeFs({ ...base, '/etc/keepalived/check.sh': root(REG | 0o775) });
  assert.equal(checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, fsx).run, true);
});

test('a writable directory on the path is unsafe; the sticky bit (as /tmp) makes it safe', () => {
  const writable = fakeFs({ ...base, '/etc/keepalived': root(DIR | 0o777) });
  const v = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, writable);
  assert.equal(v.run, false);
  assert.equal(v.unsafePath, '/etc/keepalived');
  const sticky = fakeFs({ ...base, '/tmp/check.sh': root(REG | 0o755) });
  assert.equal(checkScriptSecurity({ ...asRoot, command: '/tmp/check.sh' }, sticky).run, true);
});

test('a file or directory not owned by root is unsafe', () => {
  const fsx = fakeFs({ ...base, '/etc/keepalived': root(DIR | 0o755, { uid: 1000 }) });
  assert.equal(checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, fsx).unsafePath, '/etc/keepalived');
});

test('without enable_script_security an unsafe script still runs, with the warning', () => {
  const fsx = fakeFs({ ...base, '/etc/keepalived/check.sh': root(REG | 0o777) });
  const v = checkScriptSecurity({ ...asRoot, scriptSecurity: false, command: '/etc/keepalived/check.sh' }, fsx);
  assert.equal(v.run, true);
  assert.equal(v.insecure, true);
  assert.deepEqual(v.log, ["Unsafe permissions found for script '/etc/keepalived/check.sh'."]);
});

test('a script run as an ordinary user needs no protection', () => {
  const fsx = fakeFs({ ...base, '/home': root(DIR | 0o777), '/home/x.sh': root(REG | 0o777, { uid: 1000, gid: 1000 }) });
  const v = checkScriptSecurity({ ...asRoot, uid: 1000, gid: 1000, command: '/home/x.sh' }, fsx);
  assert.equal(v.run, true);
  assert.equal(v.insecure, false);
});

test('a set-uid-root script needs protection even when run by an ordinary user', () => {
  const fsx = fakeFs({ ...base, '/home': root(DIR | 0o777), '/home/x.sh': root(REG | 0o4755) });
  const v = checkScriptSecurity({ ...asRoot, uid: 1000, gid: 1000, command: '/home/x.sh' }, fsx);
  assert.equal(v.run, false);
  assert.equal(v.unsafePath, '/home');
});

test('the real path behind a symbolic link is walked too', () => {
  const fsx = fakeFs({ ...base, '/opt': root(DIR | 0o777), '/opt/real.sh': root(REG | 0o755) }, { '/etc/keepalived/link.sh': '/opt/real.sh' });
  const v = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/link.sh' }, fsx);
  assert.equal(v.run, false);
  assert.equal(v.unsafePath, '/opt');
});

test('missing and non-executable scripts are not run', () => {
  const missing = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/none.sh' }, fakeFs(base));
  assert.equal(missing.run, false);
  assert.equal(missing.notFound, true);
  const noexec = checkScriptSecurity({ ...asRoot, command: '/etc/keepalived/check.sh' }, fakeFs({ ...base, '/etc/keepalived/check.sh': root(REG | 0o644) }));
  assert.equal(noexec.run, false);
  assert.match(noexec.log[0]!, /is not executable for uid:gid 0:0 - disabling/);
});

test('a bare name is found in PATH, with Keepalived\'s warning', () => {
  const v = checkScriptSecurity({ ...asRoot, command: 'true' }, fakeFs(base));
  assert.equal(v.run, true);
  assert.equal(v.path, '/usr/bin/true');
  assert.match(v.log[0]!, /resolved by path search to `\/usr\/bin\/true`/);
  assert.equal(checkScriptSecurity({ ...asRoot, command: 'nosuch' }, fakeFs(base)).notFound, true);
});

test('is_executable: root needs any x bit, others their own class', () => {
  const f = { uid: 1, gid: 2, mode: REG | 0o010 };
  assert.equal(isExecutable(f, 0, 0), true);
  assert.equal(isExecutable(f, 1, 2), false, 'owner without u+x');
  assert.equal(isExecutable(f, 5, 2), true, 'group member');
  assert.equal(isExecutable(f, 5, 5), false, 'other');
});

test('a script under a symbolic-link directory (/bin -> usr/bin, merged /usr) runs by its resolved path', () => {
  const fsx = fakeFs({ ...base, '/usr/bin/dash': root(REG | 0o755) }, { '/bin': '/usr/bin', '/usr/bin/sh': '/usr/bin/dash' });
  const v = checkScriptSecurity({ ...asRoot, command: '/bin/true' }, fsx);
  assert.equal(v.run, true, v.log.join('\n'));
  assert.equal(v.path, '/usr/bin/true');
  assert.deepEqual(v.log, []);
  // Another name behind the link: the configured name is kept in the resolved directory.
  const sh = checkScriptSecurity({ ...asRoot, command: '/bin/sh' }, fsx);
  assert.equal(sh.run, true, sh.log.join('\n'));
  assert.equal(sh.path, '/usr/bin/sh');
});
