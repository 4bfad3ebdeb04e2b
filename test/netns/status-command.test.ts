/**
 * `keepalived-ts status` against a running daemon: the control socket sits beside the pid file
 * (.sock for .pid) with mode 0600; the text names each instance with its state and priorities;
 * --json is the same document /api/status serves; --follow streams events as JSON lines (here a
 * reload and the transition to MASTER of a second daemon's instance going away).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, repo, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const run = promisify(execFile);
const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2'] }, (lab) => (v = lab));

const bin = () => path.join(repo, 'bin/keepalived-ts');

test('status: socket 0600 beside the pid file, text and JSON agree, --follow streams a reload and a takeover', { skip, timeout: 90_000 }, async () => {
  const vip = `${v.lab.spareAddress(170)}/24`;
  const d1 = v.start('d1', globalDefs('st_d1') + instance({ vrid: 170, priority: 150, vips: [vip] }));
  const d2 = v.start('d2', globalDefs('st_d2') + instance({ vrid: 170, priority: 100, vips: [vip] }));
  let follower: ReturnType<typeof spawn> | undefined;
  let followed = '';
  try {
    await v.waitHolder('d1', ['d1', 'd2'], vip, 20_000);
    const sock = d2.pidFile.replace(/\.pid$/, '.sock');
    const st = fs.statSync(sock);
    assert.ok(st.isSocket(), 'a socket beside the pid file');
    assert.equal(st.mode & 0o777, 0o600);
    follower = spawn(process.execPath, [bin(), 'status', '--follow', '-p', d2.pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    follower.stdout!.on('data', (b: Buffer) => (followed += b.toString()));

    const text = (await run(process.execPath, [bin(), 'status', '-p', d2.pidFile])).stdout;
    assert.match(text, /^ {2}VI_1 {2}BACKUP {2}priority 100 {2}eth0 vrid 170 v2/m);
    const json = JSON.parse((await run(process.execPath, [bin(), 'status', '--json', '-p', d2.pidFile])).stdout) as { pid: number; vrrp: { instances: Array<{ state: string; vips: string[] }> } };
    assert.equal(json.pid, Number(fs.readFileSync(d2.pidFile, 'utf8')));
    assert.equal(json.vrrp.instances[0]!.state, 'BACKUP');
    assert.deepEqual(json.vrrp.instances[0]!.vips, [vip]);

    await new Promise((r) => setTimeout(r, 300)); // the follower's connection is made
    process.kill(json.pid, 'SIGHUP');
    await waitFor(() => /"type":"reload","outcome":"complete"/.test(followed), 10_000, 'the follower hears the reload');
    await d1.kill('SIGKILL');
    await waitFor(() => /"type":"transition","instance":"VI_1","from":"BACKUP","to":"MASTER"/.test(followed), 15_000, 'the follower hears the takeover');
    for (const line of followed.trim().split('\n')) JSON.parse(line);
  } finally {
    follower?.kill('SIGTERM');
    await d1.kill('SIGTERM');
    await d2.kill('SIGTERM');
  }
  // A daemon that is gone: status says so and fails.
  await assert.rejects(run(process.execPath, [bin(), 'status', '-p', d2.pidFile]), /no daemon answers/);
});

test('status: a child that does not answer in time is named, its part missing, not taken for one without instances; it answers again once resumed', { skip, timeout: 60_000 }, async () => {
  const vip = `${v.lab.spareAddress(171)}/24`;
  const d1 = v.start('d1', globalDefs('st_stop') + instance({ vrid: 171, priority: 150, vips: [vip] }));
  let child: number | undefined;
  try {
    await v.waitHolder('d1', ['d1'], vip, 20_000);
    child = Number(fs.readFileSync(d1.vrrpPidFile, 'utf8'));
    process.kill(child, 'SIGSTOP');
    const json = JSON.parse((await run(process.execPath, [bin(), 'status', '--json', '-p', d1.pidFile])).stdout) as { children: string[]; unanswered: string[]; vrrp?: unknown };
    assert.deepEqual(json.children, ['VRRP']);
    assert.deepEqual(json.unanswered, ['VRRP']);
    assert.equal(json.vrrp, undefined);
    const text = (await run(process.execPath, [bin(), 'status', '-p', d1.pidFile])).stdout;
    assert.match(text, /^VRRP child: no answer in time/m);
    process.kill(child, 'SIGCONT');
    child = undefined;
    const again = JSON.parse((await run(process.execPath, [bin(), 'status', '--json', '-p', d1.pidFile])).stdout) as { unanswered: string[]; vrrp: { instances: Array<{ state: string }> } };
    assert.deepEqual(again.unanswered, []);
    assert.equal(again.vrrp.instances[0]!.state, 'MASTER');
  } finally {
    if (child !== undefined) process.kill(child, 'SIGCONT');
    await d1.kill('SIGTERM');
  }
});
