/**
 * HTTP_GET and SSL_GET against real servers on loopback (node:http, node:https with a
 * certificate made by openssl for the test): up, wrong status, digest, regex, virtualhost, hung,
 * slow, SNI; and genhash printing the digest the checker expects.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fetchUrl, httpProbe } from '../../src/check/http.js';
import { MAX_HEADER_BYTES } from '../../src/check/http-response.js';
import { tcpDialer } from '../../src/os/dial.js';
import { load } from '../config/lvs-helpers.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const BODY = 'service READY\n';
const seen: { host?: string; sni?: string; path?: string }[] = [];
let httpServer: http.Server;
let httpsServer: https.Server;
let hung: net.Server;
const hungSockets = new Set<net.Socket>();
let dir: string;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ ...(req.headers.host ? { host: req.headers.host } : {}), ...((req.socket as { servername?: string }).servername ? { sni: (req.socket as unknown as { servername: string }).servername } : {}), ...(req.url ? { path: req.url } : {}) });
  if (req.url === '/busy') return void res.writeHead(503).end('busy');
  if (req.url === '/slow') return void setTimeout(() => res.end(BODY), 150);
  res.writeHead(200, { 'Content-Type': 'text/plain' }).end(BODY);
}

const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
const listen = (s: net.Server) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r));

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-http-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=test.invalid'], { stdio: 'ignore' });
  httpServer = http.createServer(handler);
  httpsServer = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, handler);
  hung = net.createServer((c) => {
    hungSockets.add(c);
    c.on('close', () => hungSockets.delete(c));
  });
  await Promise.all([listen(httpServer), listen(httpsServer), listen(hung)]);
});

after(async () => {
  for (const c of hungSockets) c.destroy();
  httpServer.closeAllConnections();
  httpsServer.closeAllConnections();
  await Promise.all([httpServer, httpsServer, hung].map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

function check(kind: 'HTTP_GET' | 'SSL_GET', p: number, urlBody: string, extra = '', rsExtra = '') {
  const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 ${p} {\n ${rsExtra}\n ${kind} {\n connect_timeout 0.5\n ${extra}\n url {\n ${urlBody}\n }\n }\n }\n}\n`);
  const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.ok(c.checker === kind, JSON.stringify(r.diagnostics));
  return httpProbe(c as Parameters<typeof httpProbe>[0], tcpDialer).run(new AbortController().signal);
}

test('a page with an accepted status is up; the request names the address as Host', async () => {
  seen.length = 0;
  const r = await check('HTTP_GET', port(httpServer), 'path /ok');
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(seen, [{ host: `127.0.0.1:${port(httpServer)}`, path: '/ok' }]);
});

test('a status outside status_code is down; a range that covers it is up', async () => {
  const bad = await check('HTTP_GET', port(httpServer), 'path /busy');
  assert.equal(bad.ok, false);
  assert.match(bad.reason, /HTTP status code error to \(got 503\) \[127.0.0.1\]:tcp:\d+ url\(\/busy\)/);
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /busy\n status_code 500-599')).ok, true);
});

test('digest: the right MD5 is up, a wrong one is down', async () => {
  assert.equal((await check('HTTP_GET', port(httpServer), `path /\n digest ${md5(BODY)}`)).ok, true);
  const wrong = await check('HTTP_GET', port(httpServer), `path /\n digest ${md5('something else')}`);
  assert.equal(wrong.ok, false);
  assert.match(wrong.reason, /MD5 digest error/);
});

test('regex and regex_no_match', async () => {
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /\n regex "READY"')).ok, true);
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /\n regex "DOWN"')).ok, false);
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /\n regex "DOWN"\n regex_no_match')).ok, true);
});

test('the virtualhost of the real server is sent as Host', async () => {
  seen.length = 0;
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /', '', 'virtualhost www.example.test')).ok, true);
  assert.equal(seen[0]?.host, 'www.example.test');
});

test('a server that accepts and never answers is down after connect_timeout; a slow one within it is up', async () => {
  const started = Date.now();
  const r = await check('HTTP_GET', port(hung), 'path /');
  assert.equal(r.ok, false);
  assert.match(r.reason, /Timeout HTTP read/);
  assert.ok(Date.now() - started >= 450, 'not before connect_timeout');
  assert.equal((await check('HTTP_GET', port(httpServer), 'path /slow')).ok, true);
});

/** A server that answers slowly (`send` per connection); it stops by itself after `limitMs` as a safety net. */
async function slowServer(send: (c: net.Socket, state: { closedByClient: boolean; sent: number }) => void, limitMs: number) {
  const state = { closedByClient: false, sent: 0 };
  const srv = net.createServer((c) => {
    const byClient = () => (state.closedByClient ||= !c.writableEnded);
    c.on('error', byClient);
    c.on('end', byClient);
    const safety = setTimeout(() => c.end(), limitMs);
    c.on('close', () => clearTimeout(safety));
    c.once('data', () => send(c, state));
  });
  await listen(srv);
  return { srv, state, close: () => new Promise((r) => { srv.close(r); }) };
}

