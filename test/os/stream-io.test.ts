/** struct epoll_event as the kernel lays it out per architecture (uapi/linux/eventpoll.h). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epollEventLayout } from '../../src/os/stream-io.js';

test('epoll_event: packed 12 bytes on x64, 16 with the data word at 8 on arm64, refused elsewhere', () => {
  assert.deepEqual(epollEventLayout('x64'), { size: 12, data: 4 });
  assert.deepEqual(epollEventLayout('arm64'), { size: 16, data: 8 });
  assert.throws(() => epollEventLayout('ia32'), /x64 and arm64 only, not on ia32/);
});
