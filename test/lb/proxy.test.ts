/**
 * The userspace proxy on loopback with real sockets: weighted spread, the PROXY protocol header,
 * draining (a removed server keeps its running connection, gets no new one), a refusal when the
 * pool is empty, and UDP.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import type { LvsState } from '../../src/lb/dataplane/nft.js';
import { proxyHeader } from '../../src/lb/dataplane/proxy-protocol.js';
import { ProxyWorkers, relayLimits, udpLimits } from '../../src/lb/dataplane/proxy-workers.js';
import { reusePortListener } from '../../src/os/reuseport.js';
import { closeFd } from '../../src/os/stream-io.js';
import { ProxyDataPlane } from '../../src/lb/dataplane/proxy.js';
import { wake } from '../../src/os/stream-io.js';
import type { DataPlane, ServicePool } from '../../src/lb/dataplane/types.js';
import { load } from '../config/lvs-helpers.js';
import { freePort } from './free-port.js';


/** A TCP server that writes its name, then echoes; records the first bytes it got. */
async function backend(name: string): Promise<{ port: number; first: Buffer[]; close(): void }> {
  const first: Buffer[] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    socks.add(c);
    c.once('data', (d) => first.push(d));
    c.write(name);
    c.on('data', (d) => c.write(d));
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, first, close: () => { for (const s of socks) s.destroy(); srv.close(); } };
}

function pool(vsPort: number, sched: string, entries: Array<[number, number]>, proto = 'TCP'): ServicePool[] {
  const r = load(`virtual_server 127.0.0.1 ${vsPort} {\n protocol ${proto}\n lb_algo ${sched}\n lb_kind NAT\n real_server 127.0.0.1 1 {\n }\n}\n`);
  const vs = r.config.virtual_server[0]!;
  return [{ key: `[127.0.0.1]:${proto.toLowerCase()}:${vsPort}`, vs, entries: entries.map(([port, weight], k) => ({ ip: '127.0.0.1', port, weight, server: k })) }];
}

/** Connects, sends `hello`, resolves with the server's name once its echo is back too (the socket kept if asked). */
function ask(port: number, keep = false): Promise<{ name: string; sock: net.Socket }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('hello'));
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString();
      // The name and the echo may come in one read or two; the next read must be a new answer.
      if (got.length < 'A1hello'.length) return;
      s.off('data', onData);
      if (!keep) s.destroy();
      resolve({ name: got.slice(0, 2), sock: s });
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

/** Both TCP engines: Node's streams in this thread, and one relay loop in a worker thread. */
const ENGINES: Array<[string, (pp?: 'v1' | 'v2') => DataPlane]> = [
  ['streams', (pp) => new ProxyDataPlane({ log: memoryLogger(), ...(pp ? { proxyProtocol: pp } : {}) })],
  ['relay', (pp) => new ProxyWorkers(memoryLogger(), { workers: 1, engine: 'relay', ...(pp ? { proxyProtocol: pp } : {}) })],
];

