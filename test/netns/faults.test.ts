/**
 * The bad day: faults a pair of directors meets in production, each played in network
 * namespaces against keepalived-ts daemons, with a client on the same segment pinging the VIP.
 *
 * 1. A partition between d1 (150) and d2 (100) only (nftables in each drops the other's VRRP;
 *    the client still reaches both): both become master. When it heals, the client must be back
 *    on the winner (d1) within 1 s: its neighbour entry for the VIP holds d1's MAC and d1 answers.
 *    The heal comes just after an advert of d2, so d1's advert is the first to cross: d2 steps
 *    down and, as in Keepalived (higher_prio_send_advert off), says nothing more; d1 never hears
 *    a lower-priority advert, so it sends no GARP, and the client stays on d2's MAC until its
 *    neighbour entry fails (5 s DELAY, 3 unicast probes, then a broadcast d1 answers): ~7.1 s
 *    measured. A deliberate difference from Keepalived fixes it: keepalived-ts turns
 *    vrrp_higher_prio_send_advert on by default, so d2 sends one last advert at 100 as it steps
 *    down and d1 answers it with an advert and a GARP batch at once (~0.4 s: the heal to d1's
 *    next advert). FAULTS_D2_EXTRA='higher_prio_send_advert off' puts Keepalived's behaviour
 *    back on d2, and this test fails.
 * 2. The master stopped (SIGSTOP) and continued (SIGCONT): the backup takes over meanwhile; the
 *    stale master steps down or takes back over, but once adverts flow there is one master and
 *    no VIP on a node that is not master.
 * 3. The master killed (SIGKILL) and restarted: the same.
 * 4. 20 SIGHUPs (reloads) to the master's parent within a few seconds while the client pings
 *    the VIP every 50 ms: no flap (the VIP never leaves the master, the backup never takes it)
 *    and no ping lost.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { test, type TestContext } from 'node:test';
import { hasTcpdump, labUnavailable } from '../../src/lab/lab.js';
import type { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable() ?? (hasTcpdump() ? undefined : 'no tcpdump');
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function conf(host: string, vrid: number, priority: number, vip: string, extra = ''): string {
  return globalDefs(`faults_${host}`) + instance({ vrid, priority, vips: [vip], extra });
}

/** Drops VRRP (IP protocol 112) coming into `host` from `from`; heal() removes the table. */
async function partition(host: string, from: string): Promise<void> {
  const src = v.lab.host(from).address;
  await v.lab.exec(host, 'nft', 'add', 'table', 'ip', 'kfaults');
  await v.lab.exec(host, 'nft', 'add chain ip kfaults in { type filter hook input priority 0 ; policy accept ; }');
  await v.lab.exec(host, 'nft', 'add', 'rule', 'ip', 'kfaults', 'in', 'ip', 'saddr', src, 'ip', 'protocol', '112', 'drop');
}

async function heal(host: string): Promise<void> {
  await v.lab.exec(host, 'nft', 'delete', 'table', 'ip', 'kfaults');
}

/** A daemon's state as its last "Entering X STATE" line says. */
function stateOf(d: Daemon, name = 'VI_1'): string | undefined {
  let state: string | undefined;
  for (const l of d.output) {
    const m = new RegExp(`\\(${name}\\) Entering (\\w+) STATE`).exec(l);
    if (m) state = m[1];
  }
  return state;
}

function masters(ds: readonly Daemon[]): number {
  return ds.filter((d) => stateOf(d) === 'MASTER').length;
}

function readPid(file: string): number {
  const n = Number(fs.readFileSync(file, 'utf8').trim());
  assert.ok(Number.isInteger(n) && n > 0, `a pid in ${file}`);
  return n;
}

