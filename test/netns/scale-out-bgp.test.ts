/**
 * Scale-out on BGP/ECMP (issue 16), with the real daemons: an upstream router running FRR with
 * ECMP over the L4 hash (fib_multipath_hash_policy=1, maximum-paths, BFD to every director);
 * three directors running keepalived-ts (DR, mh) with --bgp-table, two with BIRD and one with
 * FRR as their speaker; three real servers with the VIP on lo; a client behind the router.
 *
 *   cl --- r0 (FRR, AS 65000) ===(one segment)=== d1 (BIRD), d2 (BIRD), d3 (FRR); rs1..rs3
 *
 * The router's route to the VIP has a path per director; new connections spread over them; a
 * real server failing its check leaves every director announcing and none sending to it; a
 * director whose pool loses quorum withdraws (and comes back); a director lost hard (daemon and
 * speaker SIGKILLed, link down) is dropped by BFD (300 ms x 3) and the long-lived connections
 * that went through it go on through the others, since every director builds the same Maglev
 * table; SIGTERM withdraws before the director stops.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../../src/lab/daemon.js';
import { Lab, labUnavailable, sh } from '../../src/lab/lab.js';
import { BFD_INTERVAL_MS, BFD_MULTIPLIER, directorBird, directorFrr, routerFrr, startBird, startFrr, type Speaker } from './bgp-speakers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const peer = path.join(repo, 'dist/src/lab/http-peer.js');
const skip = labUnavailable() ?? false;

const DIRECTORS = ['d1', 'd2', 'd3'] as const;
const SERVERS = ['rs1', 'rs2', 'rs3'] as const;
type Director = (typeof DIRECTORS)[number];
const ROUTER_AS = 65000;
/** A withdrawal reaches the router's kernel within this (BGP UPDATEs go at once; generous for a loaded machine). */
const WITHDRAW_BOUND_MS = 3000;
/** BFD's detection time is 900 ms; without BFD the 9 s hold time would be the bound. */
const BFD_BOUND_MS = 4000;
/** How long a client request may wait for data: a lost packet costs a retransmission, and the machine is shared. */
const REQUEST_TIMEOUT_MS = 10_000;

let lab: Lab;
let dir: string;
let vip: string;
let clientIp: string;
const addr: Record<string, string> = {};
const daemons = new Map<Director, Daemon>();
const speakers = new Map<string, Speaker>();
const backends = new Map<string, ChildProcess>();

async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function diagnostics(): string {
  const out: string[] = [];
  for (const [d, k] of daemons) out.push(`--- ${d} keepalived-ts:\n${k.output.slice(-12).join('\n')}`);
  for (const s of speakers.values()) out.push(s.logs());
  for (const [h, s] of speakers) {
    try {
      out.push(`--- ${h} BFD:\n${s.show(s.kind === 'frr' ? 'show bfd peers brief' : 'show bfd sessions')}`);
    } catch {
      /* a speaker killed by the test */
    }
  }
  return out.join('\n');
}

/** The router's kernel route to the VIP: its gateways, sorted (none when there is no route). */
async function paths(): Promise<string[]> {
  const routes = JSON.parse(await lab.exec('r0', 'ip', '-j', 'route', 'show', 'exact', `${vip}/32`)) as Array<{ gateway?: string; nexthops?: Array<{ gateway: string }> }>;
  const r = routes[0];
  if (!r) return [];
  return (r.nexthops ? r.nexthops.map((n) => n.gateway) : [r.gateway!]).sort();
}

const via = (...ds: Director[]) => ds.map((d) => addr[d]!).sort();
const same = (a: string[], b: string[]) => a.join() === b.join();

/** The directors the router has a BFD session up with. */
function bfdUp(): string[] {
  const peers = JSON.parse(speakers.get('r0')!.show('show bfd peers json')) as Array<{ peer: string; status: string }>;
  return peers.filter((p) => p.status === 'up').map((p) => p.peer).sort();
}

/** SYNs to the VIP a director has received (the counter table the test put in front of its data plane). */
async function syns(d: Director): Promise<number> {
  const out = await lab.exec(d, 'nft', 'list', 'table', 'netdev', 'ktcount');
  return Number(/counter packets (\d+)/.exec(out)![1]);
}

/** A director's Maglev table as nft holds it: slot : real server MAC. */
const maglev = (d: Director) =>
  lab.exec(d, 'nft', 'list', 'map', 'netdev', 'keepalived_ts_dr', 'fresh_0').then(
    (s) => /elements = \{([^}]*)\}/.exec(s)?.[1]?.replace(/\s+/g, ' ').trim() ?? '',
    () => '(no DR table)', // an empty pool takes the table away
  );

function mac(host: string): string {
  return lab.host(host).mac;
}

function rsConfig(ip: string): string {
  return `  real_server ${ip} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n`;
}