for (const [engine, make] of ENGINES) {
test(`${engine}: wrr spreads new connections by weight; the PROXY header carries the client`, async () => {
  const a = await backend('A1');
  const b = await backend('B1');
  const port = await freePort();
  const plane = make('v1');
  try {
    await plane.apply(pool(port, 'wrr', [[a.port, 1], [b.port, 3]]));
    const names: string[] = [];
    for (let i = 0; i < 40; i++) names.push((await ask(port)).name);
    assert.equal(names.filter((n) => n === 'B1').length, 30);
    assert.match(a.first[0]!.toString(), new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${port}\\r\\n`));
  } finally {
    await plane.close();
    a.close();
    b.close();
  }
});

test(`${engine} drain: a removed server keeps its running connection and gets no new ones; an empty pool refuses`, async () => {
  const a = await backend('A1');
  const b = await backend('B1');
  const port = await freePort();
  const plane = make();
  try {
    await plane.apply(pool(port, 'rr', [[a.port, 1]]));
    const held = await ask(port, true);
    assert.equal(held.name, 'A1');
    await plane.apply(pool(port, 'rr', [[b.port, 1]]));
    const echoed = await new Promise<string>((r) => {
      held.sock.once('data', (d) => r(d.toString()));
      held.sock.write('still here');
    });
    assert.equal(echoed, 'still here', 'the established connection still reaches A');
    for (let i = 0; i < 5; i++) assert.equal((await ask(port)).name, 'B1');
    held.sock.destroy();
    await plane.apply(pool(port, 'rr', []));
    await assert.rejects(ask(port), /ECONNRESET|socket hang up|EPIPE/);
  } finally {
    await plane.close();
    a.close();
    b.close();
  }
});

test(`${engine}: a server that takes a second to answer the handshake still gets the PROXY header and the client's first bytes, in order`, { timeout: 10_000 }, async () => {
  // The server is a child whose accept queue (backlog 1) is full while its loop is blocked: the
  // kernel drops the proxy's SYN and TCP sends it again a second later. Meanwhile the client has
  // written; the relay finds the socket still connecting and parks what it read.
  const child = spawn(process.execPath, ['-e', `
    const net = require('node:net');
    const srv = net.createServer((c) => { c.on('data', (d) => c.write(d)); c.on('error', () => {}); });
    srv.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write(srv.address().port + '\\n'));
    process.stdin.on('data', () => { process.stdout.write('blocked\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700); });
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = (async function* () {
    let buf = '';
    for await (const d of child.stdout!) {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        yield buf.slice(0, i);
        buf = buf.slice(i + 1);
      }
    }
  })();
  const fillers: net.Socket[] = [];
  const port = await freePort();
  const plane = make('v1');
  try {
    const serverPort = Number((await lines.next()).value);
    await plane.apply(pool(port, 'rr', [[serverPort, 1]]));
    child.stdin!.write('block\n');
    assert.equal((await lines.next()).value, 'blocked');
    // Two handshakes fill a backlog of 1 (the queue is full above it); they wait unaccepted.
    for (let i = 0; i < 2; i++) {
      const f = net.connect(serverPort, '127.0.0.1');
      f.on('error', () => undefined);
      await new Promise((r) => f.once('connect', r));
      fillers.push(f);
    }
    const started = Date.now();
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('hello'));
      let text = '';
      s.on('data', (d) => {
        text += d.toString();
        if (text.endsWith('hello')) {
          s.destroy();
          resolve(text);
        }
      });
      s.on('error', reject);
    });
    assert.match(got, new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${port}\\r\\nhello$`));
    // Not a timing assertion: it shows the handshake really waited for a SYN sent again.
    assert.ok(Date.now() - started >= 500, `answered after ${Date.now() - started} ms: the server was never slow`);
  } finally {
    for (const f of fillers) f.destroy();
    await plane.close();
    child.kill();
  }
});

test(`${engine}: a server that sends 8 MB and closes at once: a slow client still gets every byte, then the end`, { timeout: 20_000 }, async () => {
  const sent = Buffer.alloc(8 << 20);
  for (let i = 0; i < sent.length; i += 4) sent.writeUInt32LE(i * 7, i);
  const srv = net.createServer((c) => {
    c.on('error', () => undefined);
    c.end(sent);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const plane = make();
  try {
    await plane.apply(pool(port, 'rr', [[(srv.address() as net.AddressInfo).port, 1]]));
    const got = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = net.connect(port, '127.0.0.1');
      // Not read for a while: the proxy meets a full client socket with the server's FIN in.
      s.pause();
      setTimeout(() => s.resume(), 300);
      s.on('data', (d) => parts.push(d));
      s.on('end', () => resolve(Buffer.concat(parts)));
      s.on('error', reject);
    });
    assert.equal(got.length, sent.length);
    assert.ok(got.equals(sent), 'byte for byte');
  } finally {
    await plane.close();
    srv.close();
  }
});

test(`${engine}: a client that stops reading while its server resets: the connection is closed and the proxy goes idle`, { timeout: 20_000 }, async () => {
  // The server sends more than the sockets hold, then resets. The client reads nothing: the
  // relay parks bytes towards it and stops reading the server, whose EPOLLERR/EPOLLHUP no
  // interest mask can silence.
  const srv = net.createServer((c) => {
    c.on('error', () => undefined);
    c.write(Buffer.alloc(64 << 20));
    setTimeout(() => c.resetAndDestroy(), 300);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const plane = make();
  await plane.apply(pool(port, 'rr', [[(srv.address() as net.AddressInfo).port, 1]]));
  const s = net.connect(port, '127.0.0.1');
  s.pause();
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.on('error', () => undefined);
  try {
    await new Promise((r) => setTimeout(r, 800));
    // The whole process's CPU time (every thread): a loop woken at once for ever takes a core.
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 100, `${ms.toFixed(0)} ms of CPU in 1 s with nothing to do`);
    s.resume();
    await closed;
  } finally {
    s.destroy();
    await plane.close();
    srv.close();
  }
});

test(`${engine}: 8 MB each way through one connection arrive whole and in order; a half-close still gets the answer`, async () => {
  // The server echoes everything, and on the client's FIN answers with the byte count and closes.
  const srv = net.createServer((c) => {
    let n = 0;
    c.on('data', (d) => {
      n += d.length;
      c.write(d);
    });
    c.on('end', () => c.end(`total ${n}`));
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const plane = make();
  try {
    await plane.apply(pool(port, 'rr', [[(srv.address() as net.AddressInfo).port, 1]]));
    const sent = Buffer.alloc(8 << 20);
    for (let i = 0; i < sent.length; i += 4) sent.writeUInt32LE(i, i);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = net.connect(port, '127.0.0.1', () => {
        // Written in pieces, then FIN: more than the socket buffers hold, so the relay parks bytes.
        for (let i = 0; i < sent.length; i += 1 << 20) s.write(sent.subarray(i, i + (1 << 20)));
        s.end();
      });
      s.on('data', (d) => parts.push(d));
      s.on('end', () => resolve(Buffer.concat(parts)));
      s.on('error', reject);
    });
    assert.equal(got.length, sent.length + `total ${sent.length}`.length);
    assert.ok(got.subarray(0, sent.length).equals(sent), 'the echo came back byte for byte');
    assert.equal(got.subarray(sent.length).toString(), `total ${sent.length}`);
  } finally {
    await plane.close();
    srv.close();
  }
});
}

test('UDP: datagrams go to the chosen server and replies come back', async () => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('E:'), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const port = await freePort();
  const plane = new ProxyDataPlane({ log: memoryLogger() });
  const client = dgram.createSocket('udp4');
  try {
    await plane.apply(pool(port, 'rr', [[echo.address().port, 1]], 'UDP'));
    const reply = await new Promise<string>((resolve) => {
      client.on('message', (m) => resolve(m.toString()));
      client.send('ping', port, '127.0.0.1');
    });
    assert.equal(reply, 'E:ping');
  } finally {
    client.close();
    await plane.close();
    echo.close();
  }
});

test('UDP: sessions are bounded: past the maximum the least recently used is closed, and the newest are still answered', { timeout: 20_000 }, async () => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('E:'), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const port = await freePort();
  const plane = new ProxyDataPlane({ log: memoryLogger(), udpMaxSessions: 20 });
  const clients: dgram.Socket[] = [];
  const fds = () => fs.readdirSync('/proc/self/fd').length;
  try {
    await plane.apply(pool(port, 'rr', [[echo.address().port, 1]], 'UDP'));
    const before = fds();
    // 200 source ports, as a flood of (spoofed) sources would open them, each answered in turn.
    for (let i = 0; i < 200; i++) {
      const c = dgram.createSocket('udp4');
      clients.push(c);
      await new Promise<void>((r) => c.bind(0, '127.0.0.1', r));
      const reply = new Promise<string>((r) => c.once('message', (m) => r(m.toString())));
      c.send(`p${i}`, port, '127.0.0.1');
      assert.equal(await reply, `E:p${i}`);
    }
    await new Promise((r) => setTimeout(r, 50)); // dgram closes its sockets a tick later
    // Each client has a socket here too: the proxy's own are what is left (a few spare for Node's).
    const proxySockets = fds() - before - clients.length;
    assert.ok(proxySockets <= 25, `${proxySockets} upstream sockets for 200 sources`);
    const stats = plane.stats();
    assert.equal(stats[0]!.inactive, 20, 'sessions counted as the proxy holds them');
  } finally {
    for (const c of clients) c.close();
    await plane.close();
    echo.close();
  }
});

