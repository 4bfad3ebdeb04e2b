/**
 * `keepalived-ts lab` where it cannot run: a usage error exits 2, a user who is not root and a
 * host without `ip netns` get one clear line and exit 1, before anything is made.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repo } from '../paths.js';

const bin = path.join(repo, 'bin/keepalived-ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-labcli-'));
fs.chmodSync(dir, 0o755);
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A state directory of its own for each call, so that each test sees what it made. */
const env = () => ({ ...process.env, KEEPALIVED_TS_LAB_PREFIX: `ktscli${process.pid}-`, KEEPALIVED_TS_LAB_DIR: path.join(dir, `state${++n}`) });

function lab(args: string[], extra: { env?: NodeJS.ProcessEnv; uid?: number } = {}) {
  const r = spawnSync(process.execPath, [bin, 'lab', ...args], { encoding: 'utf8', env: extra.env ?? env(), ...(extra.uid !== undefined ? { uid: extra.uid, gid: extra.uid } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lab without an action, or with an unknown one, is a usage error (exit 2)', () => {
  for (const args of [[], ['sideways'], ['traffic', '--seconds', '301']]) {
    const r = lab(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /keepalived-ts lab/);
  }
});

test('not root: one clear line, exit 1, nothing made', () => {
  // As root, the test runs the command as nobody; as a user, as that user.
  const r = process.getuid?.() === 0 ? lab(['up'], { uid: 65534 }) : lab(['up']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^keepalived-ts lab: needs root/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('no `ip` on the PATH: one clear line, exit 1', { skip: process.getuid?.() !== 0 ? 'the root check comes first' : undefined }, () => {
  const r = lab(['up'], { env: { ...env(), PATH: path.join(dir, 'empty') } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^keepalived-ts lab: `ip netns` does not work here/);
  assert.deepEqual(fs.readdirSync(dir), []);
});
