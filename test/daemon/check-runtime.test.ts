/**
 * The checker process's wiring on a manual clock with scripted probes: first attempts after the
 * bootstrap second, retries, the pool following the decisions, notifications, dynamic weights,
 * and nothing left running after stop().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/base/clock.js';
import { memoryLogger } from '../../src/base/log.js';
import { CheckRuntime, type CheckerDriver } from '../../src/daemon/check/runtime.js';
import type { ProbeResult } from '../../src/check/types.js';
import { load } from '../config/lvs-helpers.js';

const S = 1_000_000;
const flush = () => new Promise((r) => setImmediate(r));

function setup(conf: string, results: Record<string, boolean[] | ((n: number) => ProbeResult)>) {
  const cfg = load(conf);
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === 'error'), []);
  const clock = new ManualClock();
  const log = memoryLogger();
  const calls: Record<string, number[]> = {};
  const events: string[] = [];
  const pools: string[] = [];
  let aborted = 0;
  const rt = new CheckRuntime(cfg.config, {
    clock, log, random: () => 0,
    driverFor: (c, vs, r): CheckerDriver => {
      const key = vs.real_server[r]!.ip;
      return {
        probe: {
          run: (signal) => {
            (calls[key] ??= []).push(clock.now() / S);
            signal.addEventListener('abort', () => aborted++);
            const n = calls[key]!.length - 1;
            const spec = results[key]!;
            const r: ProbeResult = typeof spec === 'function' ? spec(n) : { ok: spec[Math.min(n, spec.length - 1)]!, reason: 'scripted' };
            return Promise.resolve(r);
          },
        },
      };
    },
    events: {
      realServer: (vs, i, up) => events.push(`RS ${vs.real_server[i]!.ip} ${up ? 'UP' : 'DOWN'}`),
      quorum: (vs, up) => events.push(`VS ${up ? 'UP' : 'DOWN'}`),
      pool: (_v, _vs, e) => pools.push(e.map((x) => `${x.ip}=${x.weight}`).join(',')),
    },
  });
  const run = async (seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) {
      clock.advance(S / 10);
      await flush();
    }
  };
  return { rt, clock, log, calls, events, pools, run, aborted: () => aborted };
}

const CONF = (rsExtra = '', vsExtra = '') => `virtual_server 10.0.0.1 80 {
 delay_loop 5
 lb_algo rr
 lb_kind NAT
 protocol TCP
 ${vsExtra}
 real_server 10.0.0.11 80 {
  ${rsExtra}
  TCP_CHECK {
   connect_timeout 2
   retry 2
   delay_before_retry 1
  }
 }
 real_server 10.0.0.12 80 {
  TCP_CHECK {
   connect_timeout 2
  }
 }
}
`;

test('first attempts after the bootstrap second, then every delay_loop; a failure is retried before the server leaves', async () => {
  const h = setup(CONF(), { '10.0.0.11': [true, false, false, false, true], '10.0.0.12': [true] });
  h.rt.start();
  assert.deepEqual(h.pools, ['10.0.0.11=1,10.0.0.12=1']);
  await h.run(20);
  // up at 1, fail at 6, retries at 7 and 8 (delay_before_retry 1), down at 8, back at 13.
  assert.deepEqual(h.calls['10.0.0.11'], [1, 6, 7, 8, 13, 18]);
  assert.deepEqual(h.calls['10.0.0.12'], [1, 6, 11, 16]);
  assert.deepEqual(h.pools, ['10.0.0.11=1,10.0.0.12=1', '10.0.0.12=1', '10.0.0.11=1,10.0.0.12=1']);
  assert.deepEqual(h.events, ['RS 10.0.0.11 DOWN', 'RS 10.0.0.11 UP']);
  assert.ok(h.log.lines.includes('TCP_CHECK on service [10.0.0.11]:tcp:80 failed after 2 retries.'), h.log.lines.join('\n'));
  assert.ok(h.log.lines.includes('Removing service [10.0.0.11]:tcp:80 from VS [10.0.0.1]:tcp:80'));
  h.rt.stop();
});

test('quorum loss brings the sorry server and the quorum notification', async () => {
  const h = setup(CONF('', 'quorum 2\nsorry_server 10.0.0.99 80'), { '10.0.0.11': [true, false], '10.0.0.12': [true] });
  h.rt.start();
  await h.run(10);
  assert.deepEqual(h.pools.at(-1), '10.0.0.99=1');
  assert.ok(h.events.includes('VS DOWN'), h.events.join());
  h.rt.stop();
});

test('misc_dynamic-style weights move the server weight and fall back when the checker fails', async () => {
  const h = setup(CONF(), {
    '10.0.0.11': (n) => (n < 2 ? { ok: true, reason: 'exit 7', weight: 5 } : { ok: false, reason: 'exit 1' }),
    '10.0.0.12': [true],
  });
  h.rt.start();
  await h.run(7);
  assert.equal(h.pools.at(-1), '10.0.0.11=5,10.0.0.12=1');
  // Fails at 11, retried at 12 and 13, down at 13.
  await h.run(7);
  assert.equal(h.pools.at(-1), '10.0.0.12=1');
  assert.equal(h.rt.poolState(0).rs[0]!.weight, 1, 'the dynamic part is given back');
  h.rt.stop();
});

test('stop() aborts the attempt in flight and leaves no timer behind', async () => {
  const cfg = load(CONF());
  const clock = new ManualClock();
  let signal: AbortSignal | undefined;
  let runs = 0;
  const rt = new CheckRuntime(cfg.config, {
    clock, log: memoryLogger(), random: () => 0,
    driverFor: () => ({ probe: { run: (s) => { runs++; signal = s; return new Promise(() => undefined); } } }),
    events: { realServer: () => undefined, quorum: () => undefined, pool: () => undefined },
  });
  rt.start();
  clock.advance(2 * S);
  assert.ok(signal && !signal.aborted);
  rt.stop();
  assert.equal(signal.aborted, true);
  const before = runs;
  clock.advance(60 * S);
  assert.equal(runs, before);
});

test('a reload keeps the state of checkers that still exist: a failed server is not re-added', async () => {
  const h = setup(CONF(), { '10.0.0.11': [false], '10.0.0.12': [true] });
  h.rt.start();
  await h.run(3);
  assert.equal(h.pools.at(-1), '10.0.0.12=1');
  h.rt.stop();
  const next = load(CONF().replace('delay_loop 5', 'delay_loop 7'));
  const pools: string[] = [];
  const rt2 = new CheckRuntime(next.config, {
    clock: h.clock, log: h.log, random: () => 0,
    driverFor: () => ({ probe: { run: () => Promise.resolve({ ok: false, reason: 'still down' }) } }),
    events: { realServer: () => undefined, quorum: () => undefined, pool: (_v, _vs, e) => pools.push(e.map((x) => `${x.ip}=${x.weight}`).join(',')) },
  }, h.rt);
  rt2.start();
  assert.deepEqual(pools, ['10.0.0.12=1'], 'the failed server stays out from the first pool on');
  rt2.stop();
});

test('shutdown: live servers are logged; with omega their notify_down and quorum_down run', async () => {
  for (const omega of [false, true]) {
    const h = setup(CONF('', omega ? 'omega' : ''), { '10.0.0.11': [true], '10.0.0.12': [true] });
    h.rt.start();
    await h.run(2);
    h.rt.shutdown();
    assert.ok(h.log.lines.includes('Shutting down service [10.0.0.11]:tcp:80 from VS [10.0.0.1]:tcp:80'));
    assert.deepEqual(h.events, omega ? ['RS 10.0.0.11 DOWN', 'RS 10.0.0.12 DOWN', 'VS DOWN'] : []);
  }
});
