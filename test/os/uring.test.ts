/**
 * The kernel's timed sends (src/os/uring.ts) with a real io_uring and real UDP datagrams on
 * loopback: a batch goes out at its time and not before, a batch settled before its time never
 * goes out, a failing send is reported by its index without stopping the others, and the
 * buffers are only reused once the kernel has answered.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { AF_INET, close, MsgArena, SOCK_DGRAM, socket } from '../../src/os/libc.js';
import { openSendRing, type SendRing } from '../../src/os/uring.js';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('io_uring timed sends', () => {
  let rx: dgram.Socket;
  let fd: number;
  let name: Uint8Array;
  let ring: SendRing;
  const got: Array<{ readonly at: number; readonly byte: number }> = [];
  const bytes = () => got.map((g) => g.byte);
  const arenas = [new MsgArena(64), new MsgArena(64), new MsgArena(64)];

  before(async () => {
    rx = dgram.createSocket('udp4');
    rx.on('message', (m) => got.push({ at: nowUs(), byte: m[0]! }));
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    const port = rx.address().port;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    // struct sockaddr_in: AF_INET, the port in network order, 127.0.0.1.
    name = Uint8Array.of(AF_INET, 0, port >> 8, port & 0xff, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    ring = openSendRing(8);
  });

  after(() => {
    ring.close();
    close(fd);
    for (const a of arenas) a.free();
    rx.close();
  });

  const msg = (i: number, byte: number) => ({ fd, msg: arenas[i]!.write(Uint8Array.of(byte), name, []) });

  test('a batch goes out at its time, in order, and not before', async () => {
    got.length = 0;
    const at = nowUs() + 150_000;
    const b = ring.stage(at, [msg(0, 1), msg(1, 2), msg(2, 3)]);
    await sleep(50);
    assert.deepEqual(bytes(), [], 'nothing before its time');
    await sleep(200);
    assert.deepEqual(bytes(), [1, 2, 3]);
    for (const g of got as Array<{ readonly at: number }>) assert.ok(g.at >= at, `received ${at - g.at} us before its time`);
    assert.deepEqual(ring.settle(b), { fired: true, errors: [] });
  });

  test('a batch settled before its time never goes out, and the ring takes the next one', async () => {
    got.length = 0;
    const b = ring.stage(nowUs() + 100_000, [msg(0, 4)]);
    assert.deepEqual(ring.settle(b), { fired: false, errors: [] });
    await sleep(200);
    assert.deepEqual(bytes(), []);
    const next = ring.stage(nowUs() + 1_000, [msg(0, 5)]);
    await sleep(100);
    assert.deepEqual(ring.settle(next), { fired: true, errors: [] });
    assert.deepEqual(bytes(), [5]);
  });

  test('a failing send is reported by its index; the others still go', async () => {
    got.length = 0;
    const bad = { fd: 1_000_000, msg: arenas[0]!.write(Uint8Array.of(6), name, []) };
    const b = ring.stage(nowUs() + 1_000, [bad, msg(1, 7), msg(2, 8)]);
    await sleep(100);
    const out = ring.settle(b);
    assert.equal(out.fired, true);
    assert.deepEqual(out.errors, [[0, 9]]); // EBADF
    assert.deepEqual(bytes(), [7, 8]);
  });

  test('one batch at a time, within the ring', () => {
    assert.equal(ring.maxBatch, 7);
    assert.throws(() => ring.stage(nowUs() + 1_000_000, Array.from({ length: 8 }, () => msg(0, 9))), RangeError);
    const b = ring.stage(nowUs() + 1_000_000, [msg(0, 9)]);
    assert.throws(() => ring.stage(nowUs() + 1_000_000, [msg(1, 9)]), /still pending/);
    assert.equal(ring.settle(b).fired, false);
    assert.throws(() => ring.settle(b), /not the pending batch/);
  });
});
