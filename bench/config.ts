/**
 * Configuration load benchmark: a generated 50,000-line keepalived.conf (vrrp_script,
 * vrrp_instance blocks with addresses and track scripts, virtual_server blocks with real servers
 * and TCP_CHECK / HTTP_GET), loaded by our loadConfig several times (best and median), and by the
 * real `keepalived -t -f FILE` when it is installed, timed around spawnSync.
 *
 * Run by hand: `npm run build && npm run bench:config` (options: --lines N, --runs N, --keep to leave the file). Never part
 * of the tests. Note that `keepalived -t` reads the file three times (parent, VRRP and checker
 * processes) and also validates against the host (interfaces, scripts); the ratio is of wall
 * time for the whole check, not per parse.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { generate } from './config-gen.js';
import { numberArg } from './args.js';

const KEEPALIVED = '/usr/sbin/keepalived';

/** An interface that exists here, so that keepalived -t does not stop at the first instance. */
function hostInterface(): string {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs?.some((a) => !a.internal)) return name;
  }
  return 'lo';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (t: bigint) => Number(t) / 1e6;

function main(): void {
  const lines = numberArg('lines', 50_000);
  const runs = numberArg('runs', 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-bench-'));
  const file = path.join(dir, 'keepalived.conf');
  const iface = hostInterface();
  const text = generate(lines, iface);
  fs.writeFileSync(file, text);
  const nLines = text.split('\n').length;
  console.log(`config: ${file} (${nLines} lines, ${(text.length / 1024).toFixed(0)} KiB, interface ${iface})`);

  const ours: number[] = [];
  let diagnostics = 0;
  for (let r = 0; r < runs + 1; r++) {
    const t0 = process.hrtime.bigint();
    const res = loadConfig(file, { configId: 'bench' });
    const t = ms(process.hrtime.bigint() - t0);
    diagnostics = res.diagnostics.length;
    if (r > 0) ours.push(t); // the first run warms the JIT up
  }
  const best = Math.min(...ours);
  const med = median(ours);
  console.log(`keepalived-ts loadConfig: best ${best.toFixed(1)} ms, median ${med.toFixed(1)} ms over ${runs} runs (+1 warm-up); ${diagnostics} diagnostics`);

  if (!fs.existsSync(KEEPALIVED)) {
    console.log(`${KEEPALIVED} not found: no comparison`);
  } else {
    const theirs: number[] = [];
    let status: number | null = null;
    let firstLines = '';
    const kRuns = Math.max(3, Math.min(runs, 5));
    for (let r = 0; r < kRuns; r++) {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(KEEPALIVED, ['-t', '-f', file, '-i', 'bench'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      theirs.push(ms(process.hrtime.bigint() - t0));
      status = p.status;
      firstLines = (p.stderr + p.stdout).split('\n').filter((l) => l !== '').slice(0, 3).join(' | ');
    }
    const kBest = Math.min(...theirs);
    const kMed = median(theirs);
    console.log(`keepalived -t -f FILE:    best ${kBest.toFixed(1)} ms, median ${kMed.toFixed(1)} ms over ${kRuns} runs (exit ${status})`);
    if (firstLines) console.log(`  keepalived said: ${firstLines.slice(0, 300)}`);
    console.log(`ratio ours/keepalived: best ${(best / kBest).toFixed(2)}, median ${(med / kMed).toFixed(2)}`);
  }
  if (process.argv.includes('--keep')) console.log(`kept ${file}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

main();
