/**
 * Tracking, differentially: the same configuration (track-cases.ts: scripts of every weight sign,
 * reverse, rise/fall, timeouts and results before the first, track_file values, interfaces,
 * processes, sync groups) runs in Keepalived 2.2.7 and in keepalived-ts, each in its own
 * namespace on one segment (VRIDs apart), while an observer captures the adverts. Twice - after
 * start-up and after the cases' changes - both data dumps are read (state and effective priority
 * of every instance, each script's command, status and tracking instances) with the priority last
 * seen on the wire. Keepalived's answer is the expected one; it is also kept in
 * test/fixtures/track-diff/keepalived-2.2.7.json, so the comparison holds where keepalived is not
 * installed and drift in the reference shows. KTS_GOLDEN=write rewrites that file from the run.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';
import { readDataDump, type DataDump } from './dump-read.js';
import { CASES, type TrackCase, type World } from './track-cases.js';
import { repo } from './vrrp-lab.js';

const KEEPALIVED = '/usr/sbin/keepalived';
const GOLDEN = path.join(repo, 'test/fixtures/track-diff/keepalived-2.2.7.json');
const skip = labUnavailable();
const haveKeepalived = fs.existsSync(KEEPALIVED);

/**
 * Snapshot times (ms): the first after both daemons have said "Startup complete" (each in its
 * own time: a loaded machine starts Node slower than C), when every instance has had its
 * Master_Down_Interval (3.6 s at priority 100) and its scripts their first runs; the second
 * after the cases' changes.
 */
const FIRST_MS = 6_000;
const SECOND_MS = 9_000;

interface Side {
  readonly host: 'kad' | 'kts';
  /** VRIDs of this side: case i gets base + i, its sync-group twin base + 40 + i. */
  readonly vridBase: number;
  readonly vipBase: number;
}
const SIDES: readonly Side[] = [
  { host: 'kad', vridBase: 1, vipBase: 10 },
  { host: 'kts', vridBase: 101, vipBase: 110 },
];

/** One observation of one instance: "STATE effective wire", wire '-' when it sent nothing lately. */
type Table = Record<string, string>;
interface Result {
  readonly snapshots: Table[];
  readonly scripts: DataDump['scripts'];
}

let lab: Lab | undefined;
let dir: string;
const processes: Array<{ name: string; proc: ChildProcess }> = [];
const daemons: Daemon[] = [];
let capture: ChildProcess | undefined;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-trackdiff-'));
  lab = await Lab.create({ hosts: ['kad', 'kts', 'obs'] });
});

