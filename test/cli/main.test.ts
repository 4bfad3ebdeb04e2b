/**
 * The installed command, run as a user runs it: bin/keepalived-ts in a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repo, 'bin/keepalived-ts');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmpConf(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-cli-'));
  made.push(dir);
  const file = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(file, text);
  return file;
}

test('-t on a clean file exits 0 and prints nothing', () => {
  const file = tmpConf('global_defs {\n  router_id r1\n}\n');
  const r = run(['-t', '-f', file]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('-t prints each problem as FILE:LINE: message and exits non-zero', () => {
  const file = tmpConf('global_defs {\n  router_id r1\n  no_such_keyword 1\n}\n}\n');
  const r = run(['-t', '-f', file]);
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.includes(`${file}:3: Unknown keyword 'no_such_keyword'`), r.stderr);
  assert.ok(lines.includes(`${file}:5: Extra '}' found`), r.stderr);
});

test('-t=LOG_FILE writes the report to that file', () => {
  const file = tmpConf('bogus_root_keyword\n');
  const log = path.join(path.dirname(file), 'report.log');
  const r = run([`--config-test=${log}`, '-f', file]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(fs.readFileSync(log, 'utf8'), `${file}:1: Unknown keyword 'bogus_root_keyword'\n`);
});

test('-t on a missing file says so and exits non-zero', () => {
  const r = run(['-t', '-f', '/nonexistent/keepalived.conf']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /nonexistent\/keepalived\.conf/);
});

test('config --json prints the resolved model, -i selecting conditional lines', () => {
  const file = tmpConf('@a global_defs {\n@a  router_id picked_a\n@a }\n@^a global_defs {\n@^a router_id not_a\n@^a }\n');
  const a = JSON.parse(run(['config', '--json', '-f', file, '-i', 'a']).stdout);
  const b = JSON.parse(run(['config', '--json', '-f', file, '-i', 'b']).stdout);
  assert.equal(a.global_defs.router_id, 'picked_a');
  assert.equal(b.global_defs.router_id, 'not_a');
  assert.equal('pos' in a.global_defs, false, 'positions only with --positions');
  const withPos = JSON.parse(run(['config', '--json', '--positions', '-f', file, '-i', 'a']).stdout);
  assert.deepEqual(withPos.global_defs.pos, { file, line: 1 });
});

test('--signum prints the bare number exporters expect', () => {
  assert.equal(run(['--signum=JSON']).stdout, '36\n');
  assert.equal(run(['--signum', 'STOP']).stdout, '15\n');
  assert.notEqual(run(['--signum=NOPE']).code, 0);
});

test('-v starts with "Keepalived v" on stderr, as exporters parse it', () => {
  const r = run(['-v']);
  assert.equal(r.code, 0);
  assert.match(r.stderr.split('\n')[0]!, /^Keepalived v\d+\.\d+\.\d+ \(/);
});

test('an unknown option is a usage error (exit 2)', () => {
  const r = run(['--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--bogus/);
});

test('lvs with no live checker process says so and exits 1, even with a state file left behind', () => {
  const dir = path.dirname(tmpConf(''));
  const pidFile = path.join(dir, 'c.pid');
  const missing = run(['lvs', '-Ln', '--checkers-pid', pidFile]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `keepalived-ts lvs: no keepalived-ts checker process is running (pid file ${pidFile})\n`);
  assert.equal(missing.stdout, '');
  // A daemon killed with SIGKILL: its pid file names a dead process, its state file stays.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  fs.writeFileSync(pidFile, dead.stdout);
  fs.writeFileSync(path.join(dir, 'c.lvs.json'), JSON.stringify({ services: [{ index: 0, key: 'k', protocol: 'TCP', ip: '10.0.0.1', port: 80, scheduler: 'rr', method: 'NAT', ops: false, dests: [] }] }));
  const stale = run(['lvs', '-Ln', '--checkers-pid', pidFile]);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /no keepalived-ts checker process is running/);
  assert.equal(stale.stdout, '');
});

test('lvs: -c lists connections now; the old -c FILE is refused with the new option named', () => {
  const r = run(['lvs', '-c', '/run/keepalived_checkers.pid']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--checkers-pid FILE/);
  assert.match(r.stderr, /^Usage: keepalived-ts lvs/m);
});
