/**
 * The live pool against Keepalived's ipwrapper.c rules: a dead server leaves (or stays at weight 0
 * with inhibit_on_failure), quorum with hysteresis, the sorry server standing in, weight changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from '../config/lvs-helpers.js';
import { checkerDecided, desiredPool, startPool, weightChanged, type PoolEffect, type PoolState } from '../../src/lb/pool.js';
import type { KeepalivedConfig } from '../../src/config/model.js';

type VirtualServer = KeepalivedConfig['virtual_server'][number];

function vs(body: string): VirtualServer {
  const r = load(`virtual_server 10.0.0.1 80 {\n lb_algo wrr\n lb_kind DR\n protocol TCP\n${body}\n}\n`);
  const v = r.config.virtual_server[0];
  assert.ok(v, JSON.stringify(r.diagnostics));
  return v;
}

const RS = (n: number, extra = '') => `real_server 10.0.0.${10 + n} 80 {\n weight ${n}\n ${extra}\n TCP_CHECK {\n connect_timeout 3\n }\n}`;

const pool = (v: VirtualServer, s: PoolState) => desiredPool(v, s).map((e) => `${e.server === 'sorry' ? 'sorry ' : ''}${e.ip}:${e.port}=${e.weight}`);
const logs = (e: readonly PoolEffect[]) => e.filter((x) => x.kind === 'log').map((x) => (x as { message: string }).message);
const down = (v: VirtualServer, s: PoolState, i: number) => checkerDecided(v, s, i, { wasUp: true, up: false, firstRun: false, alpha: false });
const up = (v: VirtualServer, s: PoolState, i: number) => checkerDecided(v, s, i, { wasUp: false, up: true, firstRun: false, alpha: false });

test('every real server starts in the pool with its weight; a dead one leaves and comes back', () => {
  const v = vs(`${RS(1)}\n${RS(2)}`);
  let s = startPool(v, [0, 0]).state;
  assert.deepEqual(pool(v, s), ['10.0.0.11:80=1', '10.0.0.12:80=2']);
  const d = down(v, s, 1);
  s = d.state;
  assert.deepEqual(pool(v, s), ['10.0.0.11:80=1']);
  assert.deepEqual(logs(d.effects), ['Removing service [10.0.0.12]:tcp:80 from VS [10.0.0.1]:tcp:80']);
  assert.deepEqual(d.effects.filter((e) => e.kind === 'rs'), [{ kind: 'rs', index: 1, up: false }]);
  const u = up(v, s, 1);
  assert.deepEqual(pool(v, u.state), ['10.0.0.11:80=1', '10.0.0.12:80=2']);
  assert.deepEqual(logs(u.effects), ['Adding service [10.0.0.12]:tcp:80 to VS [10.0.0.1]:tcp:80']);
});

test('inhibit_on_failure keeps a dead server at weight 0 instead of removing it', () => {
  const v = vs(`${RS(1, 'inhibit_on_failure')}\n${RS(2)}`);
  const s = down(v, startPool(v, [0, 0]).state, 0);
  assert.deepEqual(pool(v, s.state), ['10.0.0.11:80=0', '10.0.0.12:80=2']);
  assert.deepEqual(logs(s.effects), ['Disabling service [10.0.0.11]:tcp:80 of VS [10.0.0.1]:tcp:80']);
});

test('a server is alive only while all its checkers are up: it returns when the last one does', () => {
  const v = vs(`real_server 10.0.0.11 80 {\n TCP_CHECK {\n }\n HTTP_GET {\n url {\n path /\n }\n }\n}`);
  let s = startPool(v, [0]).state;
  s = down(v, s, 0).state; // first checker down
  s = down(v, s, 0).state; // second checker down
  assert.equal(s.rs[0]!.failed, 2);
  s = up(v, s, 0).state;
  assert.deepEqual(pool(v, s), [], 'one checker still down');
  s = up(v, s, 0).state;
  assert.deepEqual(pool(v, s), ['10.0.0.11:80=1']);
});

test('alpha: a server whose checker starts down is out of the pool until its first success', () => {
  const v = vs(`alpha\n${RS(1)}`);
  let s = startPool(v, [1]).state;
  assert.deepEqual(pool(v, s), []);
  const first = checkerDecided(v, s, 0, { wasUp: false, up: false, firstRun: true, alpha: true });
  assert.deepEqual(first.effects, [{ kind: 'rs', index: 0, up: false }], 'the first failure announces the server down');
  s = up(v, first.state, 0).state;
  assert.deepEqual(pool(v, s), ['10.0.0.11:80=1']);
});

test('quorum lost puts the sorry server in alone; quorum gained takes it out again', () => {
  const v = vs(`quorum 3\nhysteresis 1\nsorry_server 10.0.0.99 80\n${RS(2)}\n${RS(3)}`);
  const start = startPool(v, [0, 0]);
  let s = start.state;
  assert.equal(s.quorumUp, true, '5 >= 3 + 1');
  assert.deepEqual(pool(v, s), ['10.0.0.12:80=2', '10.0.0.13:80=3']);
  // 3 left: 3 >= quorum - hysteresis = 2, still up.
  s = down(v, s, 0).state;
  assert.equal(s.quorumUp, true);
  const lost = down(v, s, 1);
  s = lost.state;
  assert.equal(s.quorumUp, false);
  assert.deepEqual(pool(v, s), ['sorry 10.0.0.99:80=1']);
  assert.ok(logs(lost.effects).includes('Lost quorum 3-1=2 > 0 for VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(lost.effects.filter((e) => e.kind === 'quorum'), [{ kind: 'quorum', up: false, init: false, threshold: 2, weightSum: 0 }]);
  // 3 is not enough to regain: 3 < quorum + hysteresis = 4; the live server stays withdrawn.
  s = up(v, s, 1).state;
  assert.equal(s.quorumUp, false);
  assert.deepEqual(pool(v, s), ['sorry 10.0.0.99:80=1']);
  const gained = up(v, s, 0);
  assert.equal(gained.state.quorumUp, true);
  assert.deepEqual(pool(v, gained.state), ['10.0.0.12:80=2', '10.0.0.13:80=3']);
  assert.ok(logs(gained.effects).includes('Removing sorry server [10.0.0.99]:tcp:80 from VS [10.0.0.1]:tcp:80'));
});

test('starting without quorum brings the sorry server in at once', () => {
  const v = vs(`alpha\nsorry_server 10.0.0.99 80\n${RS(1)}`);
  const st = startPool(v, [1]);
  assert.deepEqual(pool(v, st.state), ['sorry 10.0.0.99:80=1']);
  assert.ok(logs(st.effects).some((l) => l.startsWith('Starting with quorum down')));
});

test('sorry_server_inhibit keeps the sorry server at weight 0 while it is not needed', () => {
  const v = vs(`sorry_server 10.0.0.99 80\nsorry_server_inhibit\n${RS(1)}`);
  const s = startPool(v, [0]).state;
  assert.deepEqual(pool(v, s), ['10.0.0.11:80=1', 'sorry 10.0.0.99:80=0']);
});

test('a dynamic weight moves the server weight, is clamped at 0, and can lose quorum', () => {
  const v = vs(`quorum 2\n${RS(2)}`);
  let step = weightChanged(v, startPool(v, [0]).state, 0, 7);
  assert.deepEqual(pool(v, step.state), ['10.0.0.12:80=7']);
  assert.deepEqual(logs(step.effects), ['Changing weight from 2 to 7 for active service [10.0.0.12]:tcp:80 of VS [10.0.0.1]:tcp:80']);
  step = weightChanged(v, step.state, 0, -5);
  assert.deepEqual(pool(v, step.state), ['10.0.0.12:80=0']);
  assert.equal(step.state.quorumUp, false);
});
