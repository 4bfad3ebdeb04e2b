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

test('-t prints each problem as FILE:LINE: message and exits 5, as Keepalived 2.2.7', () => {
  const file = tmpConf('global_defs {\n  router_id r1\n  no_such_keyword 1\n}\n}\n');
  const r = run(['-t', '-f', file]);
  assert.equal(r.code, 5);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.includes(`${file}:3: Unknown keyword 'no_such_keyword'`), r.stderr);
  assert.ok(lines.includes(`${file}:5: Extra '}' found`), r.stderr);
});

test('-t=LOG_FILE writes the report to that file', () => {
  const file = tmpConf('bogus_root_keyword\n');
  const log = path.join(path.dirname(file), 'report.log');
  const r = run([`--config-test=${log}`, '-f', file]);
  assert.equal(r.code, 5);
  assert.equal(r.stderr, '');
  assert.equal(fs.readFileSync(log, 'utf8'), `${file}:1: Unknown keyword 'bogus_root_keyword'\n`);
});

test('-t on a missing file says so and exits 0, as Keepalived 2.2.7; 4 with -e (--all-config)', () => {
  const r = run(['-t', '-f', '/nonexistent']);
  assert.equal(r.stderr, "Config files missing '/nonexistent'.\n");
  assert.equal(r.code, 0);
  assert.equal(run(['-t', '-e', '-f', '/nonexistent']).code, 4);
  assert.equal(run(['-t', '--all-config', '-f', '/nonexistent']).code, 4);
});

test('-t on a directory says so and exits 0 (4 with -e), as Keepalived 2.2.7', () => {
  const dir = path.dirname(tmpConf(''));
  const r = run(['-t', '-f', dir]);
  assert.equal(r.stderr, `Configuration file '${dir}/' is a directory - skipping\n`);
  assert.equal(r.code, 0);
  assert.equal(run(['-t', '-e', '-f', dir]).code, 4);
});

test('-t -e: an include that finds no file exits 6, as Keepalived 2.2.7; without -e it is a note (exit 0)', () => {
  const file = tmpConf('global_defs {\n  router_id r1\n}\ninclude no-such.conf\n');
  const plain = run(['-t', '-f', file]);
  assert.equal(plain.code, 0);
  assert.equal(plain.stderr, `${file}:4: Config files missing 'no-such.conf'.\n`);
  assert.equal(run(['-t', '-e', '-f', file]).code, 6);
});

test('-t: a note (what Keepalived 2.2.7 does not say) is shown and leaves the exit status alone', () => {
  const file = tmpConf('vrrp_track_file f {\n  file /tmp/x\n}\n');
  const r = run(['-t', '-f', file]);
  assert.equal(r.stderr, `${file}:1: note: "vrrp_track_file" is deprecated, please use "track_file"\n`);
  assert.equal(r.code, 0);
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

test('-v starts with "Keepalived v" on stderr, as exporters parse it, then says what it is', () => {
  const r = run(['-v']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  const [first, second] = r.stderr.split('\n');
  assert.match(first!, /^Keepalived v\d+\.\d+\.\d+ \(keepalived-ts \d+\.\d+\.\d+\)$/);
  assert.match(second!, /^keepalived-ts \S+: Keepalived \S+ rebuilt in TypeScript on Node\.js v\d+/);
});

test('--help goes to stderr and exits 0, as Keepalived\'s', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Usage: keepalived-ts \[OPTION\.\.\.\]/);
});

test('-g is refused with exit 1, as the 2.2.7 build without --enable-log-file', () => {
  const r = run(['-g']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, '-g requires configure option --enable-log-file\n');
});

test('-e: a missing include stops the daemon (exit 6) after one warning per option without effect', () => {
  const file = tmpConf('include /nonexistent/extra.conf\n');
  const pid = path.join(path.dirname(file), 'k.pid');
  const r = run(['-n', '-G', '-e', '-x', '-p', pid, '-f', file]);
  assert.equal(r.code, 6);
  assert.equal(r.stderr, 'keepalived-ts: option -x has no effect here: keepalived-ts has no SNMP subsystem; use the JSON dump (--signum=JSON) or keepalived-exporter\n');
  assert.equal(fs.existsSync(pid), false);
});

test('-u sets the umask before the -t report file is written', () => {
  const file = tmpConf('bogus_root_keyword\n');
  const log = path.join(path.dirname(file), 'umask.log');
  run(['-u', '0077', `--config-test=${log}`, '-f', file]);
  assert.equal(fs.statSync(log).mode & 0o777, 0o600);
});

test('an unknown option exits 1 after saying so, as Keepalived', () => {
  const r = run(['--bogus', '-q']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Unknown option --bogus\nUnknown option -q\n');
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
