/** The HTTP answer as Keepalived reads it: headers, status, digest over the raw body, regex. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { contentLength, HttpResponseReader, httpRequest, MAX_HEADER_BYTES, statusCode, type UrlExpect } from '../../src/check/http-response.js';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const url = (x: Partial<UrlExpect> = {}): UrlExpect => ({ path: '/', status_code: [[200, 299]], regex_no_match: false, regex_options: [], ...x });

function read(chunks: string[]): HttpResponseReader {
  const r = new HttpResponseReader();
  for (const c of chunks) r.push(Buffer.from(c, 'latin1'));
  return r;
}

test('the request is Keepalived\'s: GET, its User-Agent, Connection: close for 1.0C and 1.1, Host from the virtualhost or the address', () => {
  assert.equal(httpRequest({ path: '/x', protocol: '1.0', host: '10.0.0.2', port: 80 }), 'GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.2:80\r\n\r\n');
  assert.equal(httpRequest({ path: '/', protocol: '1.1', host: 'fd00::2', port: 8080 }), 'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [fd00::2]:8080\r\n\r\n');
  assert.equal(httpRequest({ path: '/', protocol: '1.0C', host: '10.0.0.2', port: 80, virtualhost: 'www.example.test' }), 'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.test\r\n\r\n');
});

test('status code and Content-Length as lib/html.c extracts them', () => {
  assert.equal(statusCode('HTTP/1.1 204 No Content'), 204);
  assert.equal(statusCode('HTTP/1.1 20 x'), 0);
  assert.equal(statusCode('garbage'), 0);
  assert.equal(contentLength('HTTP/1.0 200 OK\r\nContent-Length: 12\r\nX: y'), 12);
  assert.equal(contentLength('HTTP/1.0 200 OK\r\nContent-Length: 12x'), undefined);
});

test('headers split across reads, the digest covers the body up to Content-Length only', () => {
  const r = read(['HTTP/1.0 200 OK\r\nContent-Le', 'ngth: 5\r\n\r', '\nhel', 'loEXTRA']);
  assert.equal(r.digest(), md5('hello'));
  assert.equal(r.complete, true);
  assert.deepEqual({ ...r.verdict(url({ digest: md5('hello') })), digest: undefined, status: undefined }, { ok: true, reason: 'MD5 digest success', digest: undefined, status: undefined });
});

test('without Content-Length the body runs to the close, chunk framing included, as Keepalived hashes it', () => {
  const raw = '5\r\nhello\r\n0\r\n\r\n';
  const r = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', raw]);
  assert.equal(r.digest(), md5(raw));
  assert.equal(r.complete, false);
});

test('verdicts: no answer, status outside the ranges, digest mismatch, regex match and no-match, offsets', () => {
  assert.match(read([]).verdict(url()).reason, /no data received/);
  assert.equal(read(['HTTP/1.0 200 OK\r\n']).verdict(url()).ok, false, 'headers never ended');
  const r = read(['HTTP/1.0 503 Busy\r\n\r\nbody']);
  assert.match(r.verdict(url()).reason, /status code error/);
  assert.equal(r.verdict(url({ status_code: [[200, 299], [500, 503]] })).ok, true);
  const ok = read(['HTTP/1.0 200 OK\r\n\r\nservice is READY now']);
  assert.match(ok.verdict(url({ digest: md5('other') })).reason, /MD5 digest error/);
  assert.equal(ok.verdict(url({ regex: 'READY' })).ok, true);
  assert.equal(ok.verdict(url({ regex: 'ready' })).ok, false);
  assert.equal(ok.verdict(url({ regex: 'ready', regex_options: ['caseless'] })).ok, true);
  assert.equal(ok.verdict(url({ regex: 'DOWN', regex_no_match: true })).ok, true);
  assert.equal(ok.verdict(url({ regex: 'READY', regex_no_match: true })).ok, false);
  assert.equal(ok.verdict(url({ regex: 'READY', regex_min_offset: 12 })).ok, false, 'match starts before the minimum offset');
  assert.equal(ok.verdict(url({ regex: 'READY', regex_max_offset: 5 })).ok, false, 'match starts after the maximum offset');
  assert.equal(ok.verdict(url({ regex: 'READY', regex_min_offset: 5, regex_max_offset: 11 })).ok, true);
});

test('headers over MAX_HEADER_BYTES are a failure and are not kept; a block just under it is read', () => {
  const r = new HttpResponseReader();
  r.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  const junk = Buffer.from(`X-Junk: ${'j'.repeat(990)}\r\n`);
  for (let i = 0; i < 1000; i++) {
    r.push(junk);
    assert.ok(r.pendingHeaderBytes <= MAX_HEADER_BYTES + 4 + junk.length, `held ${r.pendingHeaderBytes} bytes`);
  }
  assert.equal(r.headerTooLarge, true);
  assert.equal(r.pendingHeaderBytes, 0);
  assert.match(r.verdict(url()).reason, /HTTP header over 65536 bytes/);
  const ok = read(['HTTP/1.1 200 OK\r\n', `X-Big: ${'b'.repeat(MAX_HEADER_BYTES - 100)}\r\n\r\n`, 'body']);
  assert.equal(ok.headerTooLarge, false);
  assert.equal(ok.verdict(url()).ok, true);
});
