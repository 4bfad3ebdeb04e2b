/**
 * The smallest failing inputs the fuzz targets found (test/fuzz/targets-*.ts), each kept as a
 * test of its own after its fix, so it stays fixed without relying on the seed finding it again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { MAX_BLOCK_DEPTH } from '../../src/config/tree.js';
import { HttpResponseReader } from '../../src/check/http-response.js';
import { proxyHeader } from '../../src/lb/dataplane/proxy-protocol.js';
import { checkHttpReader } from './targets-http.js';
import { checkProxyHeader, parseProxyHeader } from './targets-proxy.js';

test('proxy v2: a client socket already closed (no remoteAddress) made a RangeError in the connection handler; now LOCAL', () => {
  const h = proxyHeader('v2', {});
  assert.equal(h.subarray(12).toString('hex'), '20000000');
  assert.deepEqual(parseProxyHeader(h), { kind: 'unknown' });
  checkProxyHeader({ version: 'v2', endpoints: { remoteAddress: '1.2.3.4', remotePort: 70000, localAddress: '10.0.0.1', localPort: -1 } });
});

test('proxy v1: an IPv4 and an IPv6 end made "TCP6 0.0.0.0 ..."; now both IPv6, the IPv4 one mapped', () => {
  const e = { remoteAddress: '::ffff:0.0.0.0', remotePort: 0, localAddress: '::0:0:0:0:0:0', localPort: 0 };
  assert.equal(proxyHeader('v1', e).toString(), 'PROXY TCP6 ::ffff:0.0.0.0 ::0:0:0:0:0:0 0 0\r\n');
  checkProxyHeader({ version: 'v1', endpoints: e });
});

test('proxy v2: an IPv4 and an IPv6 end said AF_INET6 with a 24-byte address block; now 36 bytes, v4-mapped', () => {
  const e = { remoteAddress: '1.2.3.4', remotePort: 5, localAddress: 'fd00::1', localPort: 80 };
  assert.equal(proxyHeader('v2', e).readUInt16BE(14), 36);
  checkProxyHeader({ version: 'v2', endpoints: e });
});

test('proxy v1: a link-local peer as Node reports it (fe80::1%eth0) put the zone in the line; ports undefined printed "undefined"', () => {
  assert.equal(proxyHeader('v1', { remoteAddress: 'fe80::1%eth0', remotePort: 5, localAddress: 'fe80::2%eth0', localPort: 80 }).toString(),
    'PROXY TCP6 fe80::1 fe80::2 5 80\r\n');
  assert.equal(proxyHeader('v1', { remoteAddress: '1.2.3.4', localAddress: '10.0.0.1' }).toString(), 'PROXY UNKNOWN\r\n');
});

test('http: a server that never ends its headers, one byte a read, took quadratic time and unbounded memory; now capped at 64 KiB', () => {
  // The shrunk case: 100,000 bytes of 'a' read one at a time (over 1 s before; re-joined and
  // re-searched at every read).
  const bytes = new Uint8Array(100_000).fill(0x61);
  const t0 = performance.now();
  checkHttpReader({ bytes, reads: [1], url: { path: '/', status_code: [[200, 299]], regex_no_match: false, regex_options: [] } });
  assert.ok(performance.now() - t0 < 1000);
  const r = new HttpResponseReader();
  for (let i = 0; i < 70_000; i++) r.push(Buffer.from('a'));
  assert.equal(r.complete, true, 'no more is read after the cap');
  assert.equal(r.answered, false);
  assert.ok(r.heldBytes === 0);
});

test('http: a header end split across reads (CR | LF CR LF, CRLF CR | LF) is found as in one read', () => {
  for (const split of [['HTTP/1.1 200 OK\r', '\n\r\nbody'], ['HTTP/1.1 200 OK\r\n\r', '\nbody'], ['HTTP/1.1 200 OK', '\r', '\n', '\r', '\nbody']]) {
    const r = new HttpResponseReader();
    for (const c of split) r.push(Buffer.from(c));
    assert.equal(r.answered, true, JSON.stringify(split));
    assert.equal(r.verdict({ path: '/', status_code: [[200, 200]], regex: '^body$', regex_no_match: false, regex_options: [] }).ok, true);
  }
});

const load = (text: string) => loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }), configId: 'h', env: {} });

test('config: a line of 10,000 braces overflowed the stack (the lexer called itself per brace); now read in a loop', () => {
  for (const text of ['global_defs ' + '{'.repeat(10_000), '}'.repeat(10_000)]) {
    const r = load(text);
    assert.ok(r.diagnostics.length > 0);
  }
});

test(`config: blocks nested 20,000 deep overflowed the stack (unknown keywords, freezing); a '{' past ${MAX_BLOCK_DEPTH} deep is now a stray one`, () => {
  const r = load('vrrp_instance A {\n'.repeat(20_000));
  assert.ok(r.diagnostics.some((d) => d.message === `blocks nested more than ${MAX_BLOCK_DEPTH} deep - ignoring '{'`));
  const ok = load('a\n{\n'.repeat(MAX_BLOCK_DEPTH) + '}\n'.repeat(MAX_BLOCK_DEPTH));
  assert.ok(!ok.diagnostics.some((d) => d.message.startsWith('blocks nested')));
});

test('config: parameter substitution re-joined the line at every replacement (quadratic): five levels of five, 30 uses, took 1.3 s', () => {
  // The shrunk case of the 100,000-case run: $P1..$P5 each five of the one before, then uses.
  const defs = ['$P0=w', ...[1, 2, 3, 4, 5].map((d) => `$P${d}=${Array(5).fill(`$P${d - 1}`).join(' ')}`)];
  const text = [...defs, ...Array<string>(30).fill('notify_fifo $P5')].join('\n');
  const t0 = performance.now();
  const r = load(text);
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
  assert.ok(!r.diagnostics.some((d) => /does not terminate/.test(d.message)), '3,125 words a line are within the budget');
});
