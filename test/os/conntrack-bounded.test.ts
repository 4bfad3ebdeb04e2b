/**
 * The bounded conntrack read of the status (os/conntrack.ts boundedConnectionCounts), with a
 * stand-in for `conntrack -L`: it counts only the asked virtual addresses; a listing that never
 * ends or is too large gives no counts, within the time bound, and its process is killed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedConnectionCounts } from '../../src/os/conntrack.js';

const LINE = (vip: string, state: string, port: number) =>
  `tcp      6 100 ${state} src=10.1.1.3 dst=${vip} sport=${port} dport=80 src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=${port} [ASSURED] mark=0 use=1`;

test('counts the asked virtual addresses only', async () => {
  const text = [LINE('10.1.1.100', 'ESTABLISHED', 40000), LINE('10.1.1.100', 'TIME_WAIT', 40001), LINE('10.9.9.9', 'ESTABLISHED', 40002)].join('\n');
  const counts = await boundedConnectionCounts({ timeoutMs: 5000, maxBytes: 1 << 20, vips: new Set(['10.1.1.100']) }, ['printf', '%s\\n', text]);
  assert.deepEqual(counts && [...counts], [['10.1.1.100|80|10.1.1.4|8080', [1, 1]]]);
});

test('a listing larger than the size bound gives no counts, and conntrack is stopped', async () => {
  const t0 = Date.now();
  // `yes` never ends: only the bound stops it.
  const counts = await boundedConnectionCounts({ timeoutMs: 10_000, maxBytes: 1 << 20 }, ['yes', LINE('10.1.1.100', 'ESTABLISHED', 40000)]);
  assert.equal(counts, undefined);
  assert.ok(Date.now() - t0 < 8000, 'stopped by the size bound, not the time bound');
});

test('a listing that takes longer than the time bound gives no counts, at the bound', async () => {
  const t0 = Date.now();
  const counts = await boundedConnectionCounts({ timeoutMs: 300, maxBytes: 1 << 20 }, ['sleep', '30']);
  const took = Date.now() - t0;
  assert.equal(counts, undefined);
  assert.ok(took >= 250 && took < 10_000, `returned after ${took} ms`);
});

test('conntrack missing or failing gives no counts', async () => {
  assert.equal(await boundedConnectionCounts({ timeoutMs: 5000, maxBytes: 1 << 20 }, ['/nonexistent/conntrack']), undefined);
  assert.equal(await boundedConnectionCounts({ timeoutMs: 5000, maxBytes: 1 << 20 }, ['false']), undefined);
});
