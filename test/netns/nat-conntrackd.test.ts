/**
 * Issue 16: NAT connections survive the crash of a director. A two-armed NAT pair (sync group of
 * the outside and inside instances, src/lab/nat-pair.ts), one virtual server per scheduler, 16
 * keep-alive connections to each through the master; the master's daemon is killed with SIGKILL
 * (a crash: nothing is released), and every connection asks once more through the new master.
 *
 * With conntrackd in both directors (started here, FTFW over a veth of their own) and
 * keepalived-ts driving it (KEEPALIVED_TS_CONNTRACKD: on MASTER `-c -f -R -B`), the new master
 * commits the old master's connection states before the connections speak again: every one of
 * them is answered by the same real server, whatever the scheduler. Then the old master comes
 * back as after a reboot and takes over again (preemption): the connections of both, those opened
 * through either director, still keep their servers (d1 resynced from d2 while BACKUP).
 *
 * Without conntrackd the new master picks each connection up mid-stream (nf_conntrack_tcp_loose)
 * and schedules it afresh. The connections ask again in the reverse order of their opening, so
 * rr and wrr (nft `numgen inc`, whose counter starts afresh on the new master) send every one of
 * them to the other server: 16 of 16 break, deterministically, which shows the rig sees breakage
 * (issue 16 measured 8 of 16 for wrr when they asked in no particular order). Measured here on
 * 2026-12-06 without conntrackd, broken of 16: rr 16, wrr 16; the random draws about half (one
 * run: lc 6, wlc 9, lblc 7, lblcr 10, sed 11, nq 4); the hashes (dh, sh, mh) and fo, ovf (one
 * server) none. With conntrackd: none, every scheduler. With conntrackd running but keepalived-ts
 * not driving it (measured once by hand, the backup's external cache holding all 208 states): the
 * same breakage as without, rr 16, wrr 16: the commit (-c) on the transition is what keeps them.
 *
 * The rig keeps its connections silent between rounds (no TCP keep-alive probe, servers that do
 * not close idle connections): a packet crossing the failover before the commit would be
 * scheduled afresh by the new master (docs/conntrackd.md, the window), and would make the count
 * depend on timing.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../src/lab/daemon.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { NatPair, SCHEDULERS, type ServiceOutcome } from '../../src/lab/nat-pair.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const skip = labUnavailable();
const COUNT = 16;

function summary(o: Record<string, ServiceOutcome>): string {
  return Object.entries(o).map(([s, x]) => `${s} ${x.broken}/${COUNT}${x.moved ? ` (${x.moved} moved)` : ''}`).join(', ');
}

test('NAT pair with conntrackd: every keep-alive connection keeps its real server through a master crash, for every scheduler', { skip, timeout: 90_000 }, async (t) => {
  const pair = await NatPair.create({ repo, schedulers: SCHEDULERS, conntrackd: true, count: COUNT });
  try {
    await pair.connect();
    for (const [s, got] of Object.entries(pair.first)) {
      assert.equal(got.filter((g) => /^rs[12]$/.test(g)).length, COUNT, `${s}: ${got.join(' ')}`);
    }
    // The backup's conntrackd holds every connection before the crash (FTFW is quick, not instant).
    await waitFor(async () => (await pair.externalEntries()) >= COUNT * SCHEDULERS.length, 15_000, 'the backup\'s external cache holds every connection').catch((e: Error) => {
      throw new Error(`${e.message}\n${pair.output()}`);
    });
    const took = await pair.failover();
    t.diagnostic(`takeover seen after ${took} ms`);
    const d2 = pair.daemons.get('d2')!.output.join('\n');
    assert.match(d2, /conntrackd primary for VRRP_Group\(G\) MASTER: -c ok \d+ ms, -f ok \d+ ms, -R ok \d+ ms, -B ok \d+ ms/, pair.output());
    const after = await pair.round('reverse');
    t.diagnostic(`broken with conntrackd: ${summary(after)}`);
    for (const [s, o] of Object.entries(after)) assert.equal(o.kept, COUNT, `${s}: ${JSON.stringify(o)}\n${pair.output()}`);

    // And back: more connections open through d2; d1 returns as after a reboot (empty conntrack
    // table, conntrackd started afresh), resyncs from d2 as BACKUP (-n), preempts and commits.
    const later = await pair.connect();
    const back = await pair.rebootD1();
    t.diagnostic(`d1 back as master after ${back} ms`);
    assert.match(pair.daemons.get('d1')!.output.join('\n'), /conntrackd backup for VRRP_Group\(G\) BACKUP: -t ok \d+ ms, -n ok/, pair.output());
    for (const [label, c] of [['opened through d1', undefined], ['opened through d2', later]] as const) {
      const again = await pair.round('reverse', c);
      t.diagnostic(`broken after d1's return, ${label}: ${summary(again)}`);
      for (const [s, o] of Object.entries(again)) assert.equal(o.kept, COUNT, `${label}, ${s}: ${JSON.stringify(o)}\n${pair.output()}`);
    }
  } finally {
    await pair.destroy();
  }
});

test('NAT pair without conntrackd: rr and wrr connections break at a master crash (the rig sees breakage)', { skip, timeout: 90_000 }, async (t) => {
  const pair = await NatPair.create({ repo, schedulers: SCHEDULERS, conntrackd: false, count: COUNT });
  try {
    await pair.connect();
    // The old master's counter dealt the servers out in turn.
    for (const s of ['rr', 'wrr']) assert.deepEqual(pair.first[s], Array.from({ length: COUNT }, (_x, i) => `rs${(i % 2) + 1}`), s);
    await pair.failover();
    const after = await pair.round('reverse');
    t.diagnostic(`broken without conntrackd: ${summary(after)}`);
    assert.equal(after['rr']!.broken, COUNT, JSON.stringify(after['rr']));
    assert.equal(after['wrr']!.broken, COUNT, JSON.stringify(after['wrr']));
    // Hashes of the source choose alike on both directors, with or without conntrackd.
    for (const s of ['sh', 'mh']) assert.equal(after[s]!.kept, COUNT, `${s}: ${JSON.stringify(after[s])}`);
  } finally {
    await pair.destroy();
  }
});
