/**
 * From a configuration file to running trackers and notifications: only tracked objects run,
 * unsafe scripts are disabled under enable_script_security, engine actions become notify calls.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { notifyAction, openNotifier, smtpSettings } from '../../src/daemon/notify/from-config.js';
import { startTracking, type Tracking } from '../../src/daemon/track/start.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-wiring-'));
fs.chmodSync(dir, 0o755);
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops) await s();
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(text: string) {
  return loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('startTracking runs the tracked script, file and process, and not the untracked script', async () => {
  const ok = path.join(dir, 'ok.sh');
  fs.writeFileSync(ok, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const level = path.join(dir, 'level');
  fs.writeFileSync(level, '7\n');
  const cfg = config(`
vrrp_script chk_ok { script "${ok}" interval 30 }
vrrp_script chk_unused { script "${ok}" }
track_file tf { file "${level}" }
vrrp_track_process tp { process no_such_proc_x }
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 10.9.9.9/32 }
  track_script { chk_ok }
  track_file { tf }
  track_process { tp }
}`);
  const seen: string[] = [];
  const log = memoryLogger();
  const tracking: Tracking = startTracking(cfg, { clock: systemClock, log, setTracked: (k, n, s) => seen.push(`${k} ${n} ${JSON.stringify(s)}`) });
  stops.push(() => tracking.stop());
  assert.deepEqual([...tracking.scripts.keys()], ['chk_ok']);
  await until('script result', () => seen.some((l) => l.startsWith('script')));
  assert.deepEqual(seen.sort(), ['file tf {"value":7}', 'process tp {"up":false}', 'script chk_ok {"up":true}']);
});

test('enable_script_security disables a root script in a world-writable directory', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const open = path.join(dir, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  const s = path.join(open, 'chk.sh');
  fs.writeFileSync(s, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const cfg = config(`
global_defs { enable_script_security script_user root }
vrrp_script chk { script "${s}" }
vrrp_instance VI_1 { interface lo virtual_router_id 51 priority 100 virtual_ipaddress { 10.9.9.9/32 } track_script { chk } }`);
  const log = memoryLogger();
  const tracking = startTracking(cfg, { clock: systemClock, log, setTracked: () => {} });
  stops.push(() => tracking.stop());
  assert.equal(tracking.scripts.size, 0);
  assert.ok(log.lines.includes(`Unsafe permissions found for script '${s}' - disabling.`), log.lines.join('\n'));
});

test('engine actions become notify scripts with the effective priority; INIT says nothing', async () => {
  const out = path.join(dir, 'notify.out');
  const rec = path.join(dir, 'rec.sh');
  fs.writeFileSync(rec, `#!/bin/sh\necho "$*" >> ${out}\n`, { mode: 0o755 });
  const cfg = config(`
vrrp_sync_group VG1 { group { VI_1 } notify "${rec} g" }
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 10.9.9.9/32 }
  notify "${rec} i"
}`);
  const n = openNotifier(cfg, { log: memoryLogger(), hostname: 'lb1' });
  stops.push(() => n.close());
  await notifyAction(n, cfg, { kind: 'transition', instance: 'VI_1', from: 'INIT', to: 'INIT', reason: 'init' }, 100);
  await notifyAction(n, cfg, { kind: 'transition', instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'x' }, 120);
  await notifyAction(n, cfg, { kind: 'group_transition', group: 'VG1', from: 'BACKUP', to: 'MASTER', reason: 'x' }, 0);
  await until('two lines', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length === 3);
  assert.deepEqual(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).sort(), ['g GROUP VG1 MASTER 0', 'i INSTANCE VI_1 MASTER 120']);
});

test('SMTP settings fill in Keepalived\'s defaults from the host name', () => {
  const cfg = config('global_defs {\n smtp_server 127.0.0.1 2525\n notification_email {\n  a@x\n }\n}\n');
  const s = smtpSettings(cfg, 'lb1')!;
  assert.equal(s.heloName, 'lb1');
  assert.equal(s.from, `${os.userInfo().username}@lb1`);
  assert.deepEqual(s.server, { address: '127.0.0.1', port: 2525 });
  assert.equal(smtpSettings(config('global_defs {\n smtp_server 127.0.0.1\n}\n'), 'lb1'), undefined, 'no recipients, no mail');
});

test('notify_priority_changes: a tracked priority change is a MASTER_PRIORITY / BACKUP_PRIORITY FIFO line; without it nothing', async () => {
  const base = (flag: string) => config(`
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 51
  priority 100
  ${flag}
  virtual_ipaddress { 10.9.9.9/32 }
}`);
  const events: string[] = [];
  const fake = { event: (name: string, event: string, priority: number) => void events.push(`${name} ${event} ${priority}`) } as unknown as Parameters<typeof notifyAction>[0];
  await notifyAction(fake, base('notify_priority_changes'), { kind: 'priority_change', instance: 'VI_1', from: 100, to: 90, state: 'MASTER' }, 90);
  await notifyAction(fake, base('notify_priority_changes'), { kind: 'priority_change', instance: 'VI_1', from: 90, to: 100, state: 'BACKUP' }, 100);
  await notifyAction(fake, base(''), { kind: 'priority_change', instance: 'VI_1', from: 100, to: 90, state: 'MASTER' }, 90);
  assert.deepEqual(events, ['VI_1 MASTER_PRIORITY 90', 'VI_1 BACKUP_PRIORITY 100']);
});
