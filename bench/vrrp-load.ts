/**
 * bench/vrrp-load: keepalived-ts beside Keepalived 2.2.7 in the same run, on the same generated
 * configuration, measured the same way from outside (load-measure.ts), for issue 13's goals:
 *
 * 1. 100 MASTER instances, VRRPv3 at 100 ms: CPU of the whole process tree, memory (sum of RSS,
 *    and of PSS, which counts pages the processes share once), adverts the peer received, and
 *    the worst advert lateness the peer saw.
 * 2. One instance at 10 ms with both cores saturated by busy loops (SCHED_OTHER, nice 0): the
 *    worst lateness, gaps over 12 ms, and adverts received in 6 s.
 * 3. `-t` on a generated 50,000-line file (bench/config-gen.ts): wall time and peak RSS of the
 *    whole process (GNU time), best of 7 runs of each, Keepalived and keepalived-ts in turn.
 * 4. `-v`: wall time, beside bare `node -e 0`.
 *
 * At 100 instances the two daemons run at the same time, each in its own lab (namespaces, bridge
 * and capturing peer), measured over the same seconds; saturated, one after the other (two daemons
 * woken every 10 ms on two busy cores would delay each other). Each has its own pid files.
 * Run by hand as root: `npm run build && npm run bench:vrrp-load [-- --seconds 20 --runs 1]`
 * (`--rt-priority N` adds `vrrp_rt_priority N` for both). Everything runs as the systemd unit
 * runs it: in a session of its own (`--same-session`: not), without variables that slow node
 * alone (args.ts, `--keep-env`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../src/lab/daemon.js';
import { Lab, labUnavailable } from '../src/lab/lab.js';
import { generate } from './config-gen.js';
import { AdvertCapture, cpuSeconds, gapStats, memory, processTree, wallNs, type GapStats, type Memory } from './load-measure.js';
import { numberArg, serviceEnvironment } from './args.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEEPALIVED = '/usr/sbin/keepalived';
const BIN = path.join(repo, 'bin/keepalived-ts');

const SECONDS = numberArg('seconds', 20);
const RUNS = numberArg('runs', 1);
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
/** --ours: keepalived-ts alone (while working on it); the ratios then need a full run. */
const OURS = process.argv.includes('--ours');
/**
 * --rt-priority N: `vrrp_rt_priority N` in global_defs, for both daemons: what an operator who
 * needs adverts on time on a busy host configures (SCHED_RR; Keepalived's keyword).
 */
const RT_PRIORITY = numberArg('rt-priority', 0);
/**
 * Each daemon in a session of its own (setsid), as systemd starts a service, so that the
 * scheduler's autogroups keep it apart from the bench's busy loops; --same-session: in the
 * bench's session, beside them (before the twelfth session).
 */
const OWN_SESSION = !process.argv.includes('--same-session');

function config(lab: Lab, instances: number, intervalS: number): string {
  const out = ['global_defs {', '  router_id vrrp_load', '  vrrp_version 3', ...(RT_PRIORITY ? [`  vrrp_rt_priority ${RT_PRIORITY}`] : []), '}', ''];
  for (let i = 1; i <= instances; i++) {
    out.push(`vrrp_instance VI_${i} {`, '  state MASTER', '  interface eth0', `  virtual_router_id ${i}`, '  priority 200',
      `  advert_int ${intervalS}`, '  virtual_ipaddress {', `    ${lab.segmentAddress(1, i)}/32`, '  }', '}', '');
  }
  return out.join('\n');
}

interface LoadFigures { cpuPct: number; mem: Memory; gaps: GapStats }
const NONE: LoadFigures = { cpuPct: 0, mem: { rssMb: 0, pssMb: 0, each: [] }, gaps: { adverts: 0, worstLateMs: 0, gapsOver: 0, gaps: 0, p99LateMs: 0 } };

/** One daemon in its own lab, with the capture of its adverts on the peer. */
interface Running { readonly real: boolean; readonly d: Daemon; readonly capture: AdvertCapture }

async function start(lab: Lab, dir: string, real: boolean, instances: number, intervalS: number): Promise<Running> {
  fs.rmSync(dir, { recursive: true, force: true });
  const capture = await AdvertCapture.start(lab, 'peer');
  return { real, d: new Daemon(lab, 'node', dir, config(lab, instances, intervalS), repo, real, {}, [], OWN_SESSION), capture };
}

/**
 * Starts a daemon in each lab (Keepalived's and ours alike, at the same time when there are two),
 * waits until every instance of each advertises, then measures all of them over the same
 * `seconds`: a slower or faster spell of this virtual machine then falls on each alike.
 */
