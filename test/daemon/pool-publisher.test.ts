/** Pools reach the data plane coalesced, complete and in order, one apply at a time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { PoolPublisher } from '../../src/daemon/check/publisher.js';
import type { DataPlane, ServicePool } from '../../src/lb/dataplane/types.js';
import { load } from '../config/lvs-helpers.js';

const cfg = load('virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.11 80 {\n }\n}\nvirtual_server 10.0.0.2 80 {\n protocol TCP\n real_server 10.0.0.21 80 {\n }\n}\n').config;
const [v1, v2] = cfg.virtual_server;
const e = (ip: string, weight = 1) => [{ ip, port: 80, weight, server: 0 as const }];

function recorder(delayMs = 0) {
  const seen: string[][] = [];
  let active = 0;
  let overlapped = false;
  const plane: DataPlane = {
    apply: async (pools: readonly ServicePool[]) => {
      active++;
      if (active > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, delayMs));
      seen.push(pools.map((p) => `${p.key}>${p.entries.map((x) => `${x.ip}=${x.weight}`).join(',')}`));
      active--;
    },
    close: async () => undefined,
  };
  return { plane, seen, overlapped: () => overlapped };
}

test('changes in one burst become one apply with every pool', async () => {
  const r = recorder();
  const p = new PoolPublisher(r.plane, memoryLogger());
  p.set(0, v1!, e('10.0.0.11'));
  p.set(1, v2!, e('10.0.0.21'));
  p.set(0, v1!, e('10.0.0.12'));
  await new Promise((res) => setImmediate(res));
  await p.flush();
  assert.deepEqual(r.seen, [['[10.0.0.1]:tcp:80>10.0.0.12=1', '[10.0.0.2]:tcp:80>10.0.0.21=1']]);
});

test('a change during a slow apply waits for it and is applied after, never alongside', async () => {
  const r = recorder(30);
  const p = new PoolPublisher(r.plane, memoryLogger());
  p.set(0, v1!, e('10.0.0.11'));
  await new Promise((res) => setImmediate(res));
  p.set(0, v1!, e('10.0.0.11', 0));
  await new Promise((res) => setTimeout(res, 5));
  await p.flush();
  assert.equal(r.overlapped(), false);
  assert.deepEqual(r.seen.at(-1), ['[10.0.0.1]:tcp:80>10.0.0.11=0']);
  assert.equal(r.seen.length, 2);
});

test('a failing apply is logged and the next change is still applied', async () => {
  const log = memoryLogger();
  let calls = 0;
  const p = new PoolPublisher({ apply: async () => { calls++; if (calls === 1) throw new Error('nft said no'); }, close: async () => undefined }, log, (fn) => fn());
  p.set(0, v1!, e('10.0.0.11'));
  await p.flush();
  p.set(0, v1!, e('10.0.0.12'));
  await p.flush();
  assert.equal(calls, 2);
  assert.deepEqual(log.lines, ['data plane: nft said no']);
});
