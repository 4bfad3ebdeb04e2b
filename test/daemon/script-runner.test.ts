/**
 * vrrp_script runner with real scripts in a temporary directory and the system clock: exit codes,
 * a hung script killed after its timeout (with whatever it started), no overlapping runs, a
 * script run as another user. Plus the kill escalation on a fake spawner and a manual clock.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { VrrpScript } from '../../src/config/sections/vrrp-track.js';
import { ManualClock, systemClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { realSpawner, type RunningScript, type ScriptExit, type Spawner } from '../../src/base/spawn.js';
import { ScriptRunner } from '../../src/daemon/track/script-runner.js';
import { systemUserDb, resolveIdentity } from '../../src/daemon/track/users.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-runner-'));
fs.chmodSync(dir, 0o755);
const runners: ScriptRunner[] = [];
const strayPids: number[] = [];
after(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  for (const pid of strayPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeScript(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

function vscript(name: string, file: string, o: Partial<VrrpScript> = {}): VrrpScript {
  return { name, pos: { file: 'k', line: 1 }, script: { args: [file], pos: { file: 'k', line: 1 } }, interval: 1, timeout: 1, weight: 0, reverse: false, rise: 1, fall: 1, init_fail: false, ...o };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return false;
  }
}

async function until(what: string, cond: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(s: VrrpScript, extra: { identity?: { uid: number; gid: number } } = {}) {
  const log = memoryLogger();
  const changes: boolean[] = [];
  const r = new ScriptRunner(s, { clock: systemClock, log, spawner: realSpawner, onChange: (up) => changes.push(up), ...extra });
  runners.push(r);
  r.start();
  return { r, log, changes };
}

test('exit 0 is success, exit 1 failure, and the status follows', async () => {
  const flag = path.join(dir, 'flag');
  const file = writeScript('flag.sh', `[ -e ${flag} ]`);
  const { r, log, changes } = start(vscript('chk_flag', file));
  await until('first result', () => changes.length === 1);
  assert.deepEqual(changes, [false]);
  fs.writeFileSync(flag, '');
  await until('recovery', () => changes.length === 2);
  assert.deepEqual(changes, [false, true]);
  assert.equal(r.status().status, 'GOOD');
  assert.ok(log.lines.includes('VRRP_Script(chk_flag) failed (exited with status 1)'), log.lines.join('\n'));
  assert.ok(log.lines.includes('VRRP_Script(chk_flag) succeeded'));
  assert.ok(log.lines.includes('Script `chk_flag` now returning 0'));
  await r.stop();
});

test('a hung script is killed after its timeout, with the process it started, and counts as failed', async () => {
  const pidFile = path.join(dir, 'hung.pid');
  // The script ignores SIGTERM (and so does its child): only the SIGKILL 2 s later ends them.
  const file = writeScript('hung.sh', `trap '' TERM\nsleep 30 &\necho $! > ${pidFile}\nwait\nwait`);
  const { r, log, changes } = start(vscript('chk_hung', file, { interval: 30, timeout: 1 }));
  await until('pid file', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
  const child = Number(fs.readFileSync(pidFile, 'utf8'));
  strayPids.push(child);
  await until('SIGTERM sent', () => r.status().state !== 'running', 5000);
  assert.equal(r.status().state, 'requested termination');
  await until('verdict', () => changes.length === 1, 10000);
  assert.deepEqual(changes, [false]);
  assert.ok(log.lines.includes('VRRP_Script(chk_hung) timed_out'), log.lines.join('\n'));
  assert.equal(r.status().state, 'idle');
  await until('child gone', () => !alive(child), 5000);
  await r.stop();
});

test('a script that obeys SIGTERM is timed out too', async () => {
  const file = writeScript('slow.sh', 'exec sleep 30');
  const { r, log, changes } = start(vscript('chk_slow', file, { interval: 30, timeout: 1 }));
  await until('verdict', () => changes.length === 1, 8000);
  assert.deepEqual(changes, [false]);
  assert.ok(log.lines.includes('VRRP_Script(chk_slow) timed_out'));
  await r.stop();
});

test('never two runs of one script at once: a run still going when the next is due is skipped', async () => {
  const lock = path.join(dir, 'lock');
  const trace = path.join(dir, 'trace');
  const file = writeScript('long.sh', `[ -e ${lock} ] && echo overlap >> ${trace}\ntouch ${lock}\nsleep 2.2\nrm -f ${lock}\necho done >> ${trace}`);
  const { r, log } = start(vscript('chk_long', file, { interval: 1, timeout: 10 }));
  await until('two runs done', () => fs.existsSync(trace) && fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l === 'done').length >= 2, 15000);
  await r.stop();
  assert.doesNotMatch(fs.readFileSync(trace, 'utf8'), /overlap/);
  assert.ok(log.lines.some((l) => l === 'Track script chk_long is already running, expect idle - skipping run'), log.lines.join('\n'));
});

test('a script runs as its configured user', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const out = path.join(dir, 'uid.out');
  const outDir = path.dirname(out);
  fs.chmodSync(outDir, 0o777);
  const id = resolveIdentity(systemUserDb(), 'nobody');
  assert.ok(!('error' in id), 'user nobody exists');
  const file = writeScript('whoami.sh', `id -u > ${out}`);
  const { r, changes } = start(vscript('chk_user', file, { interval: 30 }), { identity: id });
  await until('ran', () => changes.length === 1);
  fs.chmodSync(outDir, 0o755);
  assert.deepEqual(changes, [true]);
  assert.equal(fs.readFileSync(out, 'utf8').trim(), String(id.uid));
  await r.stop();
});

test('a missing script fails without throwing', async () => {
  const { r, log, changes } = start(vscript('chk_none', path.join(dir, 'does-not-exist.sh'), { interval: 30 }));
  await until('verdict', () => changes.length === 1);
  assert.deepEqual(changes, [false]);
  assert.match(log.lines.join('\n'), /VRRP_Script\(chk_none\) failed \(.*ENOENT/);
  await r.stop();
});

/** A script that never ends unless killed, and records the signals it gets. */
class FakeSpawner implements Spawner {
  signals: string[] = [];
  runs = 0;
  ignore = new Set<string>();
  private finish: ((x: ScriptExit) => void) | undefined;
  spawn(): RunningScript {
    this.runs++;
    let done = false;
    const exited = new Promise<ScriptExit>((r) => (this.finish = r));
    return {
      pid: 4242,
      exited,
      kill: (sig) => {
        if (done) return false;
        this.signals.push(sig);
        if (!this.ignore.has(sig)) {
          done = true;
          this.finish!({ kind: 'signal', signal: sig });
        }
        return true;
      },
    };
  }
}

