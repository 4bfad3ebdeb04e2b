/**
 * MISC_CHECK with a real script (test/fixtures/check-misc/misc-script.sh): exit codes,
 * misc_dynamic weights, a hung script and its child killed at misc_timeout, one deaf to SIGTERM
 * killed two seconds later, one that catches SIGTERM judged by its exit code, a foreign signal,
 * and a script that exits leaving a child (Keepalived leaves it alone).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { miscProbe, miscVerdict } from '../../src/check/misc.js';
import type { MiscCheck } from '../../src/config/sections/checkers/misc.js';
import { realSpawner } from '../../src/base/spawn.js';
import { load } from '../config/lvs-helpers.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/check-misc/misc-script.sh');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-misc-'));
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
const self = { uid: os.userInfo().uid, gid: os.userInfo().gid };

function probe(words: string, extra = '') {
  const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 80 {\n weight 3\n MISC_CHECK {\n misc_path "/bin/sh ${fixture} ${words}"\n ${extra}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'MISC_CHECK', JSON.stringify(r.diagnostics));
  return miscProbe(c as MiscCheck, { spawner: realSpawner, identity: () => self });
}

const run = (p: ReturnType<typeof probe>) => p.run(new AbortController().signal);

/** 'running', 'gone' or a zombie 'Z' (gone, waiting for init to reap it). */
function processState(pid: number): string {
  if (!fs.existsSync(`/proc/${pid}/stat`)) return 'gone';
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;
  return s === 'Z' ? 'Z' : 'running';
}

async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 10));
  const pid = Number(fs.readFileSync(file, 'utf8'));
  leftovers.push(pid);
  return pid;
}

test('verdicts: 0 up; misc_dynamic 1 down, 2..255 weight code - 2, 0 back to the configured weight', () => {
  assert.deepEqual(miscVerdict({ kind: 'exit', code: 0 }, false, 's').ok, true);
  assert.equal(miscVerdict({ kind: 'exit', code: 0 }, false, 's').weight, undefined, 'no opinion on the weight without misc_dynamic');
  assert.equal(miscVerdict({ kind: 'exit', code: 0 }, true, 's').weight, null);
  assert.equal(miscVerdict({ kind: 'exit', code: 1 }, true, 's').ok, false);
  assert.equal(miscVerdict({ kind: 'exit', code: 2 }, true, 's').weight, 0);
  assert.equal(miscVerdict({ kind: 'exit', code: 255 }, true, 's').weight, 253);
  assert.equal(miscVerdict({ kind: 'exit', code: 7 }, false, 's').ok, false);
  assert.match(miscVerdict({ kind: 'signal', signal: 'SIGTERM' }, false, 's', 'SIGTERM').reason, /timed out/);
  assert.match(miscVerdict({ kind: 'signal', signal: 'SIGKILL' }, false, 's', 'SIGKILL').reason, /timed out/);
  assert.match(miscVerdict({ kind: 'signal', signal: 'SIGKILL' }, false, 's', 'SIGTERM').reason, /due to signal 9/, 'a SIGKILL we did not send yet');
  assert.match(miscVerdict({ kind: 'signal', signal: 'SIGTERM' }, false, 's').reason, /due to signal 15/);
});

test('a real script: exit 0 is up, any other exit is down with the status in the reason', async () => {
  assert.equal((await run(probe('exit 0'))).ok, true);
  const bad = await run(probe('exit 3'));
  assert.equal(bad.ok, false);
  assert.match(bad.reason, /failed \(exited with status 3\)/);
  assert.equal((await run(probe('nonsense'))).ok, false, 'the fixture exits 64 without a mode');
});

test('the words of misc_path reach the script, without a shell in between', async () => {
  const out = path.join(dir, 'args.out');
  assert.equal((await run(probe(`args ${out} one 'two words'`))).ok, true);
  assert.equal(fs.readFileSync(out, 'utf8'), 'one\ntwo words\n');
});

test('misc_dynamic with a real script: 1 down, 12 up with weight 10, 0 up with the configured weight', async () => {
  assert.equal((await run(probe('exit 1', 'misc_dynamic'))).ok, false);
  const w = await run(probe('exit 12', 'misc_dynamic'));
  assert.deepEqual([w.ok, w.weight], [true, 10]);
  const z = await run(probe('exit 0', 'misc_dynamic'));
  assert.deepEqual([z.ok, z.weight], [true, null]);
  assert.equal((await run(probe('exit 12'))).ok, false, 'without misc_dynamic, 12 is a failure');
});

test('a hung script is sent SIGTERM at misc_timeout and times out; its child dies with it', async () => {
  const pidFile = path.join(dir, 'hang.pid');
  const started = Date.now();
  const r = await run(probe(`hang ${pidFile}`, 'misc_timeout 1'));
  assert.equal(r.ok, false);
  assert.match(r.reason, /timed out/);
  assert.ok(Date.now() - started >= 950, 'not before misc_timeout');
  const pid = await pidFrom(pidFile);
  await new Promise((res) => setTimeout(res, 100));
  assert.notEqual(processState(pid), 'running', 'the sleep the script started');
});

test('a script deaf to SIGTERM is killed two seconds later, with its child', async () => {
  const pidFile = path.join(dir, 'deaf.pid');
  const started = Date.now();
  const r = await run(probe(`deaf ${pidFile}`, 'misc_timeout 1'));
  assert.match(r.reason, /timed out/);
  assert.ok(Date.now() - started >= 2900, 'SIGKILL comes two seconds after SIGTERM');
  const pid = await pidFrom(pidFile);
  await new Promise((res) => setTimeout(res, 100));
  assert.notEqual(processState(pid), 'running');
});

test('a script that catches SIGTERM is judged by the code it then exits with, as Keepalived does', async () => {
  const r = await run(probe('catch 0', 'misc_timeout 1'));
  assert.equal(r.ok, true, r.reason);
  const d = await run(probe('catch 5', 'misc_timeout 1'));
  assert.match(d.reason, /exited with status 5/);
});

test('a script killed by a signal we did not send failed due to that signal', async () => {
  const r = await run(probe('signal USR1'));
  assert.equal(r.ok, false);
  assert.match(r.reason, new RegExp(`due to signal ${os.constants.signals.SIGUSR1}`));
});

test('a script that exits 0 leaving a child running is up, and the child is left alone', async () => {
  const pidFile = path.join(dir, 'leave.pid');
  assert.equal((await run(probe(`leave ${pidFile}`))).ok, true);
  const pid = await pidFrom(pidFile);
  assert.equal(processState(pid), 'running');
  process.kill(pid, 'SIGKILL');
});

test('an aborted attempt kills the script and settles at once', async () => {
  const pidFile = path.join(dir, 'abort.pid');
  const ac = new AbortController();
  const p = probe(`hang ${pidFile}`, 'misc_timeout 30').run(ac.signal);
  const pid = await pidFrom(pidFile);
  ac.abort();
  const r = await p;
  assert.deepEqual([r.ok, r.reason], [false, 'aborted']);
  await new Promise((res) => setTimeout(res, 100));
  assert.notEqual(processState(pid), 'running');
});
