/**
 * The raw ICMP socket (os/icmp-socket.ts) reads at most MAX_READS_PER_WAKE datagrams per wake-up,
 * so a flood of echoes cannot keep the event loop from everything else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_READS_PER_WAKE, openIcmpSocket } from '../../src/os/icmp-socket.js';

const skip = process.getuid?.() !== 0 && 'raw sockets need root';

test('a burst of echoes is read a bounded number at a time; the rest on later turns', { skip }, async () => {
  let seen = 0;
  // Replies handed over in one go (one wake-up) end before any microtask runs.
  let burst = 0;
  let largest = 0;
  const sock = openIcmpSocket('inet', () => {
    seen++;
    if (burst++ === 0) queueMicrotask(() => {
      largest = Math.max(largest, burst);
      burst = 0;
    });
  }, () => undefined);
  try {
    // Echo requests to ourselves: the raw socket sees each request and each reply on lo.
    const echo = Buffer.from([8, 0, 0, 0, 0x4b, 0x54, 0, 0]);
    let sum = 0;
    for (let i = 0; i < echo.length; i += 2) sum += echo.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    echo.writeUInt16BE(~sum & 0xffff, 2);
    for (let i = 0; i < 200; i++) sock.send('127.0.0.1', echo);
    // Everything is read in the end, over several wake-ups.
    const end = Date.now() + 5000;
    while (seen <= 2 * MAX_READS_PER_WAKE && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.ok(seen > 2 * MAX_READS_PER_WAKE, `only ${seen} read in all`);
    assert.ok(largest <= MAX_READS_PER_WAKE, `${largest} datagrams read in one wake-up`);
  } finally {
    sock.close();
  }
});
