/**
 * track_file on a real directory: values read at start and on change, a missing file is 0,
 * deleting or moving the file away is 0, moving one in is read, init_file writes its value.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { TrackFile } from '../../src/config/sections/vrrp-track.js';
import { memoryLogger } from '../../src/base/log.js';
import { FileTracker, parseTrackValue } from '../../src/daemon/track/file-tracker.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-tfile-'));
const trackers: FileTracker[] = [];
after(() => {
  for (const t of trackers) t.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tf = (name: string, file: string, o: Partial<TrackFile> = {}): TrackFile => ({ name, pos: { file: 'k', line: 1 }, file, weight: 1, reverse: false, ...o });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function track(files: TrackFile[]) {
  const log = memoryLogger();
  const seen: Array<[string, number]> = [];
  const t = new FileTracker(files, { log, onChange: (n, v) => seen.push([n, v]) });
  trackers.push(t);
  t.start();
  return { t, log, seen };
}

test('numbers are read as strtol(..., 0) does; junk is 0, out of int32 is refused', () => {
  assert.equal(parseTrackValue('42\n'), 42);
  assert.equal(parseTrackValue('  -7 apples'), -7);
  assert.equal(parseTrackValue('0x10'), 16);
  assert.equal(parseTrackValue('010'), 8);
  assert.equal(parseTrackValue('abc'), 0);
  assert.equal(parseTrackValue(''), 0);
  assert.equal(parseTrackValue('2147483648'), 2147483648);
  assert.equal(parseTrackValue('99999999999'), 'invalid');
});

test('the value at start, then every write', async () => {
  const file = path.join(dir, 'a');
  fs.writeFileSync(file, '5\n');
  const { t, seen } = track([tf('ta', file)]);
  assert.deepEqual(seen, [['ta', 5]]);
  fs.writeFileSync(file, '-20\n');
  await until('-20', () => seen.at(-1)?.[1] === -20);
  // Rewritten in place the way `echo 3 > file` does: truncate, then write.
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '3\n');
  fs.closeSync(fd);
  await until('3', () => seen.at(-1)?.[1] === 3);
  assert.ok(!seen.some(([, v]) => v === 0), `no transient 0 from the truncation: ${JSON.stringify(seen)}`);
  t.stop();
});

test('a missing file is 0; creating it is seen; deleting or moving it away is 0 again', async () => {
  const file = path.join(dir, 'b');
  const { t, seen } = track([tf('tb', file)]);
  assert.deepEqual(seen, [['tb', 0]]);
  const tmp = path.join(dir, 'b.tmp');
  fs.writeFileSync(tmp, '9');
  fs.renameSync(tmp, file);
  await until('moved in', () => seen.at(-1)?.[1] === 9);
  fs.unlinkSync(file);
  await until('deleted', () => seen.at(-1)?.[1] === 0);
  fs.writeFileSync(file, '4');
  await until('created', () => seen.at(-1)?.[1] === 4);
  fs.renameSync(file, tmp);
  await until('moved away', () => seen.at(-1)?.[1] === 0);
  assert.deepEqual(seen.map(([, v]) => v), [0, 9, 0, 4, 0]);
  t.stop();
});

test('only changes are reported, and other files in the directory are ignored', async () => {
  const file = path.join(dir, 'c');
  fs.writeFileSync(file, '1');
  const { t, seen } = track([tf('tc', file)]);
  fs.writeFileSync(path.join(dir, 'unrelated'), '77');
  fs.writeFileSync(file, '1');
  fs.writeFileSync(file, '2');
  await until('2', () => seen.at(-1)?.[1] === 2);
  assert.deepEqual(seen, [['tc', 1], ['tc', 2]]);
  t.stop();
});

test('init_file writes a missing file, overwrite replaces an existing one, a plain init_file keeps it', () => {
  const fresh = path.join(dir, 'd');
  const kept = path.join(dir, 'e');
  const over = path.join(dir, 'f');
  fs.writeFileSync(kept, '8\n');
  fs.writeFileSync(over, '8\n');
  const { t, seen } = track([
    tf('td', fresh, { init_file: { value: 0, overwrite: false } }),
    tf('te', kept, { init_file: { value: 3, overwrite: false } }),
    tf('tf', over, { init_file: { value: -5, overwrite: true } }),
  ]);
  assert.equal(fs.readFileSync(fresh, 'utf8'), '0\n');
  assert.equal(fs.readFileSync(kept, 'utf8'), '8\n');
  assert.equal(fs.readFileSync(over, 'utf8'), '-5\n');
  assert.deepEqual(seen, [['td', 0], ['te', 8], ['tf', -5]]);
  t.stop();
});

test('init_file overwrite replaces a symlink planted at the file, never writing through it', () => {
  const victim = path.join(dir, 'victim');
  const link = path.join(dir, 'planted');
  fs.writeFileSync(victim, 'keep me');
  fs.symlinkSync(victim, link);
  const { t, seen } = track([tf('tl', link, { init_file: { value: 7, overwrite: true } })]);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
  assert.ok(!fs.lstatSync(link).isSymbolicLink(), 'the link is replaced by the file');
  assert.equal(fs.readFileSync(link, 'utf8'), '7\n');
  assert.deepEqual(seen, [['tl', 7]]);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('planted')), ['planted'], 'no temporary file left behind');
  t.stop();
});

test('a file in a directory that does not exist is dropped with Keepalived\'s message', () => {
  const { t, log, seen } = track([tf('tg', path.join(dir, 'no-such-dir', 'x'))]);
  assert.deepEqual(seen, []);
  assert.ok(log.lines.includes('Track file directory for tg does not exist - removing'));
  t.stop();
});
