/**
 * `keepalived-ts lab`, run as a user runs it (bin/keepalived-ts in child processes), with a name
 * prefix and state directory of its own (KEEPALIVED_TS_LAB_PREFIX, KEEPALIVED_TS_LAB_DIR) so it
 * never meets a user's lab: `up` builds seed 004's lab and lb1 holds the VIP, traffic is answered
 * by both web servers, `up` again changes nothing, `fail lb1` moves the VIP to lb2 while traffic
 * goes on, `heal lb1` brings it back, `stop web1` takes web1 out of the pool within HTTP_GET's
 * bound, and `down` leaves no namespace and no process; `down` also cleans up after a crash that
 * left namespaces but no state file. after() always runs `lab down`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import type { LabState } from '../../src/lab/lab-state.js';
import { CHECK_BOUND_S, VIP } from '../../src/lab/lab-topology.js';
import { repo } from '../paths.js';

const run = promisify(execFile);
const bin = path.join(repo, 'bin/keepalived-ts');
const skip = labUnavailable();
const prefix = `ktst${process.pid}-`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-labcmd-'));
const env = { ...process.env, KEEPALIVED_TS_LAB_PREFIX: prefix, KEEPALIVED_TS_LAB_DIR: path.join(dir, 'state') };

async function lab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'lab', ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await lab(...args);
  assert.equal(r.code, 0, `lab ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const state = () => JSON.parse(fs.readFileSync(path.join(dir, 'state', 'lab.json'), 'utf8')) as LabState;

async function holds(host: string): Promise<boolean> {
  const out = await run('ip', ['-n', `${prefix}${host}`, '-j', 'addr', 'show', 'dev', 'eth0']);
  return (JSON.parse(out.stdout) as Array<{ addr_info: Array<{ local: string }> }>).some((l) => l.addr_info.some((a) => a.local === VIP));
}

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Summary { summary: true; requests: number; by: Record<string, number>; errors: number; outageMs: number; outageEnded: boolean }

function summaryOf(out: string): Summary {
  const line = out.split('\n').find((l) => l.includes('"summary"'));
  assert.ok(line, `no summary in:\n${out}`);
  return JSON.parse(line) as Summary;
}

async function ourNamespaces(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

after(async () => {
  if (!skip) await lab('down');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lab up, traffic, fail/heal lb1, stop web1, down: seed 004 by hand', { skip, timeout: 240_000 }, async () => {
  const up = await ok('up');
  assert.match(up, new RegExp(`VIP +${VIP.replaceAll('.', '\\.')} port 80`));
  assert.match(up, /config .*\/lb1\/keepalived\.conf/);
  assert.match(up, new RegExp(`ip netns exec ${prefix}client curl -s http://10\\.254\\.4\\.8:8080/`));
  const s = state();
  assert.deepEqual(Object.keys(s.daemons).sort(), ['lb1', 'lb2']);
  assert.equal(fs.statSync(path.join(dir, 'state', 'lab.json')).mode & 0o777, 0o600);
  assert.ok(await holds('lb1'), 'lb1 holds the VIP');
  assert.ok(!(await holds('lb2')), 'lb2 does not');

  // Idempotent: the same lab, the same processes.
  assert.match(await ok('up'), /up already; nothing to do/);
  assert.deepEqual(state(), s);

  // Both web servers answer through the VIP; lb1's status page answers the client.
  const t1 = summaryOf(await ok('traffic', '--seconds', '3', '--json'));
  assert.equal(t1.errors, 0, JSON.stringify(t1));
  assert.ok((t1.by['web1'] ?? 0) > 0 && (t1.by['web2'] ?? 0) > 0, JSON.stringify(t1));
  const page = await run('ip', ['netns', 'exec', `${prefix}client`, 'curl', '-sf', `http://${s.daemons['lb1']!.http}/api/status`]);
  assert.equal((JSON.parse(page.stdout) as { vrrp: { instances: Array<{ state: string }> } }).vrrp.instances[0]!.state, 'MASTER');
  assert.match(await ok('status'), new RegExp(`VIP ${VIP.replaceAll('.', '\\.')} held by lb1\\n`));

  // lb1's cable pulled while traffic runs: lb2 takes the VIP, traffic comes back.
  const traffic = lab('traffic', '--seconds', '10', '--json');
  await new Promise((r) => setTimeout(r, 1500));
  await ok('fail', 'lb1');
  await waitFor(() => holds('lb2'), 10_000, 'lb2 to take the VIP');
  const t2 = await traffic;
  assert.equal(t2.code, 0, t2.stderr);
  const s2 = summaryOf(t2.stdout);
  assert.ok(s2.outageEnded, `traffic came back: ${JSON.stringify(s2)}`);
  assert.ok(s2.outageMs < 6000, `an outage of Master_Down's order: ${JSON.stringify(s2)}`);
  assert.ok(Object.values(s2.by).reduce((a, b) => a + b, 0) > s2.requests / 2, JSON.stringify(s2));
  assert.match(await ok('status'), /lb1 +\S+ +\S+ +LINK DOWN[^\n]*\n[^]*held by lb2\n/);

  // lb1 preempts: the client may keep lb2's MAC until a gratuitous ARP gets past its neighbour
  // locktime (lb1 repeats them garp_master_delay 5 s later), so a short outage is the protocol's;
  // it must end within that delay and never come back.
  await ok('heal', 'lb1');
  await waitFor(async () => (await holds('lb1')) && !(await holds('lb2')), 15_000, 'lb1 to take the VIP back');
  const healed = summaryOf(await ok('traffic', '--seconds', '8', '--json'));
  assert.ok(healed.outageEnded && healed.outageMs < 6000, `after heal: ${JSON.stringify(healed)}`);
  assert.equal(summaryOf(await ok('traffic', '--seconds', '2', '--json')).errors, 0, 'after the heal settled');

  // web1 stops: out of the pool within HTTP_GET's bound, and traffic goes to web2 alone.
  await ok('stop', 'web1');
  const web1Up = async () => {
    const { stdout } = await run(process.execPath, [bin, 'status', '--json', '-p', s.daemons['lb1']!.pidFile]);
    const st = JSON.parse(stdout) as { lvs: { virtualServers: Array<{ realServers: Array<{ address: string; alive: boolean }> }> } };
    return st.lvs.virtualServers[0]!.realServers.find((r) => r.address === '10.254.4.10')!.alive;
  };
  const took = await waitFor(async () => !(await web1Up()), (CHECK_BOUND_S + 3) * 1000, 'web1 out of lb1\'s pool');
  assert.ok(took <= (CHECK_BOUND_S + 1) * 1000, `took ${took} ms`);
  const t3 = summaryOf(await ok('traffic', '--seconds', '2', '--json'));
  assert.deepEqual(Object.keys(t3.by), ['web2'], JSON.stringify(t3));
  assert.equal(t3.errors, 0);
  await ok('start', 'web1');
  assert.match(await ok('start', 'web1'), /already running/);

  // down: no namespace, no process, no state; twice is harmless.
  const pids = [...Object.values(state().daemons).map((d) => d.pid), ...Object.values(state().webs).map((w) => w.pid!)];
  assert.match(await ok('down'), /removed 6 namespace/);
  assert.deepEqual(await ourNamespaces(), []);
  assert.deepEqual(pids.filter(alive), []);
  assert.equal(fs.existsSync(path.join(dir, 'state', 'lab.json')), false);
  assert.match(await ok('down'), /nothing to remove/);
});

test('lab down after a crash: namespaces with the prefix and a process in one, no state file', { skip, timeout: 60_000 }, async () => {
  await lab('down'); // whatever the test before left if it failed half-way
  await run('ip', ['netns', 'add', `${prefix}sw`]);
  await run('ip', ['netns', 'add', `${prefix}lb1`]);
  const orphan = spawn('ip', ['netns', 'exec', `${prefix}lb1`, 'sleep', '300'], { detached: true, stdio: 'ignore' });
  orphan.unref();
  await waitFor(async () => (await run('ip', ['netns', 'pids', `${prefix}lb1`])).stdout.trim() !== '', 5000, 'the orphan');
  // `up` refuses to build over them.
  const r = await lab('up');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exist but no lab state does/);
  assert.match(await ok('down'), /removed 2 namespace/);
  assert.deepEqual(await ourNamespaces(), []);
  assert.ok(!alive(orphan.pid!), 'the orphan is gone');
});
