/** os/reaper.ts: reading /proc/PID/stat, and finding zombie children in a /proc of our own making. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseStat, zombieChildren } from '../../src/os/reaper.js';

test('parseStat: the state and parent come after the last ")", whatever the command name holds', () => {
  assert.deepEqual(parseStat('42 (ngin x) (worker)) Z 1 42 42 0 -1'), { pid: 42, ppid: 1, state: 'Z' });
  assert.deepEqual(parseStat('7 (sleep) S 3 7 7'), { pid: 7, ppid: 3, state: 'S' });
  assert.equal(parseStat('garbage'), undefined);
});

test('zombieChildren: zombies of the given parent only', () => {
  const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-proc-'));
  try {
    const put = (pid: number, line: string) => {
      fs.mkdirSync(path.join(proc, String(pid)));
      fs.writeFileSync(path.join(proc, String(pid), 'stat'), line);
    };
    put(10, '10 (nginx) Z 1 10 10');
    put(11, '11 (sleep) S 1 11 11');
    put(12, '12 (sh) Z 5 12 12');
    fs.mkdirSync(path.join(proc, 'self'));
    assert.deepEqual(zombieChildren(1, proc), [10]);
  } finally {
    fs.rmSync(proc, { recursive: true });
  }
});