async function measure(labs: readonly { lab: Lab; dir: string; real: boolean }[], instances: number, intervalS: number, seconds: number, saturate: boolean): Promise<LoadFigures[]> {
  const running: Running[] = [];
  const busy: ChildProcess[] = [];
  try {
    for (const l of labs) running.push(await start(l.lab, l.dir, l.real, instances, intervalS));
    const t0 = Date.now();
    for (const r of running) {
      while (r.capture.times.size < instances) {
        if (Date.now() - t0 > 30_000) throw new Error(`${r.real ? 'keepalived' : 'keepalived-ts'}: ${r.capture.times.size} of ${instances} instances advertise after 30 s\n${r.d.output.slice(-20).join('\n')}`);
        await sleep(200);
      }
    }
    await sleep(3000); // every instance MASTER and settled; start-up work done
    if (saturate) {
      for (let i = 0; i < os.cpus().length; i++) busy.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      await sleep(1000);
    }
    const trees = running.map((r) => processTree(r.d.proc.pid!));
    const cpu0 = trees.map(cpuSeconds);
    const from = wallNs();
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const to = wallNs();
    const cpu1 = trees.map(cpuSeconds);
    const wallS = (performance.now() - w0) / 1000;
    const mems = running.map((r) => memory(processTree(r.d.proc.pid!)));
    await sleep(300); // the captures' last lines
    return running.map((r, i) => ({ cpuPct: ((cpu1[i]! - cpu0[i]!) / wallS) * 100, mem: mems[i]!, gaps: gapStats(r.capture.between(from, to), intervalS * 1000, 12) }));
  } finally {
    for (const b of busy) b.kill('SIGKILL');
    for (const r of running) {
      await r.d.kill('SIGTERM');
      await r.capture.stop();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Wall time (hrtime around the spawn: GNU time's %e counts hundredths) and peak RSS (GNU time's
 * %M) of one command; GNU time's own start-up is in both sides of every ratio.
 */
function timed(cmd: string, args: string[]): { s: number; maxMb: number; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'KTS_TIME %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /KTS_TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`time ${cmd}: ${r.stderr.slice(-500)}`);
  return { s, maxMb: Number(m[2]) / 1024, status: r.status };
}

function best<T>(n: number, f: () => T, key: (t: T) => number): T {
  let b: T | undefined;
  for (let i = 0; i < n; i++) {
    const t = f();
    if (b === undefined || key(t) < key(b)) b = t;
  }
  return b!;
}

/** The best of `n` runs of each of `a` and `b`, run one after the other in turn. */
function bestInTurn<T>(n: number, a: () => T, b: () => T, key: (t: T) => number): [T, T] {
  let ba: T | undefined;
  let bb: T | undefined;
  for (let i = 0; i < n; i++) {
    const ta = a();
    if (ba === undefined || key(ta) < key(ba)) ba = ta;
    const tb = b();
    if (bb === undefined || key(tb) < key(bb)) bb = tb;
  }
  return [ba!, bb!];
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');

function row(...cells: string[]): void {
  console.log(`| ${cells.join(' | ')} |`);
}

function eachMem(m: Memory): string {
  return m.each.map((e) => `${e.name} ${f1(e.rssMb)}/${f1(e.pssMb)}`).join(', ');
}

async function loadScenarios(): Promise<void> {
  // Two labs: at 100 instances the two daemons run at the same time, one in each.
  const labs = [await Lab.create({ hosts: ['node', 'peer'], segments: 2 }), await Lab.create({ hosts: ['node', 'peer'], segments: 2 })];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-vrrp-load-'));
  const k = { lab: labs[0]!, dir: path.join(dir, 'k'), real: true };
  const o = { lab: labs[1]!, dir: path.join(dir, 'o'), real: false };
  try {
    if (!ONLY || ONLY === '100') {
      for (let r = 0; r < RUNS; r++) {
        const [kf, of] = OURS ? [NONE, ...(await measure([o], 100, 0.1, SECONDS, false))] : await measure([k, o], 100, 0.1, SECONDS, false);
        console.log(`\n100 MASTER instances, v3 advert_int 0.1, ${SECONDS} s, ${OURS ? 'keepalived-ts alone' : 'the two at the same time, each in its own namespaces'} (run ${r + 1}/${RUNS})\n`);
        row('figure', 'Keepalived', 'keepalived-ts', 'ratio');
        row('---', '---', '---', '---');
        row('CPU, % of one core', f2(kf!.cpuPct), f2(of!.cpuPct), ratio(of!.cpuPct, kf!.cpuPct));
        row('memory, sum of RSS, MB', f1(kf!.mem.rssMb), f1(of!.mem.rssMb), ratio(of!.mem.rssMb, kf!.mem.rssMb));
        row('memory, sum of PSS, MB', f1(kf!.mem.pssMb), f1(of!.mem.pssMb), ratio(of!.mem.pssMb, kf!.mem.pssMb));
        row('adverts received', String(kf!.gaps.adverts), String(of!.gaps.adverts), ratio(of!.gaps.adverts, kf!.gaps.adverts));
        row('worst lateness, ms', f2(kf!.gaps.worstLateMs), f2(of!.gaps.worstLateMs), '-');
        row('99th percentile lateness, ms', f2(kf!.gaps.p99LateMs), f2(of!.gaps.p99LateMs), '-');
        console.log(`\nprocesses (RSS/PSS MB): Keepalived: ${eachMem(kf!.mem)}; keepalived-ts: ${eachMem(of!.mem)}`);
      }
    }
    if (!ONLY || ONLY === 'sat') {
      for (let r = 0; r < RUNS; r++) {
        // One after the other: two daemons woken every 10 ms on two saturated cores would delay each other.
        const [kf] = OURS ? [NONE] : await measure([k], 1, 0.01, 6, true);
        const [of] = await measure([o], 1, 0.01, 6, true);
        console.log(`\n1 instance, v3 advert_int 0.01, ${os.cpus().length} busy loops (both cores saturated), 6 s, one after the other${RT_PRIORITY ? `, vrrp_rt_priority ${RT_PRIORITY}` : ''} (run ${r + 1}/${RUNS})\n`);
        row('figure', 'Keepalived', 'keepalived-ts', 'difference');
        row('---', '---', '---', '---');
        row('worst lateness, ms', f2(kf!.gaps.worstLateMs), f2(of!.gaps.worstLateMs), `${f2(of!.gaps.worstLateMs - kf!.gaps.worstLateMs)} ms`);
        row('99th percentile lateness, ms', f2(kf!.gaps.p99LateMs), f2(of!.gaps.p99LateMs), `${f2(of!.gaps.p99LateMs - kf!.gaps.p99LateMs)} ms`);
        row('gaps over 12 ms', `${kf!.gaps.gapsOver} of ${kf!.gaps.gaps}`, `${of!.gaps.gapsOver} of ${of!.gaps.gaps}`, '-');
        row('adverts received (600 ideal)', String(kf!.gaps.adverts), String(of!.gaps.adverts), `${f2(((of!.gaps.adverts - kf!.gaps.adverts) / kf!.gaps.adverts) * 100)} %`);
      }
    }
  } finally {
    for (const lab of labs) await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * bin reads `-t` and `-v` from bundles (tools/bundle-cli.ts) only when they are not older than
 * the modules they were built from; a `tsc` alone after `npm run build` leaves them older, and bin
 * then quietly takes the ES module path (a 50,008-line `-t` 0.307 s and 58.4 MB instead of ~0.22 s
 * and 51 MB). Measuring that would be measuring something users never run.
 */
function requireFreshBundles(): void {
  const at = (name: string) => fs.statSync(path.join(repo, 'dist/src/cli', name), { throwIfNoEntry: false })?.mtimeMs;
  for (const [bundle, entry] of [['front-bundle.cjs', 'front-bundle.js'], ['help-bundle.cjs', 'help.js']]) {
    const built = at(bundle!);
    const source = at(entry!);
    if (built === undefined || source === undefined || built < source) throw new Error(`dist/src/cli/${bundle} is missing or older than ${entry}: run npm run build first`);
  }
}

function commandScenarios(): void {
  requireFreshBundles();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-vrrp-load-t-'));
  try {
    const iface = Object.entries(os.networkInterfaces()).find(([, a]) => a?.some((x) => !x.internal))?.[0] ?? 'lo';
    const file = path.join(dir, 'keepalived.conf');
    fs.writeFileSync(file, generate(50_000, iface));
    const lines = fs.readFileSync(file, 'utf8').split('\n').length;
    // BIN itself, through its #! line, as users run it; the two in turn, so that a slower or faster
    // spell of this virtual machine (seconds long) falls on both.
    const [k, o] = bestInTurn(7, () => timed(KEEPALIVED, ['-t', '-f', file]), () => timed(BIN, ['-t', '-f', file]), (t) => t.s);
    console.log(`\n-t on a generated ${lines}-line file (best of 7, in turn; exit ${k.status} / ${o.status})\n`);
    row('figure', 'Keepalived', 'keepalived-ts', 'ratio');
    row('---', '---', '---', '---');
    row('time, s', f3(k.s), f3(o.s), ratio(o.s, k.s));
    row('peak RSS, MB', f1(k.maxMb), f1(o.maxMb), ratio(o.maxMb, k.maxMb));
    const kv = best(10, () => timed(KEEPALIVED, ['-v']), (t) => t.s);
    // In turn, as -t: the ratio is of two ~30 ms figures, and this machine's speed moves.
    const [ov, bare] = bestInTurn(10, () => timed(BIN, ['-v']), () => timed(process.execPath, ['-e', '0']), (t) => t.s);
    console.log(`\n-v (best of 10; keepalived-ts and bare node in turn)\n`);
    row('figure', 'Keepalived', 'keepalived-ts', 'bare node -e 0', 'ratio to bare node');
    row('---', '---', '---', '---', '---');
    row('time, s', f3(kv.s), f3(ov.s), f3(bare.s), ratio(ov.s, bare.s));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why || !fs.existsSync(KEEPALIVED)) {
    console.error(`bench/vrrp-load needs root, network namespaces, tcpdump and ${KEEPALIVED}: ${why ?? 'keepalived missing'}`);
    process.exit(1);
  }
  console.log(serviceEnvironment());
  console.log(OWN_SESSION ? 'daemons: each in a session of its own, as systemd starts them (--same-session: in the bench\'s)' : 'daemons: in the bench\'s session, beside its busy loops (--same-session)');
  if (!ONLY || ONLY === '100' || ONLY === 'sat') await loadScenarios();
  if (!ONLY || ONLY === 't') commandScenarios();
}

await main();
