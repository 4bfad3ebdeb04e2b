/**
 * The nftables data plane for real: client -> director -> two real servers in network
 * namespaces, the director running `keepalived-ts -C` (health checkers + nftables), as seeds 000,
 * 003 and 004 build it (dataplane-rig.ts). NAT: requests spread by weight, a stopped server is out
 * within its checker's bound and no request fails afterwards, a restarted one comes back, the
 * table is gone after shutdown. DR: the same through the Maglev table, servers answering the
 * client directly.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Lab, type LabHost } from '../../src/lab/lab.js';
import { peer, repo, rig, skip, waitFor } from './dataplane-rig.js';

for (const kind of ['NAT', 'DR', 'PROXY'] as const) {
  test(`${kind}: requests spread by weight, a dead server leaves within its bound and comes back, shutdown removes the table`, { skip }, async () => {
    await rig(kind, async (r) => {
      await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
      if (kind !== 'PROXY') await waitFor('the table', async () => (await r.tables()).includes(kind === 'NAT' ? 'inet keepalived_ts' : 'netdev keepalived_ts_dr'), 5_000);
      else await new Promise((res) => setTimeout(res, 300));
      const first = await r.requests(400);
      assert.equal(first.errors, 0, `${JSON.stringify(first)}\n${r.out()}`);
      const share = (first.by['rs2'] ?? 0) / 400;
      // Weights 1 and 3: wrr through numgen inc is exact; Maglev over ~400 random source ports is
      // a sample of a 3/4 share (binomial sd ~ 2.2 %), so allow a generous band.
      assert.ok(share > 0.6 && share < 0.9, `rs2 share ${share} (${JSON.stringify(first.by)})`);

      // The table as ipvsadm shows it.
      const rs = (h: string) => r.lab.host(h).address;
      const port = kind === 'DR' ? 80 : 8080;
      // The proxy writes its own counts every second.
      if (kind === 'PROXY') await new Promise((res) => setTimeout(res, 1500));
      const table = await r.lvs();
      assert.match(table, new RegExp(`\nTCP  ${r.vip.replaceAll('.', '\\.')}:80 ${kind === 'DR' ? 'mh' : 'wrr'}\n`));
      assert.match(table, new RegExp(`  -> ${rs('rs2').replaceAll('.', '\\.')}:${port} +${kind === 'DR' ? 'Route' : 'Masq'} +3 `));
      if (kind !== 'DR') {
        // Every request was one new connection through the DNAT chain (NAT) or the proxy to the server that answered it.
        const stats = await r.lvs('--stats');
        const conns = (h: string) => Number(new RegExp(`  -> ${rs(h).replaceAll('.', '\\.')}:8080 +(\\d+)`).exec(stats)?.[1]);
        assert.equal(conns('rs1'), first.by['rs1'] ?? 0, stats);
        assert.equal(conns('rs2'), first.by['rs2'] ?? 0, stats);
      }

      r.stop('rs2');
      const stopped = Date.now();
      await waitFor('rs2 removed', () => /Removing service \[[\d.]+\]:tcp:\d+ from VS/.test(r.out()), 15_000);
      const took = Date.now() - stopped;
      // delay_loop 1 + connect_timeout 1 x (retry 1 + 1) + delay_before_retry 1 x 1 = 4 s, plus the publish.
      assert.ok(took < 4000 + 2500, `removed after ${took} ms`);
      const after = await r.requests(100);
      assert.deepEqual(after, { by: { rs1: 100 }, errors: 0 });

      await r.backend('rs2');
      await waitFor('rs2 back', () => /Adding service \[[\d.]+\]:tcp:\d+ to VS/.test(r.out()), 10_000);
      // In the kernel's table: the checker process writes what `lvs` lists once nft has taken it
      // (a fixed 500 ms here once saw 8 of 200 requests fail, DR, not reproduced in 6 runs since).
      const rs2Line = new RegExp(`  -> ${rs('rs2').replaceAll('.', '\\.')}:${port} `);
      await waitFor('rs2 in the table', async () => rs2Line.test(await r.lvs()), 10_000);
      const back = await r.requests(200);
      assert.equal(back.errors, 0);
      assert.ok((back.by['rs2'] ?? 0) > 80, JSON.stringify(back));

      r.daemon.kill('SIGTERM');
      await waitFor('daemon exit', () => r.daemon.exitCode !== null, 10_000);
      // nftables: the tables are gone; the proxy: nothing listens on the VIP any more.
      if (kind === 'PROXY') assert.deepEqual(await r.requests(1), { by: {}, errors: 1 });
      else assert.doesNotMatch(await r.tables(), /keepalived_ts/);
    });
  });
}

test('NAT: persistence holds a client to one server; a reload that changes weights breaks no established connection', { skip }, async () => {
  await rig('NAT', async (r) => {
    await waitFor('the table', async () => (await r.tables()).includes('inet keepalived_ts'), 10_000);
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    const held = await r.requests(60);
    assert.equal(held.errors, 0);
    assert.equal(Object.keys(held.by).length, 1, `one client, one server while persistent: ${JSON.stringify(held.by)}`);

    // A slow request is in flight on rs1 or rs2 while the weights change under it.
    const slow = r.get('/slow');
    await new Promise((res) => setTimeout(res, 500));
    r.reload('', [5, 1]);
    await waitFor('the reload', () => r.out().includes('Reload finished'), 5_000);
    const answer = await slow;
    assert.match(answer, /^rs[12]$/, `the established connection survived the reload: ${JSON.stringify(answer)}`);
    await new Promise((res) => setTimeout(res, 500));
    const after = await r.requests(120);
    assert.equal(after.errors, 0);
    assert.equal(after.by['rs1'], 100, `wrr 5:1 over 120 new connections: ${JSON.stringify(after.by)}`);
  }, 'persistence_timeout 30', [1, 1]);
});

test('NAT wlc: new connections lean away from the server holding live connections (conntrack counts steer the weights)', { skip }, async () => {
  await rig('NAT', async (r) => {
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    // rs2 is away while 8 long requests land on rs1, then returns.
    r.stop('rs2');
    await waitFor('rs2 removed', () => /Removing service \[[\d.]+\]:tcp:8080 from VS/.test(r.out()), 15_000);
    const long = r.lab.spawn('client', process.execPath, [path.join(repo, 'dist/src/lab/http-peer.js'), '--requests', `http://${r.vip}/slow?ms=20000`, '8', '--timeout', '30000']);
    try {
      await new Promise((res) => setTimeout(res, 1000));
      await r.backend('rs2');
      await waitFor('rs2 back', () => /Adding service \[[\d.]+\]:tcp:8080 to VS/.test(r.out()), 10_000);
      // Steering re-reads conntrack every second; wait until the kernel's table shows it (the
      // random draw no longer 1:1, i.e. not `mod 2`), rather than for a fixed time.
      await waitFor('steered weights', async () => {
        const chain = await r.lab.exec('director', 'nft', 'list', 'chain', 'inet', 'keepalived_ts', 'vs_0');
        return /numgen random mod \d+ vmap/.test(chain) && !/numgen random mod 2 vmap/.test(chain) && !/mod 200 vmap/.test(chain);
      }, 10_000);
      const got = await r.requests(60);
      assert.equal(got.errors, 0);
      // Equal weights: without steering the split is even. rs1 holds 8 connections: its weight
      // becomes 100/9 against rs2's 100, about 1 in 10.
      assert.ok((got.by['rs2'] ?? 0) >= 45, `rs2 got ${got.by['rs2']} of 60: ${JSON.stringify(got.by)}`);
    } finally {
      long.kill('SIGKILL');
    }
  }, '', [1, 1], 'wlc');
});

test('NAT: losing quorum puts the sorry server in alone, in the kernel table; regaining it takes it out', { skip }, async () => {
  await rig('NAT', async (r) => {
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    const rs1 = r.lab.host('rs1').address.replaceAll('.', '\\.');
    r.stop('rs2');
    await waitFor('quorum lost', () => /Lost quorum 2-0=2 > 1 for VS/.test(r.out()), 15_000);
    await new Promise((res) => setTimeout(res, 500));
    const table = await r.lvs();
    // Only the sorry server (rs1's port 80) is in the pool: rs1:8080, still alive, is withdrawn.
    assert.match(table, new RegExp(`  -> ${rs1}:80 +Masq +1 `));
    assert.doesNotMatch(table, /:8080 /, table);
    const during = await r.requests(20);
    assert.deepEqual(during, { by: { rs1: 20 }, errors: 0 });
    await r.backend('rs2');
    await waitFor('quorum gained', () => /Gained quorum 2\+0=2 <= 2 for VS/.test(r.out()), 15_000);
    await new Promise((res) => setTimeout(res, 500));
    assert.doesNotMatch(await r.lvs(), new RegExp(`  -> ${rs1}:80 `));
  }, `quorum 2\n  sorry_server 0.0.0.0 80`.replace('0.0.0.0', '__RS1__'), [1, 1]);
});

test('NAT fwmark: a virtual server by firewall mark forwards what the operator\'s own rule marks', { skip }, async () => {
  await rig('NAT', async (r) => {
    // The operator's rule, as with IPVS: mark the service's packets in mangle.
    await r.lab.exec('director', 'nft', `add table ip user; add chain ip user pre { type filter hook prerouting priority mangle; }; add rule ip user pre ip daddr ${r.vip} tcp dport 80 meta mark set 5`);
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    await waitFor('the table', async () => (await r.tables()).includes('inet keepalived_ts'), 5_000);
    const got = await r.requests(40);
    assert.equal(got.errors, 0, JSON.stringify(got));
    assert.equal((got.by['rs1'] ?? 0) + (got.by['rs2'] ?? 0), 40);
    assert.ok((got.by['rs2'] ?? 0) > 0 && (got.by['rs1'] ?? 0) > 0, JSON.stringify(got.by));
  }, '', [1, 1], 'rr', 'fwmark 5');
});

test('DR drain: a weight change moves no established connection, new ones follow their SYN; the window ends and the old table goes', { skip }, async () => {
  await rig('DR', async (r) => {
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    await waitFor('the table', async () => (await r.tables()).includes('netdev keepalived_ts_dr'), 5_000);
    // Recording rules are in the service's chain only while it drains.
    const draining = async () => /@flows_0/.test(await r.lab.exec('director', 'nft', 'list', 'chain', 'netdev', 'keepalived_ts_dr', 'svc_0'));
    assert.equal(await draining(), false);
    // 16 keep-alive sessions, one request every 400 ms for ~4 s; the weights flip 1:3 -> 3:1
    // under them, which hands about half the Maglev slots to the other server.
    const live = r.sessions(16, 10, 400);
    await new Promise((res) => setTimeout(res, 1200));
    r.reload('', [3, 1]);
    await waitFor('the reload', () => r.out().includes('Reload finished'), 5_000);
    await waitFor('the drain', draining, 3_000);
    // New connections during the drain: their SYN goes by the new table and the rest follows it.
    const fresh = await r.requests(80);
    assert.equal(fresh.errors, 0, JSON.stringify(fresh));
    const held = await live;
    assert.deepEqual({ errors: held.errors, switched: held.switched }, { errors: 0, switched: 0 }, `sessions across the change: ${JSON.stringify(held)}\n${r.out()}`);
    // The window (KEEPALIVED_TS_DR_DRAIN=4) passes: the old table and the records go.
    await waitFor('the end of the drain', async () => !(await draining()), 8_000);
    const after = await r.requests(200);
    assert.equal(after.errors, 0);
    const share = (after.by['rs1'] ?? 0) / 200;
    assert.ok(share > 0.6 && share < 0.9, `rs1 now weighs 3 of 4: ${JSON.stringify(after.by)}`);
  }, '', [1, 3], 'mh', undefined, { env: { KEEPALIVED_TS_DR_DRAIN: '4' } });
});

test('NAT one-armed (KEEPALIVED_TS_NAT_SNAT=1): servers with no route back through the director still answer, and see the director as the client', { skip }, async () => {
  await rig('NAT', async (r) => {
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    await waitFor('the table', async () => (await r.tables()).includes('inet keepalived_ts'), 5_000);
    const got = await r.requests(40);
    assert.deepEqual(got, { by: { rs1: 20, rs2: 20 }, errors: 0 });
    assert.match(await r.get('/whoami'), new RegExp(`^rs[12] ${r.lab.host('director').address.replaceAll('.', '\\.')}$`));
  }, '', [1, 1], 'rr', undefined, { env: { KEEPALIVED_TS_NAT_SNAT: '1' }, oneArmed: true });
});

for (const kind of ['NAT', 'DR'] as const) {
  test(`${kind} virtual_server_group: every address of the group forwards to the one pool`, { skip }, async () => {
    await rig(kind, async (r) => {
      // The group's second address, on the director and (DR) on the servers' lo.
      const vip2 = r.lab.spareAddress(101);
      await r.lab.exec('director', 'ip', 'addr', 'add', `${vip2}/32`, 'dev', 'eth0');
      if (kind === 'DR') for (const h of ['rs1', 'rs2']) await r.lab.exec(h, 'ip', 'addr', 'add', `${vip2}/32`, 'dev', 'lo');
      await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
      await waitFor('the table', async () => (await r.tables()).includes(kind === 'NAT' ? 'inet keepalived_ts' : 'netdev keepalived_ts_dr'), 5_000);
      for (const vip of [r.vip, vip2]) {
        const got = JSON.parse(await r.lab.exec('client', process.execPath, peer, '--requests', `http://${vip}/`, '60')) as { by: Record<string, number>; errors: number };
        assert.equal(got.errors, 0, `${vip}: ${JSON.stringify(got)}`);
        assert.ok((got.by['rs1'] ?? 0) > 0 && (got.by['rs2'] ?? 0) > 0, `${vip}: ${JSON.stringify(got.by)}`);
      }
    }, '', [1, 1], kind === 'DR' ? 'mh' : 'rr', 'group web', { preamble: 'virtual_server_group web {\n  __VIP__ 80\n  __VIP2__ 80\n}\n' });
  });
}

/**
 * One virtual server over IPv6 or UDP (the paths the TCP/IPv4 rig above does not take): the same
 * client -> director -> two servers lab. Both servers answer; a dead one leaves (its checker's
 * log line) and no request fails afterwards, over UDP not even from a client that keeps its port
 * (its flow was on the dead server); the daemon stops cleanly.
 */