test('a server trickling one byte per 100 ms cannot hold an attempt past connect_timeout', async () => {
  const head = Buffer.from('HTTP/1.1 200 OK\r\nX-Slow: ' + 'a'.repeat(4096));
  const trickle = await slowServer((c, st) => {
    const t = setInterval(() => {
      if (c.destroyed) return clearInterval(t);
      c.write(head.subarray(st.sent % head.length, (st.sent % head.length) + 1));
      st.sent++;
    }, 100);
    c.on('close', () => clearInterval(t));
  }, 20_000);
  try {
    // connect_timeout 0.5: five bytes at most before the deadline; the server would go on for 20 s.
    const r = await check('HTTP_GET', port(trickle.srv), 'path /');
    assert.equal(r.ok, false);
    assert.match(r.reason, /Timeout HTTP read HTTP server/);
    assert.ok(!r.reason.includes('no data'), r.reason);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(trickle.state.closedByClient, true, 'the checker hung up while the server was still sending');
  } finally {
    await trickle.close();
  }
});

test('a header block without end fails on the 64 KiB cap, holding no more than that', async () => {
  const line = Buffer.from(`X-Junk: ${'j'.repeat(1000)}\r\n`);
  const LIMIT = 8 * 1024 * 1024;
  const endless = await slowServer((c, st) => {
    c.write('HTTP/1.1 200 OK\r\n');
    const pump = () => {
      while (!c.destroyed && st.sent < LIMIT) {
        st.sent += line.length;
        if (!c.write(line)) return void c.once('drain', pump);
      }
      if (!c.destroyed) c.end();
    };
    pump();
  }, 20_000);
  try {
    const r = load(`virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 ${port(endless.srv)} {\n HTTP_GET {\n connect_timeout 10\n url {\n path /\n }\n }\n }\n}\n`);
    const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]! as Parameters<typeof httpProbe>[0];
    const f = await fetchUrl(c, c.url[0]!, tcpDialer, undefined, new AbortController().signal);
    assert.equal(f.error, `HTTP header over ${MAX_HEADER_BYTES} bytes from`);
    assert.equal(f.reader.headerTooLarge, true);
    assert.equal(f.reader.pendingHeaderBytes, 0, 'the partial headers are let go');
    assert.equal(f.reader.verdict(c.url[0]!).ok, false);
    const p = await httpProbe(c, tcpDialer).run(new AbortController().signal);
    assert.equal(p.ok, false);
    assert.match(p.reason, /^HTTP header over 65536 bytes from HTTP server \[127.0.0.1\]:tcp:\d+ url\(\/\)$/);
  } finally {
    await endless.close();
  }
});

test('SSL_GET speaks TLS without verifying the certificate and sends the SNI name when enabled', async () => {
  seen.length = 0;
  const r = await check('SSL_GET', port(httpsServer), `path /\n digest ${md5(BODY)}`, 'enable_sni\n sni_name api.example.test');
  assert.equal(r.ok, true, r.reason);
  assert.equal(seen[0]?.sni, 'api.example.test');
  const plain = await check('SSL_GET', port(httpServer), 'path /');
  assert.equal(plain.ok, false, 'TLS to a plain HTTP server fails');
});

test('SSL_GET offers the root SSL block\'s certificate and key to a server that requires a client certificate', async () => {
  // A client certificate of its own; the server trusts exactly it and refuses anyone without.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'client-key.pem'), '-out', path.join(dir, 'client.pem'), '-days', '1', '-subj', '/CN=keepalived-checker'], { stdio: 'ignore' });
  let peer = '';
  const strict = https.createServer({
    key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')),
    ca: fs.readFileSync(path.join(dir, 'client.pem')), requestCert: true, rejectUnauthorized: true,
  }, (req, res) => {
    peer = String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
    res.end(BODY);
  });
  await listen(strict);
  try {
    const probe = (ssl: string) => {
      const r = load(`${ssl}virtual_server 127.0.0.1 80 {\n protocol TCP\n real_server 127.0.0.1 ${port(strict)} {\n SSL_GET {\n connect_timeout 1\n url {\n path /\n digest ${md5(BODY)}\n }\n }\n }\n}\n`);
      const c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
      return httpProbe(c as Parameters<typeof httpProbe>[0], tcpDialer, r.config.SSL).run(new AbortController().signal);
    };
    const without = await probe('');
    assert.equal(without.ok, false, 'no certificate: the server refuses');
    const withCert = await probe(`SSL {\n certificate ${path.join(dir, 'client.pem')}\n key ${path.join(dir, 'client-key.pem')}\n}\n`);
    assert.equal(withCert.ok, true, withCert.reason);
    assert.equal(peer, 'keepalived-checker');
  } finally {
    strict.closeAllConnections();
    await new Promise((r) => strict.close(r));
  }
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The servers live in this process, so the command must run without blocking it. */
async function genhash(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/keepalived-ts'), ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

test('genhash prints the digest the checker compares, for HTTP and HTTPS', async () => {
  const h = await genhash('genhash', '-s', '127.0.0.1', '-p', String(port(httpServer)), '-u', '/');
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout, `${md5(BODY)}\n`);
  const s = await genhash('--genhash', '-S', '-s', '127.0.0.1', '-p', String(port(httpsServer)), '-u', '/');
  assert.equal(s.stdout, `${md5(BODY)}\n`);
  const bad = await genhash('genhash', '-s', 'not-an-ip', '-p', '80', '-u', '/');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /server should be an IP, not not-an-ip\nUsage: /);
});
