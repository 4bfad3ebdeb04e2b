/**
 * The Healthcheck child's --bgp-table announcer against a fake routing table: it starts from what
 * the table holds (an earlier run's routes swept, a wanted one kept without a flap), withdraws
 * before it announces, and a failed change is logged and retried by the next one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { BgpAnnouncer } from '../../src/daemon/check/bgp-announcer.js';
import type { BgpRoutes } from '../../src/os/bgp-routes.js';

function fakeTable(initial: string[]): BgpRoutes & { routes: Set<string>; ops: string[]; failAdd: boolean } {
  const t = {
    routes: new Set(initial),
    ops: [] as string[],
    failAdd: false,
    list: async () => [...t.routes],
    add: async (p: string) => {
      if (t.failAdd) throw new Error('RTNETLINK answers: Operation not permitted');
      t.ops.push(`add ${p}`);
      t.routes.add(p);
    },
    remove: async (p: string) => {
      t.ops.push(`del ${p}`);
      t.routes.delete(p);
    },
  };
  return t;
}

test('the first change sweeps routes left from an earlier run and keeps a wanted one in place', async () => {
  const table = fakeTable(['10.0.0.10/32', '10.0.0.99/32']);
  const log = memoryLogger();
  const a = new BgpAnnouncer(table, 100, log);
  await a.set(['10.0.0.10/32', '10.0.0.11/32']);
  assert.deepEqual(table.ops, ['del 10.0.0.99/32', 'add 10.0.0.11/32']);
  assert.ok(log.lines.some((l) => /removing 1 route\(s\) left from an earlier run/.test(l)), log.lines.join('\n'));
  await a.set([]);
  assert.deepEqual([...table.routes], []);
});

test('withdrawals go before announcements; a failed change is logged and the next one retries it', async () => {
  const table = fakeTable([]);
  const log = memoryLogger();
  const a = new BgpAnnouncer(table, 100, log);
  await a.set(['10.0.0.1/32']);
  table.failAdd = true;
  await a.set(['10.0.0.2/32']);
  assert.deepEqual(table.ops, ['add 10.0.0.1/32', 'del 10.0.0.1/32']);
  assert.ok(log.lines.some((l) => /bgp table 100: RTNETLINK answers/.test(l)), log.lines.join('\n'));
  table.failAdd = false;
  await a.set(['10.0.0.2/32']);
  assert.deepEqual([...table.routes], ['10.0.0.2/32']);
});
