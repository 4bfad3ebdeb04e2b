/**
 * Fuzz target of the HTTP_GET / SSL_GET answer reader (check/http-response.ts HttpResponseReader):
 * whatever a real server sends, split into reads however TCP splits it, the reader takes every
 * chunk and gives a verdict without throwing, within the time bound, and holds a bounded amount
 * of it (a server that never ends its headers must not make the checker grow without end).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpResponseReader, MAX_HEADER_BYTES, type UrlExpect } from '../../src/check/http-response.js';
import { byteMutation, mutate, type FuzzTarget } from './harness.js';

const enc = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

const headerLine = fc.oneof(
  fc.constantFrom('Content-Type: text/html', 'Connection: close', 'Transfer-Encoding: chunked', 'Server: x'),
  fc.oneof(fc.nat(), fc.constantFrom('99999999999999999999999', '-1', '', ' 12 ', '1e3', '0x10', '00012'))
    .map((n) => `Content-Length: ${n}`),
  fc.string({ maxLength: 40 }).map((s) => `X-${s}`),
);

const statusLine = fc.oneof(
  fc.tuple(fc.constantFrom('HTTP/1.0', 'HTTP/1.1', '', 'HTTP/1.1 '), fc.integer({ min: 0, max: 1000 }), fc.string({ maxLength: 10 }))
    .map(([v, c, r]) => `${v} ${c} ${r}`),
  fc.string({ maxLength: 30 }),
);

/** A well-formed answer, as a server would send it. */
const validAnswer = fc.tuple(statusLine, fc.array(headerLine, { maxLength: 6 }), fc.string({ maxLength: 200 }))
  .map(([s, h, body]) => enc(`${s}\r\n${h.map((l) => `${l}\r\n`).join('')}\r\n${body}`));

/** A stream of `count` copies of a piece, as a flooding or broken server sends. */
const flood = fc.record({
  piece: fc.oneof(fc.constantFrom('X-Long: aaaaaaaa', 'a', '\r\n', '\r', '\n\n', 'HTTP/1.1 200 OK\r\n'), fc.string({ maxLength: 16 })),
  count: fc.integer({ min: 1, max: 100_000 }),
  head: fc.boolean(),
}).map(({ piece, count, head }) => {
  const body = (piece || 'a').repeat(Math.min(count, Math.ceil(300_000 / Math.max(piece.length, 1))));
  return enc(head ? `HTTP/1.1 200 OK\r\n${body}` : body);
});

export interface HttpInput {
  readonly bytes: Uint8Array;
  /** Read sizes, cycled: how the answer arrives. */
  readonly reads: readonly number[];
  readonly url: UrlExpect;
}

const urlArb: fc.Arbitrary<UrlExpect> = fc.record({
  path: fc.constant('/'),
  status_code: fc.constantFrom([[200, 299]], [[100, 599]], [[0, 0]]),
  digest: fc.option(fc.constantFrom('d41d8cd98f00b204e9800998ecf8427e', 'ABC'), { nil: undefined }),
  regex: fc.option(fc.constantFrom('OK', '^a+$', 'x|y', '[', ''), { nil: undefined }),
  regex_no_match: fc.boolean(),
  regex_options: fc.subarray(['caseless', 'multiline', 'dotall', 'utf', 'no_start_optimize']),
  regex_min_offset: fc.option(fc.nat(100), { nil: undefined }),
  regex_max_offset: fc.option(fc.nat(100), { nil: undefined }),
}).map((u) => Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)) as unknown as UrlExpect);

const httpInput: fc.Arbitrary<HttpInput> = fc.record({
  bytes: fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 4, arbitrary: fc.tuple(validAnswer, fc.array(byteMutation, { maxLength: 4 })).map(([b, ms]) => mutate(b, ms)) },
    { weight: 1, arbitrary: flood },
  ),
  reads: fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.constantFrom(1, 1448, 4096, 65_536)), { minLength: 1, maxLength: 8 }),
  url: urlArb,
});

/** What the reader may hold beyond the answer's first 64 KiB (the headers' cap and the regex's keep). */
const HELD_BOUND = 256 * 1024;

export function checkHttpReader({ bytes, reads, url }: HttpInput): void {
  const r = new HttpResponseReader();
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = reads[i % reads.length]!;
    r.push(Buffer.from(bytes.subarray(off, off + n)));
    off += n;
    assert.ok(r.heldBytes <= HELD_BOUND, `the reader holds ${r.heldBytes} bytes`);
  }
  const v = r.verdict(url);
  assert.equal(typeof v.ok, 'boolean');
  assert.ok(Number.isInteger(v.status) && v.status >= 0 && v.status <= 999);
  assert.match(v.digest, /^[0-9a-f]{32}$/);
  if (v.ok) assert.ok(r.answered);
  if (bytes.length <= MAX_HEADER_BYTES) {
    // However TCP split it, the answer reads as if it came in one piece.
    const whole = new HttpResponseReader();
    whole.push(Buffer.from(bytes));
    assert.deepEqual(v, whole.verdict(url), 'split reads and one read disagree');
  }
}

export const httpTarget: FuzzTarget<HttpInput> = {
  name: 'check HttpResponseReader',
  input: httpInput,
  run: checkHttpReader,
};