async function backend(name: string): Promise<void> {
  const p = lab.spawn(name, process.execPath, [peer, '--serve', name, '80']);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', () => reject(new Error(`${name} backend exited`)));
  });
  backends.set(name, p);
}

before(async () => {
  if (skip) return;
  lab = await Lab.create({ hosts: ['r0', ...DIRECTORS, ...SERVERS, 'cl'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bgp-'));
  fs.chmodSync(dir, 0o755);
  for (const h of lab.hosts.keys()) addr[h] = lab.host(h).address;
  vip = lab.segmentAddress(2, 10);
  // The client sits behind the router on a link of its own.
  const [r0, cl] = [lab.host('r0'), lab.host('cl')];
  await lab.exec('cl', 'ip', 'link', 'set', 'eth0', 'down');
  await sh('ip', '-n', r0.ns, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth9', 'netns', cl.ns);
  clientIp = lab.segmentAddress(1, 2);
  await lab.exec('r0', 'ip', 'addr', 'add', `${lab.segmentAddress(1, 1)}/24`, 'dev', 'eth9');
  await lab.exec('cl', 'ip', 'addr', 'add', `${clientIp}/24`, 'dev', 'eth9');
  await lab.exec('r0', 'ip', 'link', 'set', 'eth9', 'up');
  await lab.exec('cl', 'ip', 'link', 'set', 'eth9', 'up');
  await lab.exec('cl', 'ip', 'route', 'add', 'default', 'via', lab.segmentAddress(1, 1));
  await lab.exec('r0', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  // ECMP on the 5-tuple: one client's connections spread over the directors.
  await lab.exec('r0', 'sysctl', '-q', '-w', 'net.ipv4.fib_multipath_hash_policy=1');
  for (const rs of SERVERS) {
    // DR real servers: the VIP on lo, never answered for by ARP (arp_ignore, arp_announce), as
    // `keepalived-ts realserver` sets them up; replies go back through the router.
    await lab.exec(rs, process.execPath, path.join(repo, 'bin/keepalived-ts'), 'realserver', 'start', '--vip', vip, '--state', path.join(dir, `${rs}-realserver.json`));
    await lab.exec(rs, 'ip', 'route', 'add', 'default', 'via', addr['r0']!);
    await backend(rs);
  }
  speakers.set('r0', await startFrr(lab, 'r0', path.join(dir, 'r0'), `${lab.id}r0`, routerFrr({ id: addr['r0']!, as: ROUTER_AS, directors: DIRECTORS.map((d) => addr[d]!) })));
  const config = `virtual_server ${vip} 80 {\n  delay_loop 1\n  lb_algo mh\n  lb_kind DR\n  protocol TCP\n${SERVERS.map((rs) => rsConfig(addr[rs]!)).join('')}}\n`;
  for (const [i, d] of DIRECTORS.entries()) {
    const table = 101 + i;
    const o = { id: addr[d]!, as: 65001 + i, router: addr['r0']!, routerAs: ROUTER_AS, table };
    speakers.set(d, d === 'd3' ? await startFrr(lab, d, path.join(dir, `${d}-frr`), `${lab.id}${d}`, directorFrr(o)) : await startBird(lab, d, path.join(dir, `${d}-bird`), directorBird(o)));
    // What a crashed earlier run would have left: the daemon must sweep it at start.
    await lab.exec(d, 'ip', 'route', 'add', 'blackhole', lab.segmentAddress(2, 99), 'table', String(table), 'proto', 'keepalived');
    // SYNs to the VIP this director receives, counted before its data plane forwards them.
    fs.writeFileSync(path.join(dir, `${d}-count.nft`), `table netdev ktcount {\n chain c {\n  type filter hook ingress device "eth0" priority -500; policy accept;\n  meta pkttype host ip daddr ${vip} tcp dport 80 tcp flags & (syn | ack) == syn counter\n }\n}\n`);
    await lab.exec(d, 'nft', '-f', path.join(dir, `${d}-count.nft`));
    // The same keepalived.conf on every director; the table by flag on one, by environment on the others.
    const flag = d === 'd1' ? ['--bgp-table', String(table)] : [];
    const env = d === 'd1' ? {} : { KEEPALIVED_TS_BGP_TABLE: String(table) };
    daemons.set(d, new Daemon(lab, d, path.join(dir, `${d}-kts`), config, repo, false, env, flag));
  }
  await waitFor('a path per director on the router', async () => same(await paths(), via(...DIRECTORS)), 40_000);
  await waitFor('BFD up with every director', () => bfdUp().length === DIRECTORS.length, 20_000);
});

after(async () => {
  if (skip) return;
  for (const k of daemons.values()) await k.kill('SIGTERM').catch(() => undefined);
  for (const s of speakers.values()) await s.stop().catch(() => undefined);
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the router has a path per director with BFD up, every director the same Maglev table, no stale route', { skip, timeout: 30_000 }, async () => {
  assert.deepEqual(await paths(), via(...DIRECTORS));
  const bfd = JSON.parse(speakers.get('r0')!.show('show bfd peers json')) as Array<{ peer: string; status: string; 'detect-multiplier': number; 'receive-interval': number }>;
  assert.deepEqual(bfd.filter((p) => p.status === 'up').map((p) => p.peer).sort(), via(...DIRECTORS), JSON.stringify(bfd));
  for (const p of bfd) assert.equal(p['detect-multiplier'] * p['receive-interval'], BFD_MULTIPLIER * BFD_INTERVAL_MS);
  const tables = await Promise.all(DIRECTORS.map(maglev));
  assert.ok(tables[0]!.length > 0);
  for (const rs of SERVERS) assert.ok(tables[0]!.includes(await mac(rs)), `${rs} in the table`);
  assert.equal(tables[1], tables[0], 'd2 has d1\'s table');
  assert.equal(tables[2], tables[0], 'd3 has d1\'s table');
  for (const [i, d] of DIRECTORS.entries()) {
    const left = await lab.exec(d, 'ip', 'route', 'show', 'table', String(101 + i), 'proto', 'keepalived');
    assert.equal(left.trim(), `blackhole ${vip}`, `${d}: only the VIP, the stale route swept`);
  }
});

test('new connections spread over the three directors', { skip, timeout: 30_000 }, async () => {
  const before = await Promise.all(DIRECTORS.map(syns));
  const n = 300;
  const r = JSON.parse(await lab.exec('cl', process.execPath, peer, '--requests', `http://${vip}/`, String(n), '--timeout', String(REQUEST_TIMEOUT_MS))) as { by: Record<string, number>; errors: number };
  const got = (await Promise.all(DIRECTORS.map(syns))).map((x, i) => x - before[i]!);
  const total = got.reduce((a, b) => a + b, 0);
  const shares = got.map((x) => x / total);
  console.log(`# new connections per director: ${got.join(' / ')} (${shares.map((s) => `${Math.round(s * 100)}%`).join(' / ')}); per real server: ${JSON.stringify(r.by)}`);
  assert.equal(r.errors, 0);
  assert.ok(total >= n, `${total} SYNs counted for ${n} connections`);
  // 1/3 each expected; 300 connections give a standard deviation of 2.7 points: 20-47% is ~5 of them.
  for (const [i, s] of shares.entries()) assert.ok(s > 0.2 && s < 0.47, `${DIRECTORS[i]} carried ${Math.round(s * 100)}%`);
  for (const rs of SERVERS) assert.ok((r.by[rs] ?? 0) > 0, `${rs} answered`);
});

test('a real server failing its check: every director keeps announcing and stops sending to it', { skip, timeout: 60_000 }, async () => {
  const gone = await mac('rs2');
  backends.get('rs2')!.kill('SIGKILL');
  let fewest: number = DIRECTORS.length;
  const watch = setInterval(() => void paths().then((p) => (fewest = Math.min(fewest, p.length))).catch(() => undefined), 100);
  try {
    await waitFor('rs2 out of every director\'s table', async () => (await Promise.all(DIRECTORS.map(maglev))).every((t) => !t.includes(gone)), 20_000);
    const tables = await Promise.all(DIRECTORS.map(maglev));
    assert.ok(tables.every((t) => t === tables[0]), 'the directors agree once they have all seen it');
    const r = JSON.parse(await lab.exec('cl', process.execPath, peer, '--requests', `http://${vip}/`, '90', '--timeout', String(REQUEST_TIMEOUT_MS))) as { by: Record<string, number>; errors: number };
    assert.equal(r.errors, 0);
    assert.equal(r.by['rs2'] ?? 0, 0);
    assert.deepEqual(await paths(), via(...DIRECTORS), 'quorum holds: nobody withdrew');
  } finally {
    clearInterval(watch);
    // Back whatever happened: the tests after this one need the whole pool on every director.
    await backend('rs2');
    await waitFor('rs2 back in every director\'s table', async () => (await Promise.all(DIRECTORS.map(maglev))).every((t) => t.includes(gone)), 20_000);
  }
  assert.equal(fewest, DIRECTORS.length, 'no path went away meanwhile');
});

test('a director whose pool loses quorum withdraws within the bound, and announces again when it is back', { skip, timeout: 60_000 }, async () => {
  // d1's checks can no longer reach any real server (its forwarding, at ingress, is untouched).
  const block = path.join(dir, 'block.nft');
  fs.writeFileSync(block, 'table inet ktblock {\n chain o {\n  type filter hook output priority 0; policy accept;\n  tcp dport 80 drop\n }\n}\n');
  await lab.exec('d1', 'nft', '-f', block);
  const d1 = daemons.get('d1')!;
  await waitFor('d1 withdrawing', () => d1.output.some((l) => l.includes(`withdrawing ${vip}/32`)), 20_000);
  const t0 = Date.now();
  await waitFor('the router without d1', async () => same(await paths(), via('d2', 'd3')), WITHDRAW_BOUND_MS);
  console.log(`# quorum lost on d1: the router dropped its path ${Date.now() - t0} ms after the withdrawal`);
  assert.ok(d1.output.some((l) => /Lost quorum/.test(l)));
  await lab.exec('d1', 'nft', 'delete', 'table', 'inet', 'ktblock');
  await waitFor('d1 back on the router', async () => same(await paths(), via(...DIRECTORS)), 20_000);
  // Quorum comes back with the first server; the rest follow within a check cycle. Until then d1's
  // table differs from the others' (the README's "when health checks disagree").
  await waitFor('d1\'s table as the others\'', async () => (await maglev('d1')) === (await maglev('d2')), 20_000);
});

test('a director lost hard: BFD drops its path, and the connections through it go on through the others', { skip, timeout: 60_000 }, async () => {
  await waitFor('every director on the router with BFD up', async () => same(await paths(), via(...DIRECTORS)) && bfdUp().length === DIRECTORS.length, 20_000);
  // 24 keep-alive sessions, a request every 100 ms for 5 s; each must keep its connection and server.
  const sessions = lab.spawn('cl', process.execPath, [peer, '--sessions', `http://${vip}/`, '24', '50', '100', '--timeout', String(REQUEST_TIMEOUT_MS)]);
  let out = '';
  sessions.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<void>((r) => sessions.once('exit', () => r()));
  await new Promise((r) => setTimeout(r, 1500));
  // Which director each session goes through, as the router hashes its 5-tuple.
  // `ss -H state established`: Recv-Q Send-Q LOCAL:PORT PEER:PORT.
  const ports = (await lab.exec('cl', 'ss', '-Htn', 'state', 'established', 'dst', vip)).split('\n').filter(Boolean).map((l) => Number(l.trim().split(/\s+/)[2]!.split(':').pop()));
  const through = await Promise.all(ports.map(async (p) => {
    const [r] = JSON.parse(await lab.exec('r0', 'ip', '-j', 'route', 'get', vip, 'from', clientIp, 'iif', 'eth9', 'ipproto', 'tcp', 'sport', String(p), 'dport', '80')) as Array<{ gateway?: string }>;
    return r?.gateway;
  }));
  const viaD3 = through.filter((g) => g === addr['d3']).length;
  assert.equal(ports.length, 24, 'every session is open');
  assert.ok(viaD3 > 0, `sessions through d3: ${viaD3} (by director: ${through.join(' ')})`);

  // The link first: a speaker killed while its link is up closes its TCP session with a FIN, which
  // the router hears at once; a host that vanishes sends nothing, and only BFD (or the hold
  // time) tells.
  const bfdDown = () => speakers.get('r0')!.fullLog().split('\n').filter((l) => l.includes(`neighbor ${addr['d3']}`) && /BFD Down/.test(l)).length;
  const downsBefore = bfdDown();
  await lab.cable('d3', false);
  const t0 = Date.now();
  speakers.get('d3')!.kill();
  await daemons.get('d3')!.kill('SIGKILL');
  await waitFor('the router without d3', async () => same(await paths(), via('d1', 'd2')), BFD_BOUND_MS);
  const lostMs = Date.now() - t0;
  console.log(`# d3 lost hard: its path gone from the router ${lostMs} ms after its link went down (BFD ${BFD_INTERVAL_MS} ms x ${BFD_MULTIPLIER}); ${viaD3} of 24 sessions went through it`);
  assert.ok(bfdDown() > downsBefore, 'BFD took the session down (not the hold time, not a FIN)');
  await done;
  const r = JSON.parse(out) as { by: Record<string, number>; errors: number; switched: number };
  assert.equal(r.errors, 0, `sessions broken: ${out}`);
  assert.equal(r.switched, 0, `sessions that changed server: ${out}`);
});

test('SIGTERM withdraws the address before the director stops, and leaves no route behind', { skip, timeout: 30_000 }, async () => {
  const d2 = daemons.get('d2')!;
  const t0 = Date.now();
  await d2.kill('SIGTERM');
  await waitFor('the router without d2', async () => same(await paths(), via('d1')), WITHDRAW_BOUND_MS);
  console.log(`# d2 stopped: its path gone from the router ${Date.now() - t0} ms after SIGTERM`);
  assert.ok(d2.output.some((l) => l.includes(`withdrawing ${vip}/32`)), d2.output.slice(-10).join('\n'));
  assert.equal((await lab.exec('d2', 'ip', 'route', 'show', 'table', '102', 'proto', 'keepalived')).trim(), '');
});
