/**
 * The console logger: Keepalived's -l lines with a timestamp; under journald (JOURNAL_STREAM
 * naming stderr) sd-daemon priority prefixes instead, so `journalctl -p err` finds errors.
 */
import assert from 'node:assert/strict';
import { fstatSync } from 'node:fs';
import { test } from 'node:test';
import { consoleLogger, stderrIsJournal } from '../../src/base/log.js';

test('plain console lines carry a timestamp and no priority', () => {
  const lines: string[] = [];
  const log = consoleLogger({ detail: false, write: (l) => lines.push(l) });
  log.error('boom');
  log.detail('hidden');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2}: boom$/);
});

test('journal lines start with their sd-daemon priority: err 3, warning 4, info 6, debug 7', () => {
  const lines: string[] = [];
  const log = consoleLogger({ detail: true, journal: true, write: (l) => lines.push(l) });
  log.error('e');
  log.warn('w');
  log.info('i');
  log.detail('d');
  assert.deepEqual(lines, ['<3>e', '<4>w', '<6>i', '<7>d']);
});

test('JOURNAL_STREAM must name stderr itself', () => {
  const st = fstatSync(2);
  assert.equal(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }), true);
  assert.equal(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }), false);
  assert.equal(stderrIsJournal({}), false);
});
