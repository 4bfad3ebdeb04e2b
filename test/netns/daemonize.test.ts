/**
 * Without -n, keepalived-ts goes to the background as Keepalived does: the command returns once
 * the daemon has written its pid file; SIGTERM to that pid stops everything and releases the VIP.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable, sh } from '../../src/lab/lab.js';

const skip = labUnavailable();
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/keepalived-ts');
let lab: Lab;
let dir: string;
let pid: number | undefined;

before(async () => {
  if (skip) return;
  lab = await Lab.create({ hosts: ['d1'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-daemonize-'));
});

after(async () => {
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('daemonizes, holds the VIP, and SIGTERM to the pid file\'s process releases it', { skip, timeout: 30_000 }, async () => {
  const vip = `${lab.spareAddress(100)}/24`;
  const conf = path.join(dir, 'k.conf');
  fs.writeFileSync(conf, `vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 5\n priority 255\n virtual_ipaddress { ${vip} }\n}\n`);
  const pidFile = path.join(dir, 'p.pid');
  const vrrpPid = path.join(dir, 'v.pid');
  await sh('ip', 'netns', 'exec', lab.host('d1').ns, process.execPath, bin, '-f', conf, '-p', pidFile, '-r', vrrpPid);
  pid = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 0, 'the command returned after the pid file was written');
  await waitFor(async () => (await lab.addresses('d1')).includes(vip), 10_000, 'the daemon holds the VIP');
  process.kill(pid, 'SIGTERM');
  await waitFor(async () => !(await lab.addresses('d1')).includes(vip), 10_000, 'the VIP is released');
  await waitFor(() => !fs.existsSync(pidFile) && !fs.existsSync(vrrpPid), 10_000, 'pid files removed');
  pid = undefined;
});