after(async () => {
  for (const d of daemons) await d.kill('SIGTERM');
  capture?.kill('SIGKILL');
  for (const p of processes) p.proc.kill('SIGKILL');
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const world = (): World => ({
  dir,
  async inBoth(cmd, ...args) {
    for (const s of SIDES) await lab!.exec(s.host, cmd, ...args);
  },
  async addLink(name) {
    for (const s of SIDES) {
      await lab!.exec(s.host, 'ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
      await lab!.exec(s.host, 'ip', 'link', 'set', `${name}p`, 'up');
    }
  },
  startProcess(name) {
    const bin = path.join(dir, name);
    if (!fs.existsSync(bin)) fs.copyFileSync('/usr/bin/sleep', bin);
    fs.chmodSync(bin, 0o755);
    processes.push({ name, proc: spawn(bin, ['600'], { stdio: 'ignore' }) });
  },
  stopProcess(name) {
    for (const p of processes) if (p.name === name) p.proc.kill('SIGKILL');
  },
});

function instanceBlock(c: TrackCase, name: string, vrid: number, vip: string, w: World, track: boolean): string {
  return `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority ${c.priority ?? 100}
  advert_int 1
  virtual_ipaddress {
    ${vip}/32
  }
  ${track && c.track ? c.track(w) : ''}
}
`;
}

function configFor(side: Side, w: World): string {
  let text = `global_defs {\n  router_id trackdiff_${side.host}\n  enable_script_security\n  script_user root\n}\n`;
  CASES.forEach((c, i) => {
    text += c.defs?.(w) ?? '';
    text += instanceBlock(c, c.id, side.vridBase + i, lab!.spareAddress(side.vipBase + i), w, true);
    if (c.group) {
      text += instanceBlock(c, `${c.id}b`, side.vridBase + 40 + i, lab!.spareAddress(side.vipBase + 40 + i), w, false);
      text += `vrrp_sync_group ${c.id}_g {\n  group {\n    ${c.id}\n    ${c.id}b\n  }\n  ${c.group(w)}\n}\n`;
    }
  });
  return text;
}

/** Adverts seen by the observer: [time (s), vrid, priority]. */
const adverts: Array<[number, number, number]> = [];

function startCapture(): Promise<void> {
  capture = lab!.spawn('obs', 'tcpdump', ['-tt', '-nn', '-l', '-i', 'eth0', 'proto', '112']);
  let partial = '';
  capture.stdout!.on('data', (b: Buffer) => {
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const m = /^(\d+\.\d+) .*vrid (\d+), prio (\d+)/.exec(l);
      if (m) adverts.push([Number(m[1]), Number(m[2]), Number(m[3])]);
    }
  });
  return new Promise((resolve) => capture!.stderr!.on('data', (b: Buffer) => b.toString().includes('listening on') && resolve()));
}

/** The priority of `vrid`'s last advert in the 1.5 s before `at` (s), or '-'. */
function wirePriority(vrid: number, at: number): string {
  const seen = adverts.filter(([t, v]) => v === vrid && t <= at && t > at - 1.5);
  return seen.length > 0 ? String(seen[seen.length - 1]![2]) : '-';
}

async function dump(d: Daemon, dumpDir: string): Promise<DataDump> {
  const file = path.join(dumpDir, 'keepalived.data');
  fs.rmSync(file, { force: true });
  process.kill(Number(fs.readFileSync(d.pidFile, 'utf8')), 'SIGUSR1');
  let size = -1;
  await waitFor(() => {
    const now = fs.existsSync(file) ? fs.statSync(file).size : -1;
    const stable = now > 0 && now === size;
    size = now;
    return stable;
  }, 5_000, `${file} written`);
  return readDataDump(fs.readFileSync(file, 'utf8'));
}

async function observe(sideDirs: readonly string[]): Promise<Result[]> {
  const w = world();
  const results: Result[] = SIDES.map(() => ({ snapshots: [], scripts: {} }));
  await waitFor(() => daemons.every((d) => !d || d.output.some((l) => l.includes('Startup complete'))), 60_000, 'both daemons report Startup complete');
  for (const [k, snapAt] of [FIRST_MS, SECOND_MS].entries()) {
    await new Promise((r) => setTimeout(r, snapAt));
    const at = Date.now() / 1000;
    for (const [i, s] of SIDES.entries()) {
      const d = await dump(daemons[i]!, sideDirs[i]!);
      const table: Table = {};
      CASES.forEach((c, j) => {
        for (const [name, vrid] of [[c.id, s.vridBase + j], ...(c.group ? [[`${c.id}b`, s.vridBase + 40 + j]] : [])] as Array<[string, number]>) {
          const v = d.instances[name];
          table[name] = `${v?.state ?? 'missing'} ${v?.effective ?? '?'} wire ${wirePriority(vrid, at)}`;
        }
      });
      results[i]!.snapshots.push(table);
      // The scratch directory differs per run: commands name it $DIR.
      const scripts = Object.fromEntries(Object.entries(d.scripts).map(([n, v]) => [n, { ...v, command: v.command.replaceAll(dir, '$DIR') }]));
      if (k === 1) (results[i] as { scripts: DataDump['scripts'] }).scripts = scripts;
    }
    if (k === 0) for (const c of CASES) await c.change?.(w);
  }
  return results;
}

/** `ours`: the cases that declare a difference are held to their own answers. */
function differences(expected: Result, got: Result, ours: boolean): string[] {
  const out: string[] = [];
  expected.snapshots.forEach((table, k) => {
    for (const [name, want] of Object.entries(table)) {
      const have = got.snapshots[k]?.[name];
      const c = CASES.find((x) => name.startsWith(x.id));
      if (ours && c?.differs) {
        if (have !== c.differs.ours[k]) out.push(`snapshot ${k + 1} ${name} (${c.what}): expected "${c.differs.ours[k]}" (${c.differs.why}), keepalived-ts "${have}"`);
      } else if (have !== want) out.push(`snapshot ${k + 1} ${name} (${c?.what}): Keepalived "${want}", ${ours ? 'keepalived-ts' : 'this run of keepalived'} "${have}"`);
    }
  });
  for (const [name, want] of Object.entries(expected.scripts)) {
    const have = got.scripts[name];
    if (JSON.stringify(have) !== JSON.stringify(want)) out.push(`script ${name}: Keepalived ${JSON.stringify(want)}, ${ours ? 'keepalived-ts' : 'this run of keepalived'} ${JSON.stringify(have)}`);
  }
  return out;
}

test('tracking: keepalived-ts ends in the state and priority Keepalived 2.2.7 does, case by case, in the dumps and on the wire', { skip, timeout: 120_000 }, async (t) => {
  const w = world();
  for (const c of CASES) await c.setup?.(w);
  await startCapture();
  const sideDirs = SIDES.map((s) => path.join(dir, s.host));
  for (const [i, s] of SIDES.entries()) {
    const real = s.host === 'kad';
    if (real && !haveKeepalived) {
      daemons.push(undefined as unknown as Daemon);
      continue;
    }
    daemons.push(new Daemon(lab!, s.host, sideDirs[i]!, configFor(s, w), repo, real));
  }
  const live = SIDES.map(() => undefined as Result | undefined);
  const results = await observe(sideDirs).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${daemons.filter(Boolean).map((d) => d.output.join('\n')).join('\n----\n')}`);
  });
  results.forEach((r, i) => (live[i] = r));
  const [theirs, ours] = live as [Result, Result];

  if (process.env.KTS_GOLDEN === 'write') {
    assert.ok(haveKeepalived, 'the golden file is written from a run of the real keepalived');
    fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
    fs.writeFileSync(GOLDEN, JSON.stringify(theirs, null, 2) + '\n');
  }
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Result;
  if (haveKeepalived) {
    const drift = differences(golden, theirs, false);
    assert.deepEqual(drift, [], `Keepalived itself no longer gives the golden answers:\n${drift.join('\n')}`);
  } else t.diagnostic('keepalived is not installed: comparing with its recorded answers only');
  const diff = differences(golden, ours, true);
  assert.deepEqual(diff, [], `keepalived-ts differs from Keepalived 2.2.7:\n${diff.join('\n')}\n--- keepalived-ts output\n${daemons[1]!.output.join('\n')}`);
});
