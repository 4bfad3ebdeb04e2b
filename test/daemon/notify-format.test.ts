/**
 * Notification text, byte for byte with reference/keepalived-observability.md and Keepalived's
 * vrrp_notify.c / smtp.c.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelopeAddress, fifoLine, mailData, mailDate, notifyArgs, planNotify, vrrpMail, type NotifyScripts } from '../../src/daemon/notify/format.js';

const pos = { file: 'k.conf', line: 1 };
const script = (...args: string[]) => ({ args, pos });

test('notify_fifo lines: TYPE "name" STATE priority, groups at priority 0', () => {
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 150), 'INSTANCE "VI_1" MASTER 150\n');
  assert.equal(fifoLine('GROUP', 'VG1', 'BACKUP', 100), 'GROUP "VG1" BACKUP 0\n');
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 150), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'BACKUP_PRIORITY', 90), 'INSTANCE "VI_1" BACKUP_PRIORITY 90\n');
});

test('the generic notify script gets its own arguments, then INSTANCE|GROUP name STATE priority', () => {
  assert.deepEqual(notifyArgs(['/tmp/x/notify.sh', 'a b'], 'INSTANCE', 'VI_1', 'FAULT', 150), ['/tmp/x/notify.sh', 'a b', 'INSTANCE', 'VI_1', 'FAULT', '150']);
});

test('planNotify: the state script with only its own arguments, then notify, then the fifo line', () => {
  const s: NotifyScripts = { notify_master: script('/m.sh', 'master_script'), notify: script('/n.sh'), smtp_alert: false };
  const p = planNotify('INSTANCE', 'VI_1', s, 'MASTER', 150);
  assert.deepEqual(p.scripts.map((r) => r.args), [['/m.sh', 'master_script'], ['/n.sh', 'INSTANCE', 'VI_1', 'MASTER', '150']]);
  assert.equal(p.fifo, 'INSTANCE "VI_1" MASTER 150\n');
  assert.ok(p.scripts.every((r) => r.waitMs === undefined), 'not STOP: nobody waits');
});

test('STOP scripts are waited for 1 s; a group notify_stop only starts, its notify waits', () => {
  const s: NotifyScripts = { notify_stop: script('/s.sh'), notify: script('/n.sh'), smtp_alert: false };
  assert.deepEqual(planNotify('INSTANCE', 'VI_1', s, 'STOP', 100).scripts.map((r) => r.waitMs), [1000, 1000]);
  assert.deepEqual(planNotify('GROUP', 'G', s, 'STOP', 100).scripts.map((r) => r.waitMs), [undefined, 1000]);
  assert.deepEqual(planNotify('GROUP', 'G', s, 'STOP', 100).scripts[1]!.args, ['/n.sh', 'GROUP', 'G', 'STOP', '0']);
});

test('an instance deleted by reload says FAULT unless notify_deleted is set', () => {
  const s: NotifyScripts = { notify_fault: script('/f.sh'), notify_deleted_script: script('/d.sh'), smtp_alert: false };
  const old = planNotify('INSTANCE', 'VI_1', s, 'DELETED', 100);
  assert.equal(old.fifo, 'INSTANCE "VI_1" FAULT 100\n');
  assert.deepEqual(old.scripts.map((r) => r.args[0]), ['/f.sh']);
  const now = planNotify('INSTANCE', 'VI_1', { ...s, notify_deleted: true }, 'DELETED', 100);
  assert.equal(now.fifo, 'INSTANCE "VI_1" DELETED 100\n');
  assert.deepEqual(now.scripts.map((r) => r.args[0]), ['/d.sh']);
});

test('script user and group travel with the run', () => {
  const p = planNotify('INSTANCE', 'VI_1', { notify_backup: { args: ['/b.sh'], user: 'nobody', group: 'nogroup', pos }, smtp_alert: false }, 'BACKUP', 1);
  assert.deepEqual(p.scripts[0], { args: ['/b.sh'], user: 'nobody', group: 'nogroup' });
});

test('e-mail subject and body in Keepalived words; no mail twice for one state, none when off', () => {
  const o = { routerId: 'lb1', smtpAlert: true, noEmailFaults: false };
  assert.deepEqual(vrrpMail('INSTANCE', 'VI_1', 'MASTER', o), { subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
  // Keepalived 2.2.7 sends nothing at shutdown (the "Stopping" alert never leaves).
  assert.equal(vrrpMail('INSTANCE', 'VI_1', 'STOP', o), undefined);
  assert.equal(vrrpMail('GROUP', 'VG1', 'STOP', o), undefined);
  assert.deepEqual(vrrpMail('GROUP', 'VG1', 'BACKUP', o), { subject: '[lb1] VRRP Group VG1 - Entering BACKUP state', body: '=> All VRRP group instances are now in BACKUP state <=' });
  assert.equal(vrrpMail('INSTANCE', 'VI_1', 'MASTER', { ...o, lastMailed: 'MASTER' }), undefined);
  assert.equal(vrrpMail('INSTANCE', 'VI_1', 'FAULT', { ...o, noEmailFaults: true }), undefined);
  assert.equal(vrrpMail('INSTANCE', 'VI_1', 'MASTER', { ...o, smtpAlert: false }), undefined);
});

test('envelope addresses: a bracketed address is used as given, a bare one is bracketed', () => {
  assert.equal(envelopeAddress('ops@example.com'), '<ops@example.com>');
  assert.equal(envelopeAddress('Ops Team <ops@example.com>'), '<ops@example.com>');
});

test('DATA: Date, From, Subject, X-Mailer, To joined by ",\\r\\n ", blank line, body, lone dot', () => {
  const text = mailData({ subject: 'S', body: '=> B <=' }, 'ka@lb1', ['a@x', 'b@x'], 'Mon, 01 Mar 2021 09:44:08 +0000');
  assert.equal(text, 'Date: Mon, 01 Mar 2021 09:44:08 +0000\r\nFrom: ka@lb1\r\nSubject: S\r\nX-Mailer: Keepalived\r\nTo: a@x,\r\n b@x\r\n\r\n=> B <=\r\n\r\n.\r\n');
  assert.match(mailData({ subject: 'S', body: '.hidden' }, 'f', ['t'], 'd'), /\r\n\r\n\.\.hidden\r\n/);
});

test('mailDate is strftime "%a, %d %b %Y %H:%M:%S %z" in local time', () => {
  const d = new Date(2021, 2, 1, 9, 4, 8);
  const off = -d.getTimezoneOffset();
  const z = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
  assert.equal(mailDate(d), `Mon, 01 Mar 2021 09:04:08 ${z}`);
});
