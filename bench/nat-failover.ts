/**
 * bench/nat-failover: the share of established NAT connections that survive the crash of the
 * master director, with and without conntrackd (issue 16). The rig is the namespace test's
 * (src/lab/nat-pair.ts): a two-armed pair with a sync group, one virtual server per scheduler,
 * COUNT keep-alive connections to each; the master's daemon gets SIGKILL and every connection asks
 * once more, in no particular order (shuffled), through the new master. Cases:
 *   - without conntrackd;
 *   - with conntrackd, the clients asking once the new master's `-c` is done;
 *   - with conntrackd, the clients asking as soon as the network points at the new master
 *     (its VIPs and gratuitous ARPs), whether or not the commit is done.
 * Prints connections kept per scheduler and in all, and the new master's conntrackd times.
 * Run by hand as root: `npm run build && node dist/bench/nat-failover.js [--runs N] [--count N]`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUnavailable } from '../src/lab/lab.js';
import { NatPair, SCHEDULERS } from '../src/lab/nat-pair.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const RUNS = arg('--runs', 1);
const COUNT = arg('--count', 16);

interface Case {
  readonly label: string;
  readonly conntrackd: boolean;
  readonly waitCommit: boolean;
}

const CASES: Case[] = [
  { label: 'without conntrackd', conntrackd: false, waitCommit: true },
  { label: 'conntrackd, asked after the commit', conntrackd: true, waitCommit: true },
  { label: 'conntrackd, asked at once', conntrackd: true, waitCommit: false },
];

async function once(c: Case): Promise<{ kept: Record<string, number>; takeoverMs: number; ctLine?: string }> {
  const pair = await NatPair.create({ repo, schedulers: SCHEDULERS, conntrackd: c.conntrackd, count: COUNT });
  try {
    await pair.connect();
    if (c.conntrackd) {
      const t0 = Date.now();
      while ((await pair.externalEntries()) < COUNT * SCHEDULERS.length) {
        if (Date.now() - t0 > 15_000) throw new Error('the backup never held every connection');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const takeoverMs = await pair.failover(c.waitCommit);
    const after = await pair.round('shuffle');
    // Wait for the primary line to read its times even when the clients did not.
    const d2 = pair.daemons.get('d2')!;
    const t1 = Date.now();
    while (c.conntrackd && !d2.output.some((l) => l.includes('conntrackd primary for')) && Date.now() - t1 < 15_000) await new Promise((r) => setTimeout(r, 100));
    const ctLine = d2.output.find((l) => l.includes('conntrackd primary for'));
    return { kept: Object.fromEntries(Object.entries(after).map(([s, o]) => [s, o.kept])), takeoverMs, ...(ctLine ? { ctLine } : {}) };
  } finally {
    await pair.destroy();
  }
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.log(`bench/nat-failover: ${why}`);
    process.exit(1);
  }
  console.log(`${COUNT} keep-alive connections per scheduler, ${RUNS} run(s) per case; kept / total after the master's crash\n`);
  console.log(`| case | ${SCHEDULERS.join(' | ')} | all |`);
  console.log(`| --- | ${SCHEDULERS.map(() => '---:').join(' | ')} | ---: |`);
  const notes: string[] = [];
  for (const c of CASES) {
    const sum: Record<string, number> = Object.fromEntries(SCHEDULERS.map((s) => [s, 0]));
    for (let r = 0; r < RUNS; r++) {
      const got = await once(c);
      for (const s of SCHEDULERS) sum[s]! += got.kept[s] ?? 0;
      if (got.ctLine) notes.push(`${c.label}, run ${r + 1}: ${got.ctLine.replace(/^.*?conntrackd primary/, 'conntrackd primary')}`);
    }
    const total = Object.values(sum).reduce((a, b) => a + b, 0);
    const of = COUNT * RUNS;
    console.log(`| ${c.label} | ${SCHEDULERS.map((s) => `${sum[s]}/${of}`).join(' | ')} | ${total}/${of * SCHEDULERS.length} (${((100 * total) / (of * SCHEDULERS.length)).toFixed(1)} %) |`);
  }
  console.log('');
  for (const n of notes) console.log(n);
}

await main();
