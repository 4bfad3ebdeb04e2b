/**
 * The notifier with real scripts and a real FIFO: notify scripts get their arguments, STOP
 * scripts are waited for and killed after 1 s, fifo lines reach a reader, the fifo script gets
 * the FIFO's name, a FIFO we created is removed at close, and mail goes out once per state.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { Script } from '../../src/config/values.js';
import { memoryLogger } from '../../src/base/log.js';
import type { Mail } from '../../src/daemon/notify/format.js';
import { Notifier, type NotifierDeps } from '../../src/daemon/notify/notifier.js';
import { realSpawner } from '../../src/base/spawn.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-notify-'));
const notifiers: Notifier[] = [];
const pids: number[] = [];
after(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const pos = { file: 'k', line: 1 };
const script = (...args: string[]): Script => ({ args, pos });

function writeScript(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '');

function deps(extra: Partial<NotifierDeps> = {}): NotifierDeps & { log: ReturnType<typeof memoryLogger> } {
  return { spawner: realSpawner, identity: () => ({ uid: process.getuid!(), gid: process.getgid!() }), routerId: 'lb1', ...extra, log: memoryLogger() };
}

test('notify scripts: the state script with its own arguments, notify with INSTANCE name STATE priority', async () => {
  const out = path.join(dir, 'args.out');
  const rec = writeScript('rec.sh', `echo "$*" >> ${out}`);
  const n = new Notifier(deps());
  notifiers.push(n);
  await n.instance('VI_1', { notify_master: script(rec, 'master_script'), notify: script(rec), smtp_alert: false }, 'MASTER', 150);
  await until('two lines', () => read(out).split('\n').length === 3);
  assert.deepEqual(read(out).split('\n').filter(Boolean).sort(), ['INSTANCE VI_1 MASTER 150', 'master_script']);
  await n.group('VG1', { notify: script(rec, 'g') , smtp_alert: false }, 'BACKUP');
  await until('group line', () => read(out).includes('g GROUP VG1 BACKUP 0'));
});

test('STOP scripts are waited for; one still running after 1 s is killed with its group', async () => {
  const out = path.join(dir, 'stop.out');
  const pidFile = path.join(dir, 'stop.pid');
  const quick = writeScript('quick.sh', `echo "stopped $*" >> ${out}`);
  const slow = writeScript('slow.sh', `echo $$ > ${pidFile}\nsleep 30\necho late >> ${out}`);
  const n = new Notifier(deps());
  notifiers.push(n);
  await n.instance('VI_1', { notify_stop: script(slow), notify: script(quick), smtp_alert: false }, 'STOP', 100);
  // Resolved: the quick script has finished, the slow one has been killed.
  assert.equal(read(out), 'stopped INSTANCE VI_1 STOP 100\n');
  const pid = Number(read(pidFile));
  pids.push(pid);
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the slow STOP script is gone');
  assert.doesNotMatch(read(out), /late/);
});

test('a FIFO is created, lines reach a reader, the fifo script gets its name last, close removes it', async () => {
  const fifo = path.join(dir, 'notify.fifo');
  const argsOut = path.join(dir, 'fifo-args.out');
  const linesOut = path.join(dir, 'fifo-lines.out');
  const reader = writeScript('reader.sh', `echo "$*" > ${argsOut}\nexec cat "$2" > ${linesOut}`);
  const d = deps();
  const n = Notifier.open({ vrrp_notify_fifo: { name: fifo, script: script(reader, 'own_arg'), pos } }, d);
  notifiers.push(n);
  assert.ok(fs.statSync(fifo).isFIFO());
  assert.equal(fs.statSync(fifo).mode & 0o777, 0o644);
  await until('fifo script started', () => read(argsOut) !== '');
  assert.equal(read(argsOut), `own_arg ${fifo}\n`);
  // Keepalived writes BACKUP first at start-up, even for an instance about to be MASTER.
  n.writeFifo('INSTANCE "VI_1" BACKUP 150\n');
  await n.instance('VI_1', { smtp_alert: false }, 'MASTER', 150);
  await n.group('VG1', { smtp_alert: false }, 'MASTER');
  n.event('VI_1', 'MASTER_RX_LOWER_PRI', 150);
  const expected = 'INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\nGROUP "VG1" MASTER 0\nINSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n';
  await until('lines', () => read(linesOut) === expected);
  await n.close();
  assert.equal(fs.existsSync(fifo), false, 'a FIFO we created is removed');
  assert.deepEqual(d.log.lines, []);
});

test('the FIFO never blocks the daemon: without a reader lines are written (or dropped), not waited on', () => {
  const fifo = path.join(dir, 'nobody.fifo');
  const n = Notifier.open({ notify_fifo: { name: fifo, pos } }, deps());
  notifiers.push(n);
  // 64 KiB is a pipe's usual capacity; write well past it.
  for (let i = 0; i < 5000; i++) n.writeFifo(`INSTANCE "VI_${i}" BACKUP 100\n`);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(64);
  const got = fs.readSync(fd, buf, 0, buf.length, null);
  fs.closeSync(fd);
  assert.equal(buf.toString('utf8', 0, got).split('\n')[0], 'INSTANCE "VI_0" BACKUP 100');
});

test('a path that is not a FIFO is refused and left alone', async () => {
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, 'keep me');
  const d = deps();
  const n = Notifier.open({ notify_fifo: { name: file, pos } }, d);
  notifiers.push(n);
  n.writeFifo('INSTANCE "VI_1" MASTER 1\n');
  await n.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  assert.ok(d.log.lines.some((l) => l === `notify fifo ${file} is not a fifo we own - not using`), d.log.lines.join('\n'));
});

test('smtp_alert: one mail per state change, none for repeats or with smtp_alert off', async () => {
  const mails: Mail[] = [];
  const n = new Notifier(deps({ mail: async (m) => (mails.push(m), true) }));
  notifiers.push(n);
  const s = { smtp_alert: true };
  await n.instance('VI_1', s, 'BACKUP', 100);
  await n.instance('VI_1', s, 'BACKUP', 100);
  await n.instance('VI_1', s, 'MASTER', 100);
  await n.instance('VI_2', { smtp_alert: false }, 'MASTER', 100);
  await n.close();
  assert.deepEqual(mails.map((m) => m.subject), ['[lb1] VRRP Instance VI_1 - Entering BACKUP state', '[lb1] VRRP Instance VI_1 - Entering MASTER state']);
});

test('smtp_alert and STOP: no mail at shutdown, the STOP scripts and FIFO line as before', async () => {
  const out = path.join(dir, 'stop-mail.out');
  const fifo = path.join(dir, 'stop-mail.fifo');
  const linesOut = path.join(dir, 'stop-mail-lines.out');
  const rec = writeScript('stop-mail.sh', `echo "$*" >> ${out}`);
  const reader = writeScript('stop-mail-reader.sh', `exec cat "$1" > ${linesOut}`);
  const mails: Mail[] = [];
  const n = Notifier.open({ vrrp_notify_fifo: { name: fifo, script: script(reader), pos } }, deps({ mail: async (m) => (mails.push(m), true) }));
  notifiers.push(n);
  await until('fifo reader', () => fs.existsSync(linesOut));
  const s = { smtp_alert: true, notify_stop: script(rec, 'stop_script'), notify: script(rec) };
  await n.instance('VI_1', s, 'MASTER', 150);
  await n.instance('VI_1', s, 'STOP', 150);
  await n.group('VG1', { smtp_alert: true, notify_stop: script(rec, 'group_stop') }, 'STOP');
  await until('group stop script', () => read(out).includes('group_stop'));
  await until('fifo lines', () => read(linesOut).includes('GROUP "VG1" STOP'));
  await n.close();
  assert.deepEqual(mails.map((m) => m.subject), ['[lb1] VRRP Instance VI_1 - Entering MASTER state']);
  assert.deepEqual(read(out).split('\n').filter(Boolean).sort(), ['INSTANCE VI_1 MASTER 150', 'INSTANCE VI_1 STOP 150', 'group_stop', 'stop_script']);
  assert.equal(read(linesOut), 'INSTANCE "VI_1" MASTER 150\nINSTANCE "VI_1" STOP 150\nGROUP "VG1" STOP 0\n');
});