test('PROXY v2 header layout', () => {
  const h = proxyHeader('v2', { remoteAddress: '10.0.0.1', remotePort: 1234, localAddress: '10.0.0.100', localPort: 80 });
  assert.equal(h.toString('hex'), '0d0a0d0a000d0a515549540a' + '21' + '11' + '000c' + '0a000001' + '0a000064' + '04d2' + '0050');
});

test('workers: two threads listen on the same address through SO_REUSEPORT and serve the pool together', async () => {
  const a = await backend('A1');
  const b = await backend('B1');
  const port = await freePort();
  const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kts-proxy-')), 'lvs.json');
  const plane = new ProxyWorkers(memoryLogger(), { workers: 2, statePath, statsMs: 100 });
  try {
    await plane.apply(pool(port, 'rr', [[a.port, 1], [b.port, 1]]));
    const names = await Promise.all(Array.from({ length: 40 }, () => ask(port).then((r) => r.name)));
    assert.equal(names.length, 40);
    assert.ok(names.includes('A1') && names.includes('B1'), names.join());
    // Both threads' counts, summed into the state file `keepalived-ts lvs` reads.
    await new Promise((r) => setTimeout(r, 400));
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LvsState;
    const count = (k: string) => state.live?.[k]?.conns ?? 0;
    assert.equal(count('0_0'), names.filter((n) => n === 'A1').length);
    assert.equal(count('0_1'), names.filter((n) => n === 'B1').length);
    assert.equal(state.live?.['0_0']?.inBytes, count('0_0') * 'hello'.length, 'client bytes, counted by the relay');
    await plane.apply(pool(port, 'rr', [[b.port, 1]]));
    const after = await Promise.all(Array.from({ length: 10 }, () => ask(port).then((r) => r.name)));
    assert.deepEqual([...new Set(after)], ['B1'], 'every worker got the new pool');
  } finally {
    await plane.close();
    assert.equal(fs.existsSync(statePath), false, 'the state goes with the proxy');
    a.close();
    b.close();
  }
});

