/**
 * The host edge of `keepalived-ts realserver` (the plan: lb/realserver.ts): reads the device's
 * addresses (`ip -j addr show`) and the sysctls from /proc/sys (per network namespace: the
 * namespace this process runs in), applies steps with `ip addr add|del` and writes to /proc/sys,
 * and keeps the record in /run/keepalived-ts/realserver.json. The record is written to an
 * exclusively created temporary file and renamed over the old one (a reader sees one record or
 * the other; a planted symlink is neither written through nor, on reading, followed), in a
 * directory that must be a real directory, not a symlink.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RealserverHostState, RealserverRecord, RealserverStep } from '../lb/realserver.js';
import { runIp } from './ip-command.js';

export const DEFAULT_REALSERVER_STATE = '/run/keepalived-ts/realserver.json';

export class RealserverHostError extends Error {}

async function ip(args: readonly string[]): Promise<string> {
  const r = await runIp({}, args);
  if (r.code !== 0) throw new RealserverHostError(`'ip ${args.join(' ')}' failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** What is in place on `dev` for the sysctl keys (slash form); a key without a file is absent. */
export async function readHost(dev: string, keys: readonly string[]): Promise<RealserverHostState> {
  const shown = JSON.parse(await ip(['-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  const addresses = shown.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  const sysctls: Record<string, string> = {};
  for (const k of keys) {
    try {
      sysctls[k] = fs.readFileSync(`/proc/sys/${k}`, 'utf8').trim();
    } catch {
      // absent: the plan says so
    }
  }
  return { addresses, sysctls };
}

export async function applySteps(steps: readonly RealserverStep[]): Promise<void> {
  for (const s of steps) {
    if (s.kind === 'addr-add') await ip(['addr', 'add', s.address, 'dev', s.dev]);
    else if (s.kind === 'addr-del') await ip(['addr', 'del', s.address, 'dev', s.dev]);
    else fs.writeFileSync(`/proc/sys/${s.key}`, s.value);
  }
}

function checkDirectory(dir: string): void {
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new RealserverHostError(`${dir} is not a directory`);
}

export function readRecord(file: string): RealserverRecord | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new RealserverHostError(`${file} is a symlink: not read`);
    throw e;
  }
  try {
    const r = JSON.parse(fs.readFileSync(fd, 'utf8')) as RealserverRecord;
    if (typeof r.dev !== 'string' || !Array.isArray(r.added) || typeof r.previous !== 'object') throw new RealserverHostError(`${file}: not a realserver record`);
    return r;
  } catch (e) {
    if (e instanceof SyntaxError) throw new RealserverHostError(`${file}: ${e.message}`);
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the record (or removes it, for undefined). */
export function writeRecord(file: string, record: RealserverRecord | undefined): void {
  const dir = path.dirname(file);
  if (record === undefined) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  checkDirectory(dir);
  const tmp = `${file}.${randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(record, null, 2) + '\n');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* closed already */
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
