/** The nftables data plane's own behaviour, with a fake nft runner and a fake neighbour resolver. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { NftDataPlane } from '../../src/lb/dataplane/nft.js';
import type { ServicePool } from '../../src/lb/dataplane/types.js';
import { load } from '../config/lvs-helpers.js';

function pools(kind: 'NAT' | 'DR', weight = 1): ServicePool[] {
  const r = load(`virtual_server 10.0.0.100 80 {\n protocol TCP\n lb_algo rr\n lb_kind ${kind}\n real_server 10.0.1.10 80 {\n }\n}\n`);
  const vs = r.config.virtual_server[0]!;
  return [{ key: 'vs', vs, entries: [{ ip: '10.0.1.10', port: 80, weight, server: 0 }] }];
}

const until = async (what: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a load nft refuses is tried again with back-off until it goes in, logged once per streak', async () => {
  const log = memoryLogger();
  let calls = 0;
  const scripts: string[] = [];
  const plane = new NftDataPlane({
    log, refreshMs: 0, retryMs: 5, retryMaxMs: 20,
    resolve: async () => new Map(),
    run: async (script) => {
      calls++;
      if (calls <= 3) throw new Error('netlink: Error: Could not process rule: Device or resource busy');
      scripts.push(script);
    },
  });
  try {
    await assert.rejects(plane.apply(pools('NAT')), /resource busy/);
    await until(() => scripts.length === 1);
    assert.equal(calls, 4);
    assert.match(scripts[0]!, /dnat ip to 10\.0\.1\.10:80/, 'the pools went in');
    assert.equal(log.lines.filter((l) => /failed/.test(l)).length, 2, log.lines.join('\n'));
    assert.match(log.lines[0]!, /loading the rules failed .*resource busy/);
    assert.match(log.lines[1]!, /loaded after 3 failed attempt/);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, 4, 'no retry once it went in');
  } finally {
    await plane.close(true);
  }
});

test('DR: a failed neighbour read keeps the last known MACs (no reload drops the servers)', async () => {
  const log = memoryLogger();
  const scripts: string[] = [];
  const path = { dev: 'eth0', ownMac: '02:00:00:00:00:01', mac: '02:00:00:00:01:10' };
  let reads = 0;
  const plane = new NftDataPlane({
    log, refreshMs: 10, drainS: 0,
    resolve: async (ips) => {
      reads++;
      if (reads === 1) return new Map(ips.map((ip) => [ip, path]));
      if (reads % 2 === 0) throw new Error('ip: command not found');
      return new Map(); // an empty dump
    },
    run: async (script) => void scripts.push(script),
  });
  try {
    await plane.apply(pools('DR'));
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]!, /02:00:00:00:01:10/);
    await until(() => reads >= 5);
    assert.equal(scripts.length, 1, `reloaded after a failed read:\n${scripts.slice(1).join('\n---\n')}`);
    await plane.apply(pools('DR', 2));
    assert.ok(!log.lines.some((l) => /no neighbour entry/.test(l)), log.lines.join('\n'));
    assert.match(scripts.at(-1)!, /02:00:00:00:01:10/, 'the server is still forwarded to');
  } finally {
    await plane.close(true);
  }
});

test('least-connection steering reads the counts one round at a time: a slow conntrack listing is not started again meanwhile', async () => {
  const r = load('virtual_server 10.0.0.100 80 {\n protocol TCP\n lb_algo wlc\n lb_kind NAT\n real_server 10.0.1.10 80 {\n }\n}\n');
  const vs = r.config.virtual_server[0]!;
  let reads = 0;
  let release: (() => void) | undefined;
  const plane = new NftDataPlane({
    log: memoryLogger(), refreshMs: 0, steerMs: 5,
    resolve: async () => new Map(),
    run: async () => undefined,
    counts: () => {
      reads++;
      return new Promise((resolve) => (release = () => resolve(new Map())));
    },
  });
  try {
    await plane.apply([{ key: 'vs', vs, entries: [{ ip: '10.0.1.10', port: 80, weight: 1, server: 0 }] }]);
    await until(() => reads === 1);
    // 20 periods while the first listing is still running.
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(reads, 1, 'no second listing while the first runs');
    release!();
    await until(() => reads === 2);
  } finally {
    release?.();
    await plane.close(true);
  }
});

test('NAT UDP: a server that leaves its pool, or whose service goes, has its flows deleted after the rules are in; weight 0 and TCP keep theirs', async () => {
  const udp = (entries: [string, number][], proto = 'UDP') => {
    const r = load(`virtual_server 10.0.0.100 53 {\n protocol ${proto}\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.10 53 {\n }\n real_server 10.0.1.11 53 {\n }\n}\n`);
    return [{ key: proto, vs: r.config.virtual_server[0]!, entries: entries.map(([ip, weight], server) => ({ ip, port: 53, weight, server })) }] as ServicePool[];
  };
  const events: string[] = [];
  const plane = new NftDataPlane({
    log: memoryLogger(), refreshMs: 0, resolve: async () => new Map(),
    run: async () => void events.push('nft'),
    forgetUdp: async (f) => (events.push(`forget ${f.vip}:${f.vport} ${f.server}:${f.serverPort}`), true),
  });
  try {
    await plane.apply(udp([['10.0.1.10', 1], ['10.0.1.11', 1]]));
    await plane.apply(udp([['10.0.1.10', 1], ['10.0.1.11', 0]]));
    assert.deepEqual(events, ['nft', 'nft'], 'weight 0 keeps its flows');
    await plane.apply(udp([['10.0.1.10', 1], ['10.0.1.11', 1]]));
    await plane.apply(udp([['10.0.1.10', 1]]));
    await until(() => events.length === 5).catch(() => assert.fail(events.join(', ')));
    assert.deepEqual(events.slice(2), ['nft', 'nft', 'forget 10.0.0.100:53 10.0.1.11:53'], 'deleted once the rules without it are in');
    await plane.apply(udp([['10.0.1.10', 1], ['10.0.1.11', 1]], 'TCP'));
    await until(() => events.length === 7).catch(() => assert.fail(events.join(', ')));
    assert.deepEqual(events.slice(5), ['nft', 'forget 10.0.0.100:53 10.0.1.10:53'], 'the UDP service went, with its last server');
    await plane.apply(udp([['10.0.1.10', 1]], 'TCP'));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events.slice(7), ['nft'], 'TCP drains: nothing deleted');
  } finally {
    await plane.close(true);
  }
});