/** Ends the plane's thread `i` as a crash would (reached through its private list). */
async function crash(plane: ProxyWorkers, i: number): Promise<void> {
  const t = (plane as unknown as { threads: Array<{ worker: import('node:worker_threads').Worker; wakeFd?: number }> }).threads[i]!;
  const done = t.worker.terminate();
  // A relay blocks in epoll_wait: it meets the termination when woken.
  if (t.wakeFd !== undefined) wake(t.wakeFd);
  await done;
}

test('workers: a thread that dies is started again with the pools; updates and shutdown still complete', { timeout: 20_000 }, async () => {
  const a = await backend('A1');
  const b = await backend('B1');
  const port = await freePort();
  const log = memoryLogger();
  const plane = new ProxyWorkers(log, { workers: 2 });
  try {
    await plane.apply(pool(port, 'rr', [[a.port, 1]]));
    await crash(plane, 0);
    await crash(plane, 2); // the UDP thread
    await plane.apply(pool(port, 'rr', [[b.port, 1]]));
    assert.ok(log.lines.some((l) => /proxy worker 0 died .* starting it again/.test(l)), log.lines.join('\n'));
    // Every connection is served: the dead thread's listening socket is gone from the group.
    const names = await Promise.all(Array.from({ length: 20 }, () => ask(port).then((r) => r.name)));
    assert.deepEqual([...new Set(names)], ['B1']);
  } finally {
    await plane.close();
    a.close();
    b.close();
  }
});

/** A relay worker made with `env` set (its limits are read when the workers start). */
function relayWith(env: Record<string, string>, engine: 'relay' | 'streams' = 'relay'): ProxyWorkers {
  const old = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return new ProxyWorkers(memoryLogger(), { workers: 1, engine });
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('relay limits: from the environment, or the connections RLIMIT_NOFILE leaves each thread', () => {
  assert.deepEqual(relayLimits({}, 2, 20000), { maxConns: Math.floor((20000 - 256) / 4) });
  assert.deepEqual(udpLimits({ KEEPALIVED_TS_PROXY_UDP_IDLE: '5', KEEPALIVED_TS_PROXY_UDP_MAXSESSIONS: '100' }), { udpIdleMs: 5000, udpMaxSessions: 100 });
  assert.deepEqual(relayLimits({ KEEPALIVED_TS_PROXY_IDLE: '60', KEEPALIVED_TS_PROXY_CONNECT: '0.5', KEEPALIVED_TS_PROXY_MAXCONN: '100' }, 2, 1024), { connectTimeoutMs: 500, idleTimeoutMs: 60_000, maxConns: 100 });
  assert.equal(relayLimits({}, 4, 300).maxConns, 5);
});

for (const engine of ['relay', 'streams'] as const) {
test(`${engine}: a server that never answers the handshake: the client is reset after the connect timeout`, { timeout: 20_000 }, async () => {
  // A listening socket nobody accepts on, its backlog full: the kernel drops further SYNs.
  const serverPort = await freePort();
  const deaf = reusePortListener('127.0.0.1', serverPort, 1);
  const fillers: net.Socket[] = [];
  const port = await freePort();
  const plane = relayWith({ KEEPALIVED_TS_PROXY_CONNECT: '0.3' }, engine);
  try {
    for (let i = 0; i < 2; i++) {
      const f = net.connect(serverPort, '127.0.0.1');
      f.on('error', () => undefined);
      await new Promise((r) => f.once('connect', r));
      fillers.push(f);
    }
    await plane.apply(pool(port, 'rr', [[serverPort, 1]]));
    const err = await new Promise<Error | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('hello'));
      s.on('error', resolve);
      s.on('close', () => resolve(undefined));
    });
    assert.match(String(err), /ECONNRESET/);
  } finally {
    for (const f of fillers) f.destroy();
    closeFd(deaf);
    await plane.close();
  }
});

