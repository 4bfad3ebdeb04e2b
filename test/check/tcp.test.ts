/**
 * TCP_CHECK against real sockets on loopback: a listening server is up, a closed port is down at
 * once, a server whose accept queue is full (SYNs dropped: a hung host as TCP sees it) is down
 * after connect_timeout, an abort releases the attempt, and fwmark / bind_if reach the socket.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import koffi from 'koffi';
import { tcpProbe } from '../../src/check/tcp.js';
import { tcpDialer } from '../../src/os/dial.js';
import { load } from '../config/lvs-helpers.js';

function checkerFor(port: number, extra = '') {
  const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 ${port} {\n TCP_CHECK {\n connect_timeout 0.3\n ${extra}\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker, 'TCP_CHECK');
  return c as Extract<typeof c, { checker: 'TCP_CHECK' }>;
}

async function listening(): Promise<net.Server> {
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

const run = (c: ReturnType<typeof checkerFor>, signal = new AbortController().signal) => tcpProbe(c, tcpDialer).run(signal);

test('a listening server is up', async () => {
  const srv = await listening();
  try {
    const r = await run(checkerFor((srv.address() as net.AddressInfo).port));
    assert.equal(r.ok, true, r.reason);
  } finally {
    srv.close();
  }
});

test('a closed port is down, with the reason', async () => {
  const srv = await listening();
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const r = await run(checkerFor(port));
  assert.equal(r.ok, false);
  assert.match(r.reason, new RegExp(`TCP connection to \\[127.0.0.1\\]:tcp:${port} failed \\(.*ECONNREFUSED`));
});

/** A socket that listens but never accepts, backlog 0: once its queue is full, SYNs go unanswered. */
function blackHole(): { port: number; close(): void } {
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int, int, int)');
  const bind = libc.func('int bind(int, const void *, uint32_t)');
  const listen = libc.func('int listen(int, int)');
  const getsockname = libc.func('int getsockname(int, _Out_ uint8_t *addr, _Inout_ uint32_t *len)');
  const close = libc.func('int close(int)');
  const fd = socket(2, 1, 0) as number;
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(2, 0);
  sa.set([127, 0, 0, 1], 4);
  assert.equal(bind(fd, sa, 16), 0);
  assert.equal(listen(fd, 0), 0);
  const out = Buffer.alloc(16);
  const len = [16];
  getsockname(fd, out, len);
  return { port: out.readUInt16BE(2), close: () => close(fd) };
}

test('a server that never completes the handshake is down after connect_timeout, not before', async () => {
  const hole = blackHole();
  const fillers: net.Socket[] = [];
  try {
    // Fill the accept queue; the kernel then drops further SYNs.
    for (let i = 0; i < 3; i++) fillers.push(net.connect(hole.port, '127.0.0.1').on('error', () => undefined));
    await new Promise((r) => setTimeout(r, 100));
    const started = process.hrtime.bigint();
    const r = await run(checkerFor(hole.port));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(r.ok, false);
    assert.match(r.reason, /timeout/);
    assert.ok(ms >= 290, `gave up after ${ms} ms, before connect_timeout`);
  } finally {
    for (const f of fillers) f.destroy();
    hole.close();
  }
});

test('an abort ends the attempt at once', async () => {
  const hole = blackHole();
  const fillers: net.Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) fillers.push(net.connect(hole.port, '127.0.0.1').on('error', () => undefined));
    await new Promise((r) => setTimeout(r, 100));
    const ctl = new AbortController();
    const p = run(checkerFor(hole.port, 'connect_timeout 30'), ctl.signal);
    ctl.abort();
    const r = await p;
    assert.equal(r.ok, false);
    assert.match(r.reason, /aborted/);
  } finally {
    for (const f of fillers) f.destroy();
    hole.close();
  }
});

test('fwmark and bind_if are set on the socket: bound to lo it connects, bound to a missing device it fails', async () => {
  const srv = await listening();
  const port = (srv.address() as net.AddressInfo).port;
  try {
    const ok = await run(checkerFor(port, 'fwmark 7\n bind_if lo'));
    assert.equal(ok.ok, true, ok.reason);
    const bad = await run(checkerFor(port, 'bind_if nosuchdev0'));
    assert.equal(bad.ok, false);
    assert.match(bad.reason, /SO_BINDTODEVICE|ENODEV/);
  } finally {
    srv.close();
  }
});
