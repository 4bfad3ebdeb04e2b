/**
 * MISC_CHECK with real scripts: exit codes, misc_dynamic weights, and a hung script killed with
 * the processes it started once misc_timeout has passed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { miscProbe } from '../../src/check/misc.js';
import { realSpawner } from '../../src/daemon/track/script-exec.js';
import { load } from '../config/lvs-helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-misc-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const self = { uid: os.userInfo().uid, gid: os.userInfo().gid };

function script(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

function probe(cmd: string, extra = '') {
  const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 80 {\n weight 3\n MISC_CHECK {\n misc_path "${cmd}"\n ${extra}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'MISC_CHECK', JSON.stringify(r.diagnostics));
  return miscProbe(c as Parameters<typeof miscProbe>[0], { spawner: realSpawner, identity: () => self });
}

const run = (p: ReturnType<typeof probe>) => p.run(new AbortController().signal);

test('exit 0 is up, any other exit is down, with the status in the reason', async () => {
  assert.equal((await run(probe(script('ok.sh', 'exit 0')))).ok, true);
  const bad = await run(probe(script('bad.sh', 'exit 3')));
  assert.equal(bad.ok, false);
  assert.match(bad.reason, /exited with status 3/);
});

test('arguments reach the script', async () => {
  const out = path.join(dir, 'args.out');
  const s = script('args.sh', `echo "$@" > ${out}`);
  assert.equal((await run(probe(`${s} one two`))).ok, true);
  assert.equal(fs.readFileSync(out, 'utf8'), 'one two\n');
});

test('misc_dynamic: 1 is down, 2..255 is up with weight code - 2, 0 restores the configured weight', async () => {
  const s = script('dyn.sh', 'exit "$1"');
  assert.equal((await run(probe(`${s} 1`, 'misc_dynamic'))).ok, false);
  assert.deepEqual({ ...(await run(probe(`${s} 12`, 'misc_dynamic'))), reason: '' }, { ok: true, reason: '', weight: 10 });
  assert.deepEqual({ ...(await run(probe(`${s} 0`, 'misc_dynamic'))), reason: '' }, { ok: true, reason: '', weight: null });
  assert.equal((await run(probe(`${s} 12`))).ok, false, 'without misc_dynamic, 12 is a failure');
});

test('a hung script is killed after misc_timeout, with the processes it started', async () => {
  const pidFile = path.join(dir, 'grandchild.pid');
  const s = script('hang.sh', `sleep 60 &\necho $! > ${pidFile}\nwait`);
  const started = Date.now();
  const r = await run(probe(s, 'misc_timeout 1'));
  assert.equal(r.ok, false);
  assert.match(r.reason, /timed out/);
  assert.ok(Date.now() - started >= 950, 'not before misc_timeout');
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  await new Promise((res) => setTimeout(res, 100));
  // Gone, or a zombie waiting for init to reap it: either way no longer running.
  const state = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] : 'gone';
  assert.ok(state === 'gone' || state === 'Z', `the sleep the script started is ${state}`);
});