test(`${engine}: a connection idle past KEEPALIVED_TS_PROXY_IDLE is ended; one with traffic is not`, { timeout: 20_000 }, async () => {
  const a = await backend('A1');
  const port = await freePort();
  const plane = relayWith({ KEEPALIVED_TS_PROXY_IDLE: '0.6' }, engine);
  try {
    await plane.apply(pool(port, 'rr', [[a.port, 1]]));
    const idle = await ask(port, true);
    const busy = await ask(port, true);
    const closed = new Promise<void>((r) => idle.sock.on('close', () => r()));
    idle.sock.on('error', () => undefined);
    let busyClosed = false;
    busy.sock.on('close', () => (busyClosed = true));
    busy.sock.on('error', () => undefined);
    const talk = setInterval(() => busy.sock.write('x'), 100);
    await closed;
    clearInterval(talk);
    assert.equal(busyClosed, false, 'the connection with traffic stays');
    busy.sock.destroy();
  } finally {
    await plane.close();
    a.close();
  }
});
}

test('relay: at KEEPALIVED_TS_PROXY_MAXCONN a new client waits in the backlog until a connection ends', { timeout: 20_000 }, async () => {
  const a = await backend('A1');
  const port = await freePort();
  const plane = relayWith({ KEEPALIVED_TS_PROXY_MAXCONN: '2' });
  try {
    await plane.apply(pool(port, 'rr', [[a.port, 1]]));
    const held = [await ask(port, true), await ask(port, true)];
    let third: string | undefined;
    const answered = ask(port).then((r) => (third = r.name));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(third, undefined, 'not served beyond the maximum');
    held[0]!.sock.destroy();
    await answered;
    assert.equal(third, 'A1');
    held[1]!.sock.destroy();
  } finally {
    await plane.close();
    a.close();
  }
});

test('relay: out of descriptors (EMFILE), accepting pauses instead of spinning, and resumes', { timeout: 30_000 }, async () => {
  // A child with a small RLIMIT_NOFILE runs the proxy, then fills its descriptor table.
  const a = await backend('A1');
  const port = await freePort();
  const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const script = `
    import * as fs from 'node:fs';
    import { ProxyWorkers } from '${dist}/src/lb/dataplane/proxy-workers.js';
    import { memoryLogger } from '${dist}/src/base/log.js';
    import { load } from '${dist}/test/config/lvs-helpers.js';
    const vs = load('virtual_server 127.0.0.1 ${port} {\\n protocol TCP\\n lb_algo rr\\n lb_kind NAT\\n real_server 127.0.0.1 1 {\\n }\\n}\\n').config.virtual_server[0];
    const plane = new ProxyWorkers(memoryLogger(), { workers: 1 });
    await plane.apply([{ key: 'vs', vs, entries: [{ ip: '127.0.0.1', port: ${a.port}, weight: 1, server: 0 }] }]);
    const held = [];
    try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch {}
    process.stdout.write('full\\n');
    process.stdin.once('data', async () => { for (const fd of held) fs.closeSync(fd); process.stdout.write('freed\\n'); process.stdin.once('data', async () => { await plane.close(); process.exit(0); }); });
  `;
  // A file, not -e: worker threads inherit the process's execArgv, and --input-type fails them.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kts-emfile-')), 'proxy.mjs');
  fs.writeFileSync(file, script);
  const child = spawn('sh', ['-c', 'ulimit -n 200; exec "$0" "$1"', process.execPath, file], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, KEEPALIVED_TS_PROXY_MAXCONN: '1000' } });
  const lines = (async function* () {
    let buf = '';
    for await (const d of child.stdout!) {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        yield buf.slice(0, i);
        buf = buf.slice(i + 1);
      }
    }
  })();
  const cpuTicks = () => fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 13).reduce((t, x) => t + Number(x), 0);
  try {
    assert.equal((await lines.next()).value, 'full');
    const answered = ask(port);
    answered.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const before = cpuTicks();
    await new Promise((r) => setTimeout(r, 1000));
    const ticks = cpuTicks() - before; // of 1/100 s
    assert.ok(ticks < 15, `${ticks * 10} ms of CPU in 1 s while out of descriptors`);
    child.stdin!.write('free\n');
    assert.equal((await lines.next()).value, 'freed');
    assert.equal((await answered).name, 'A1', 'the waiting client is served once descriptors are back');
    child.stdin!.write('close\n');
    await new Promise((r) => child.once('exit', r));
  } finally {
    if (child.exitCode === null) child.kill();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    a.close();
  }
});