/** A long-running process in a host whose output lines are collected; `ready` resolves on a line matching `readyRe`. */
function follow(host: string, cmd: string, args: string[], readyRe?: RegExp): { proc: ChildProcess; lines: string[]; ready: Promise<void> } {
  const proc = v.lab.spawn(host, cmd, args);
  const lines: string[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  if (!readyRe) resolveReady();
  for (const s of [proc.stdout, proc.stderr]) {
    let partial = '';
    s?.on('data', (b: Buffer) => {
      const ls = (partial + b.toString()).split('\n');
      partial = ls.pop()!;
      for (const l of ls) {
        if (s === proc.stdout) lines.push(l);
        if (readyRe?.test(l)) resolveReady();
      }
    });
  }
  return { proc, lines, ready };
}

async function stopped(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  await Promise.race([gone, sleep(5_000)]);
}

async function stopAll(): Promise<void> {
  for (const d of v.daemons) await d.kill('SIGKILL');
  for (const h of ['d1', 'd2']) await heal(h).catch(() => undefined);
}

/**
 * One partition and heal; returns the outage: from the heal to the first echo reply to the
 * client from d1's MAC (the client pings the VIP every 50 ms, tcpdump in the client tells who
 * answers). Before the heal the client is on d2 (the later master, whose GARPs it heard last).
 */
async function partitionAndHeal(t: TestContext, vip: string, addr: string): Promise<number> {
  const mac = { d1: v.lab.host('d1').mac, d2: v.lab.host('d2').mac };
  const dump = follow('client', 'tcpdump', ['-l', '-nn', '-e', '-tt', '-i', 'eth0', 'arp or icmp or ip proto 112'], /listening on/);
  await dump.ready;
  const ping = follow('client', 'ping', ['-n', '-i', '0.05', '-W', '1', addr]);
  const partitionedAt = Date.now() / 1000;
  await partition('d1', 'd2');
  await partition('d2', 'd1');
  // Both masters: d2's Master_Down timer runs out.
  await waitFor(async () => (await v.holds('d1', vip)) && (await v.holds('d2', vip)), 15_000, 'both hold the VIP while partitioned');
  await v.reaches('client', addr, 'd2');
  // The heal right after an advert of d2: d1's advert is the first to cross, so d2 steps down
  // without d1 ever hearing a lower-priority advert (the case that left the client on d2).
  const advertsOfD2 = () => dump.lines.filter((l) => l.split(' ')[1] === mac.d2 && / VRRPv2, Advertisement/.test(l)).length;
  const seen = advertsOfD2();
  await waitFor(() => advertsOfD2() > seen, 5_000, 'an advert of d2');
  // The client is on the loser when the partition heals (else there is nothing to measure).
  const lastReply = dump.lines.filter((l) => / ICMP echo reply/.test(l)).at(-1);
  assert.equal(lastReply?.split(' ')[1], mac.d2, `the client is on d2 before the heal: ${lastReply}`);
  const healedAt = Date.now() / 1000;
  await Promise.all([heal('d1'), heal('d2')]);
  let outage = NaN;
  try {
    await waitFor(() => {
      const first = dump.lines.find((l) => {
        const m = /^(\d+\.\d+) (\S+) > .*ICMP echo reply/.exec(l);
        return m && Number(m[1]) >= healedAt && m[2] === mac.d1;
      });
      if (first) outage = Math.round((Number(first.split(' ')[0]) - healedAt) * 1000);
      return first !== undefined;
    }, 15_000, `an echo reply from d1 (${mac.d1})`);
    await v.waitHolder('d1', ['d1', 'd2'], vip, 10_000);
    await v.reaches('client', addr, 'd1');
  } finally {
    await stopped(ping.proc);
    await sleep(200);
    await stopped(dump.proc);
    const names = new Map([[mac.d1, 'd1'], [mac.d2, 'd2'], [v.lab.host('client').mac, 'client']]);
    const story = dump.lines
      .filter((l) => /^\d+\.\d+ /.test(l) && Number(l.split(' ')[0]) >= partitionedAt && !/ICMP echo request/.test(l))
      .map((l) => {
        const at = ((Number(l.split(' ')[0]) - healedAt) * 1000).toFixed(0).padStart(6);
        const from = names.get(l.split(' ')[1]!) ?? l.split(' ')[1];
        const what = /ICMP echo reply/.test(l) ? 'echo reply' : /(ARP|VRRP).*$/.exec(l)?.[0] ?? l;
        return `${at} ms ${from}: ${what}`;
      });
    // Runs of echo replies from one host shown once.
    const folded = story.filter((l, i) => !(l.endsWith('echo reply') && story[i - 1]?.replace(/^ *-?\d+ ms /, '') === l.replace(/^ *-?\d+ ms /, '')));
    t.diagnostic(`after the heal (ms from the heal, as the client sees it):\n${folded.slice(0, 120).join('\n')}`);
  }
  return outage;
}

test('partition and heal: the client is back on the winner (d1) within 1 s of the heal', { skip, timeout: 120_000 }, async (t) => {
  const n = 150;
  const vip = `${v.lab.spareAddress(n)}/24`;
  const addr = v.lab.spareAddress(n);
  try {
    v.start('d1', conf('d1', 161, 150, vip));
    await v.waitHolder('d1', ['d1'], vip, 10_000);
    // FAULTS_D2_EXTRA: extra lines in d2's instance, e.g. 'higher_prio_send_advert off' (Keepalived's default).
    v.start('d2', conf('d2', 161, 100, vip, process.env.FAULTS_D2_EXTRA ?? ''));
    await sleep(1_000);
    await v.waitHolder('d1', ['d1', 'd2'], vip, 10_000);
    await v.reaches('client', addr, 'd1');
    // d1's second GARP batch (garp_master_delay 5 s) out of the way: it would pull the client
    // back to d1 during the partition.
    await sleep(5_500);
    const outages: number[] = [];
    for (let round = 0; round < 3; round++) {
      const ms = await partitionAndHeal(t, vip, addr);
      t.diagnostic(`round ${round + 1}: heal outage ${ms} ms`);
      outages.push(ms);
      // The delayed lower-priority GARP batch (garp_lower_prio_delay 5 s) out of the way too.
      await sleep(5_500);
    }
    t.diagnostic(`heal outages: ${outages.join(', ')} ms`);
    for (const ms of outages) assert.ok(ms < 1_000, `heal outage ${ms} ms (of ${outages.join(', ')}), the bound is 1 s\n${v.output()}`);
  } finally {
    await stopAll();
  }
});
