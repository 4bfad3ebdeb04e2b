/**
 * keepalived-ts under systemd's Type=notify, with the test playing the service manager: it binds
 * the $NOTIFY_SOCKET datagram socket and reads what the daemon says. READY=1 comes once the
 * instance is in its first state; a SIGHUP brings RELOADING=1 (with MONOTONIC_USEC) then READY=1;
 * a reload of a broken file is refused with STATUS= naming file and line, and the daemon keeps
 * its VIP; a reload that adds the first virtual_server starts the checker process; WATCHDOG=1
 * keeps coming while the children answer and stops while the VRRP child is frozen; SIGTERM says
 * STOPPING=1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { NotifyListener } from '../../src/os/sd-notify.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'web'] }, (lab) => (v = lab));

let listener: NotifyListener | undefined;
// Read as systemd does, all the time: a datagram socket holds only a few unread messages.
const reader = setInterval(() => heard(), 20);
after(() => {
  clearInterval(reader);
  listener?.close();
});

const said: string[] = [];
function heard(): string[] {
  said.push(...(listener?.drain() ?? []));
  return said;
}
async function hear(pred: (m: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  let found: string | undefined;
  await waitFor(() => (found = heard().find(pred)) !== undefined, timeoutMs, what);
  said.splice(said.indexOf(found!), 1);
  return found!;
}
const pidOf = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('Type=notify: READY, RELOADING then READY, STATUS on a refused reload, the checker started by a reload, WATCHDOG while alive, STOPPING', { skip, timeout: 90_000 }, async () => {
  listener = new NotifyListener(path.join(v.dir, 'notify.sock'));
  const vipAddr = v.lab.spareAddress(150);
  const vip = `${vipAddr}/24`;
  const vrrpOnly = globalDefs('sd_d1') + instance({ vrid: 150, priority: 150, vips: [vip] });
  const d = v.start('d1', vrrpOnly, { NOTIFY_SOCKET: listener.path, WATCHDOG_USEC: '600000', KEEPALIVED_TS_DATAPLANE: 'none' });
  const conf = path.join(path.dirname(d.pidFile), 'keepalived.conf');
  try {
    const ready = await hear((m) => m.startsWith('READY=1'), 'READY=1 at start-up');
    assert.match(ready, /STATUS=Running: VRRP child/);
    assert.ok(d.output.some((l) => l.includes('Startup complete')), d.output.join('\n'));
    await v.waitHolder('d1', ['d1'], vip, 10_000);

    const parent = pidOf(d.pidFile);
    process.kill(parent, 'SIGHUP');
    const reloading = await hear((m) => m.startsWith('RELOADING=1'), 'RELOADING=1');
    assert.match(reloading, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    await hear((m) => m.startsWith('READY=1'), 'READY=1 after the reload');

    // A broken file: refused with its file and line, and nothing changes.
    fs.writeFileSync(conf, vrrpOnly.replace('virtual_router_id 150', 'virtual_router_id 300'));
    process.kill(parent, 'SIGHUP');
    await hear((m) => m.startsWith('RELOADING=1'), 'RELOADING=1 (broken file)');
    const refused = await hear((m) => m.includes('STATUS=Reload refused'), 'STATUS= of a refused reload');
    assert.match(refused, /^READY=1\nSTATUS=Reload refused: .*keepalived\.conf:\d+: .*VRID '300'/);
    assert.ok(await v.holds('d1', vip), 'the VIP stays');

    // The first virtual_server: the parent starts the checker process.
    const web = v.lab.host('web').address;
    fs.writeFileSync(conf, `${vrrpOnly}virtual_server ${vipAddr} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server ${web} 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n`);
    process.kill(parent, 'SIGHUP');
    await hear((m) => m.startsWith('RELOADING=1'), 'RELOADING=1 (virtual_server added)');
    await hear((m) => m.startsWith('READY=1'), 'READY=1 once the checker is up');
    await waitFor(() => fs.existsSync(d.checkersPidFile) && alive(pidOf(d.checkersPidFile)), 5_000, 'the checker process runs');
    assert.ok(d.output.some((l) => l.includes('Starting Healthcheck child process')));

    // The watchdog: pings while every child answers; none while the VRRP child is frozen.
    heard();
    said.length = 0;
    await hear((m) => m === 'WATCHDOG=1', 'WATCHDOG=1', 3_000);
    const child = pidOf(d.vrrpPidFile);
    process.kill(child, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 700));
      said.length = 0;
      await new Promise((r) => setTimeout(r, 1_500));
      assert.deepEqual(heard().filter((m) => m === 'WATCHDOG=1'), [], 'no WATCHDOG=1 while the VRRP child is stopped');
    } finally {
      process.kill(child, 'SIGCONT');
    }
    await hear((m) => m === 'WATCHDOG=1', 'WATCHDOG=1 again once it runs', 3_000);

    await d.kill('SIGTERM');
    await hear((m) => m.startsWith('STOPPING=1'), 'STOPPING=1', 5_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- daemon\n${d.output.join('\n')}\n--- notify\n${said.join('\n|')}`);
  } finally {
    await d.kill('SIGKILL');
  }
});
