/**
 * enable_script_security for notify scripts, fifo scripts and MISC_CHECK (secure-scripts.ts) over a
 * fake file system, then once for real: a MISC_CHECK and notify scripts in a world-writable
 * directory are disabled by the checker process and never run.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/base/log.js';
import type { SecurityFs, StatInfo } from '../../src/daemon/track/script-security.js';
import { secureCheckScripts, secureVrrpScripts } from '../../src/daemon/track/secure-scripts.js';
import { parseUserDb } from '../../src/daemon/track/users.js';

const DIR = 0o040000;
const REG = 0o100000;
const root = (mode: number): StatInfo => ({ uid: 0, gid: 0, mode });
const table: Record<string, StatInfo> = {
  '/': root(DIR | 0o755),
  '/etc': root(DIR | 0o755),
  '/etc/ka': root(DIR | 0o755),
  '/etc/ka/ok.sh': root(REG | 0o755),
  '/etc/ka/noexec.sh': root(REG | 0o644),
  '/srv': root(DIR | 0o777),
  '/srv/bad.sh': root(REG | 0o755),
  '/usr': root(DIR | 0o755),
  '/usr/bin': root(DIR | 0o755),
  '/usr/bin/logger': root(REG | 0o755),
};
const fakeFs: SecurityFs = { lstat: (p) => table[p], stat: (p) => table[p], realpath: (p) => (table[p] ? p : undefined) };
const deps = (log = memoryLogger()) => ({ log, securityFs: fakeFs, users: parseUserDb('root:x:0:0::/root:/bin/sh\n', 'root:x:0:\n'), self: { uid: 0, gid: 0 }, pathEnv: '/usr/bin' });

const vrrpConf = (security: boolean) => `global_defs {
  ${security ? 'enable_script_security' : ''}
  notify_fifo /run/ka.fifo
  notify_fifo_script /srv/bad.sh
  vrrp_notify_fifo /run/ka-vrrp.fifo
  vrrp_notify_fifo_script /etc/ka/ok.sh
}
vrrp_sync_group G {
  group {
    VI_1
  }
  notify_master /srv/bad.sh
  notify_backup /etc/ka/ok.sh
}
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    10.9.9.9
  }
  notify_master "/srv/bad.sh master"
  notify_backup "/etc/ka/ok.sh backup"
  notify_fault /etc/ka/missing.sh
  notify_stop /etc/ka/noexec.sh
  notify "logger -t ka"
}
`;

const load = (text: string) => loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'x' }).config;

test('VRRP: with enable_script_security unsafe, missing and non-executable notify scripts are dropped, logged as Keepalived does', () => {
  const log = memoryLogger();
  const { config, insecure } = secureVrrpScripts(load(vrrpConf(true)), deps(log));
  const i = config.vrrp_instance[0]!;
  const g = config.vrrp_sync_group[0]!;
  assert.equal(insecure, false);
  assert.equal(i.notify_master, undefined);
  assert.deepEqual(i.notify_backup?.args, ['/etc/ka/ok.sh', 'backup']);
  assert.equal(i.notify_fault, undefined);
  assert.equal(i.notify_stop, undefined);
  // A bare name runs by the path it resolved to.
  assert.deepEqual(i.notify?.args, ['/usr/bin/logger', '-t', 'ka']);
  assert.equal(g.notify_master, undefined);
  assert.deepEqual(g.notify_backup?.args, ['/etc/ka/ok.sh']);
  assert.equal(config.global_defs.notify_fifo?.name, '/run/ka.fifo', 'the FIFO stays');
  assert.equal(config.global_defs.notify_fifo?.script, undefined, 'its script is dropped');
  assert.deepEqual(config.global_defs.vrrp_notify_fifo?.script?.args, ['/etc/ka/ok.sh']);
  assert.ok(log.lines.includes("Unsafe permissions found for script '/srv/bad.sh' - disabling."), log.lines.join('\n'));
  assert.ok(log.lines.includes('Script /etc/ka/missing.sh cannot be accessed - No such file or directory'), log.lines.join('\n'));
  assert.ok(log.lines.includes("WARNING - script '/etc/ka/noexec.sh' is not executable for uid:gid 0:0 - disabling."), log.lines.join('\n'));
  assert.ok(log.lines.includes('WARNING - script `logger` resolved by path search to `/usr/bin/logger`. Please specify full path.'));
});

test('VRRP: without enable_script_security unsafe scripts still run, warned about, and the process is told to log the violation', () => {
  const log = memoryLogger();
  const { config, insecure } = secureVrrpScripts(load(vrrpConf(false)), deps(log));
  assert.equal(insecure, true);
  assert.deepEqual(config.vrrp_instance[0]!.notify_master?.args, ['/srv/bad.sh', 'master']);
  assert.deepEqual(config.global_defs.notify_fifo?.script?.args, ['/srv/bad.sh']);
  assert.ok(log.lines.includes("Unsafe permissions found for script '/srv/bad.sh'."), log.lines.join('\n'));
  // Missing scripts are dropped either way, as Keepalived frees them.
  assert.equal(config.vrrp_instance[0]!.notify_fault, undefined);
});

const checkConf = (security: boolean) => `global_defs {
  ${security ? 'enable_script_security' : ''}
  lvs_notify_fifo /run/ka-lvs.fifo
  lvs_notify_fifo_script /srv/bad.sh
}
virtual_server 10.1.1.1 80 {
  delay_loop 5
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum_up /srv/bad.sh
  quorum_down /etc/ka/ok.sh
  real_server 10.1.1.2 80 {
    notify_up "/srv/bad.sh up"
    notify_down /etc/ka/ok.sh
    MISC_CHECK {
      misc_path "/srv/bad.sh check"
    }
    MISC_CHECK {
      misc_path /etc/ka/gone.sh
    }
    MISC_CHECK {
      misc_path /etc/ka/ok.sh
    }
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;

test('checker: unsafe MISC_CHECKs are removed with "Disabling misc script", notify_up/down, quorum and lvs fifo scripts dropped', () => {
  const log = memoryLogger();
  const { config, insecure } = secureCheckScripts(load(checkConf(true)), deps(log));
  const vs = config.virtual_server[0]!;
  const rs = vs.real_server[0]!;
  assert.equal(insecure, false);
  assert.deepEqual(rs.checkers.map((c) => c.checker), ['MISC_CHECK', 'TCP_CHECK']);
  const misc = rs.checkers[0]!;
  assert.ok(misc.checker === 'MISC_CHECK' && misc.misc_path.args[0] === '/etc/ka/ok.sh');
  assert.equal(rs.notify_up, undefined);
  assert.deepEqual(rs.notify_down?.args, ['/etc/ka/ok.sh']);
  assert.equal(vs.quorum_up, undefined);
  assert.deepEqual(vs.quorum_down?.args, ['/etc/ka/ok.sh']);
  assert.equal(config.global_defs.lvs_notify_fifo?.script, undefined);
  assert.ok(log.lines.includes('Disabling misc script /srv/bad.sh check due to insecure'), log.lines.join('\n'));
  assert.ok(log.lines.includes('Disabling misc script /etc/ka/gone.sh since not found/accessible'), log.lines.join('\n'));
});

test('checker: without enable_script_security an unsafe MISC_CHECK keeps running, warned about', () => {
  const log = memoryLogger();
  const { config, insecure } = secureCheckScripts(load(checkConf(false)), deps(log));
  assert.equal(insecure, true);
  assert.deepEqual(config.virtual_server[0]!.real_server[0]!.checkers.map((c) => c.checker), ['MISC_CHECK', 'MISC_CHECK', 'TCP_CHECK']);
  assert.ok(log.lines.includes("Unsafe permissions found for script '/srv/bad.sh'."));
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function waitFor(what: string, pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('for real: the checker process refuses a MISC_CHECK and notify scripts in a world-writable directory', { skip: process.getuid?.() !== 0 && 'needs root (scripts run as root)' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-secure-'));
  const open = path.join(dir, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  const ran = path.join(dir, 'ran');
  const misc = path.join(open, 'misc.sh');
  const notify = path.join(open, 'notify.sh');
  fs.writeFileSync(misc, `#!/bin/sh\necho misc >> ${ran}\nexit 1\n`, { mode: 0o755 });
  fs.writeFileSync(notify, `#!/bin/sh\necho notify >> ${ran}\n`, { mode: 0o755 });
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(conf, `global_defs {
  router_id test
  enable_script_security
}
virtual_server 127.0.0.1 18081 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 1 {
    notify_down ${notify}
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
    MISC_CHECK {
      misc_path ${misc}
    }
  }
}
`);
  let out = '';
  const daemon: ChildProcess = spawn(process.execPath, [path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-D', '-C', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid')], {
    env: { ...process.env, TMPDIR: dir, KEEPALIVED_TS_DATAPLANE: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // Port 1 refuses: the TCP_CHECK takes the server out, which would run notify_down.
  await waitFor('the server removed', () => out.includes('Removing service [127.0.0.1]:tcp:1'), 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(out.includes(`Unsafe permissions found for script '${misc}' - disabling.`), out);
  assert.ok(out.includes(`Disabling misc script ${misc} due to insecure`), out);
  assert.ok(out.includes(`Unsafe permissions found for script '${notify}' - disabling.`), out);
  assert.ok(!fs.existsSync(ran), `a script ran: ${fs.existsSync(ran) ? fs.readFileSync(ran, 'utf8') : ''}`);
  daemon.kill('SIGTERM');
  await waitFor('exit', () => daemon.exitCode !== null, 10_000);
});
