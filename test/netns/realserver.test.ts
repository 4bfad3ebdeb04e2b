/**
 * `keepalived-ts realserver` in a lab host (sysctls are per network namespace): start puts the
 * VIPs on lo and quiets ARP, start again changes nothing more, status exits 0 then, stop gives
 * the host back as it was and status exits 3; a symlink where the record goes is not followed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable } from '../../src/lab/lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const skip = labUnavailable() ?? false;
let lab: Lab | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-rs-'));

before(async () => {
  if (!skip) lab = await Lab.create({ hosts: ['rs'], ipv6: true });
});
after(async () => {
  await lab?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

function realserver(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const p = spawnSync('ip', ['netns', 'exec', lab!.host('rs').ns, process.execPath, path.join(repo, 'bin/keepalived-ts'), 'realserver', ...args], { encoding: 'utf8' });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

const KEYS = ['all', 'lo'].flatMap((d) => [`net.ipv4.conf.${d}.arp_ignore`, `net.ipv4.conf.${d}.arp_announce`]);

async function hostNow(): Promise<{ lo: string[]; sysctls: string[] }> {
  const lo = JSON.parse(await lab!.exec('rs', 'ip', '-j', 'addr', 'show', 'dev', 'lo')) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  const sysctls = await Promise.all(KEYS.map(async (k) => `${k}=${(await lab!.exec('rs', 'sysctl', '-n', k)).trim()}`));
  return { lo: lo.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).sort(), sysctls };
}

test('start, start again, status, stop, status: the host is as before, the record gone', { skip }, async () => {
  const vip = lab!.spareAddress(100);
  const state = path.join(dir, 'run', 'realserver.json');
  const common = ['--vip', vip, '--vip', 'fd00:99::100', '--state', state];
  const original = await hostNow();
  assert.equal(realserver('status', ...common).code, 3);

  const start = realserver('start', ...common);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, new RegExp(`^added ${vip.replaceAll('.', '\\.')}/32 on lo$`, 'm'));
  const up = await hostNow();
  assert.ok(up.lo.includes(`${vip}/32`) && up.lo.includes('fd00:99::100/128'), up.lo.join(' '));
  assert.deepEqual(up.sysctls, ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.lo.arp_ignore=1', 'net.ipv4.conf.lo.arp_announce=2']);
  const record = fs.readFileSync(state, 'utf8');
  assert.equal(fs.statSync(state).mode & 0o777, 0o600);

  const again = realserver('start', ...common);
  assert.deepEqual(again, { code: 0, stdout: 'all in place already\n', stderr: '' });
  assert.deepEqual(await hostNow(), up);
  assert.equal(fs.readFileSync(state, 'utf8'), record, 'the record of the first start stays');
  assert.deepEqual(fs.readdirSync(path.dirname(state)), ['realserver.json'], 'no temporary file left');

  const status = realserver('status', ...common);
  assert.equal(status.code, 0, status.stdout);
  assert.equal(status.stdout.split('\n').filter((l) => l.startsWith('in place')).length, 6);

  const stop = realserver('stop', '--state', state);
  assert.equal(stop.code, 0, stop.stderr);
  assert.deepEqual(await hostNow(), original);
  assert.equal(fs.existsSync(state), false);
  assert.equal(realserver('status', ...common).code, 3);
  assert.deepEqual(realserver('stop', '--state', state), { code: 0, stdout: 'nothing to undo\n', stderr: 'keepalived-ts realserver: nothing recorded: start was not run, or stop already was\n' });
});

test('a symlink where the record goes is neither followed nor written through', { skip }, () => {
  const target = path.join(dir, 'elsewhere.json');
  fs.writeFileSync(target, 'untouched');
  const state = path.join(dir, 'link.json');
  fs.symlinkSync(target, state);
  const r = realserver('start', '--vip', lab!.spareAddress(101), '--state', state);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is a symlink: not read/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'untouched');
});

test('usage: an unknown action or a start without --vip exits 2', { skip }, () => {
  assert.equal(realserver('restart').code, 2);
  const r = realserver('start', '--state', path.join(dir, 'x.json'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /start needs at least one --vip/);
});
