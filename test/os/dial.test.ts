/**
 * The checkers' dialer (os/dial.ts): a socket prepared through libc (bind_if, fwmark) whose
 * setsockopt fails is closed, not leaked, however often the checker retries.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { tcpDialer } from '../../src/os/dial.js';

const openFds = () => fs.readdirSync('/proc/self/fd').length;

test('SO_BINDTODEVICE on a device that does not exist fails the dial and leaks no descriptor', async () => {
  const dial = () => tcpDialer({ host: '127.0.0.1', port: 9, bindIf: 'kts-nodev0', timeoutMs: 1000, signal: new AbortController().signal });
  await assert.rejects(dial(), /SO_BINDTODEVICE/);
  const before = openFds();
  for (let i = 0; i < 20; i++) await assert.rejects(dial());
  assert.equal(openFds(), before, 'descriptors left open by failed dials');
});