test('kill escalation on the clock: SIGTERM at timeout, SIGKILL 2 s later, then every 10 s', async () => {
  const clock = new ManualClock();
  const spawner = new FakeSpawner();
  spawner.ignore = new Set(['SIGTERM', 'SIGKILL']);
  const log = memoryLogger();
  const r = new ScriptRunner(vscript('chk', '/x', { interval: 100, timeout: 5 }), { clock, log, spawner, onChange: () => {} });
  r.start();
  clock.advance(4_999_999);
  assert.deepEqual(spawner.signals, []);
  clock.advance(1);
  assert.deepEqual(spawner.signals, ['SIGTERM']);
  clock.advance(2_000_000);
  assert.deepEqual(spawner.signals, ['SIGTERM', 'SIGKILL']);
  assert.equal(r.status().state, 'forcing termination');
  clock.advance(2_000_000);
  clock.advance(10_000_000);
  assert.deepEqual(spawner.signals, ['SIGTERM', 'SIGKILL', 'SIGKILL', 'SIGKILL']);
  assert.ok(log.lines.includes('Script chk child (PID 4242) failed to terminate after kill'));
  assert.equal(spawner.runs, 1, 'no second run while the first is being killed');
  spawner.ignore.clear();
  await r.stop();
  assert.equal(spawner.signals.at(-1), 'SIGKILL', 'stop kills a running script');
});