async function otherPath(kind: 'NAT' | 'DR' | 'PROXY', o: { ipv6: boolean; udp: boolean }): Promise<void> {
  const lab = await Lab.create({ hosts: ['client', 'director', 'rs1', 'rs2'], ipv6: o.ipv6 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-dpx-'));
  try {
    const [client, director, rs1, rs2] = ['client', 'director', 'rs1', 'rs2'].map((h) => lab.host(h)) as [LabHost, LabHost, LabHost, LabHost];
    const addr = (h: LabHost) => (o.ipv6 ? h.address6! : h.address);
    const vip = o.ipv6 ? lab.address6(0x100) : lab.spareAddress(100);
    const plen = o.ipv6 ? 128 : 32;
    // As VRRP adds a /128 VIP (Keepalived's default): deprecated, so that the director's own
    // connections, the health checks', do not leave from it (DR servers hold it on lo).
    await lab.exec('director', 'ip', 'addr', 'add', `${vip}/${plen}`, 'dev', 'eth0', ...(o.ipv6 ? ['nodad', 'preferred_lft', '0'] : []));
    if (kind === 'NAT') await lab.exec('director', 'sysctl', '-q', '-w', o.ipv6 ? 'net.ipv6.conf.all.forwarding=1' : 'net.ipv4.ip_forward=1');
    for (const h of ['rs1', 'rs2']) {
      // NAT: answers go back through the director. DR: the VIP on lo, never answered for on eth0
      // (IPv4: arp_ignore / arp_announce; IPv6 answers neighbour solicitations only for eth0's own).
      if (kind === 'NAT') await lab.exec(h, 'ip', 'route', 'add', `${addr(client)}/${plen}`, 'via', addr(director));
      if (kind !== 'DR') continue;
      await lab.exec(h, 'ip', 'addr', 'add', `${vip}/${plen}`, 'dev', 'lo', ...(o.ipv6 ? ['nodad'] : []));
      if (!o.ipv6) for (const [k, v] of [['arp_ignore', 1], ['arp_announce', 2]] as const) await lab.exec(h, 'sysctl', '-q', '-w', `net.ipv4.conf.all.${k}=${v}`);
    }
    const port = kind === 'DR' ? 80 : 8080;
    const servers = new Map<string, ChildProcess>();
    for (const h of ['rs1', 'rs2']) {
      const p = lab.spawn(h, process.execPath, o.udp ? [peer, '--serve-udp', h, String(port)] : [peer, '--serve', h, '80', '8080']);
      await new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        p.once('exit', () => reject(new Error(`${h} backend exited`)));
      });
      servers.set(h, p);
    }
    const check = o.udp ? 'UDP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }' : 'TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }';
    const conf = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(conf, `virtual_server ${vip} 80 {\n  delay_loop 1\n  lb_algo ${kind === 'DR' ? 'mh' : 'rr'}\n  lb_kind ${kind === 'DR' ? 'DR' : 'NAT'}\n  protocol ${o.udp ? 'UDP' : 'TCP'}\n` +
      [rs1, rs2].map((h) => `  real_server ${addr(h)} ${port} {\n    ${check}\n  }\n`).join('') + '}\n');
    let out = '';
    const daemon = lab.spawn('director', process.execPath, [path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-D', '-C', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid')], { env: { ...process.env, TMPDIR: dir, ...(kind === 'PROXY' ? { KEEPALIVED_TS_DATAPLANE: 'proxy' } : {}) } });
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const host = o.ipv6 ? `[${vip}]` : vip;
    const requests = async (n: number, sport?: number) => JSON.parse(await lab.exec('client', process.execPath, peer, ...(o.udp ? ['--udp-requests', vip, '80', String(n), ...(sport ? ['--sport', String(sport)] : [])] : ['--requests', `http://${host}/`, String(n)]))) as { by: Record<string, number>; errors: number };
    const checker = o.udp ? 'UDP_CHECK' : 'TCP_CHECK';
    await waitFor('the first checks', () => (out.match(new RegExp(`${checker} on service .* succeeded\\.`, 'g')) ?? []).length >= 2, 10_000).catch((e: Error) => assert.fail(`${e.message}\n${out}`));
    let got = { by: {} as Record<string, number>, errors: 0 };
    // DR: the servers' MACs come from the neighbour table, filled on the first refresh.
    await waitFor('answers from both servers', async () => {
      got = await requests(40);
      return got.errors === 0 && (got.by['rs1'] ?? 0) > 0 && (got.by['rs2'] ?? 0) > 0;
    }, 15_000).catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(got)}\n${out}`));
    // UDP: clients that keep their ports (eight of them, answered by both servers), whose flows
    // the data plane holds on their server: after rs2 leaves, those that were on it must be
    // scheduled afresh, not sent on to a server that is gone.
    let sport = 0;
    if (o.udp) {
      await waitFor('kept ports on both servers', async () => {
        sport = sport ? sport + 8 : 41000;
        got = await requests(16, sport);
        return got.errors === 0 && (got.by['rs1'] ?? 0) > 0 && (got.by['rs2'] ?? 0) > 0;
      }, 15_000).catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(got)}\n${out}`));
    }
    servers.get('rs2')!.kill('SIGKILL');
    await waitFor('rs2 removed', () => /Removing service \[[0-9a-f.:]+\]:(tcp|udp):\d+ from VS/.test(out), 15_000);
    // The line is logged as the pool changes; the proxy's workers take the new pool a message
    // later (seen once in CI on a loaded machine: one datagram of 40 still sent to rs2).
    await new Promise((r) => setTimeout(r, 300));
    got = await requests(40);
    assert.deepEqual(got, { by: { rs1: 40 }, errors: 0 }, out);
    if (o.udp) assert.deepEqual(await requests(16, sport), { by: { rs1: 16 }, errors: 0 }, `the kept ports\n${out}`);
    assert.doesNotMatch(out, /data plane: /, 'every change applied');
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['NAT', 'DR', 'PROXY'] as const) {
  test(`${kind} over IPv6: an IPv6 VIP forwards to both servers; a dead one leaves, and no request fails afterwards`, { skip }, () => otherPath(kind, { ipv6: true, udp: false }));
  test(`${kind} UDP: datagrams reach both servers and their answers come back from the VIP; a dead one leaves, and none is lost afterwards`, { skip }, () => otherPath(kind, { ipv6: false, udp: true }));
}
