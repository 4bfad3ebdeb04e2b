/**
 * `keepalived-ts lab traffic [--seconds N] [--json]`: the lab's client asks for a page through the
 * VIP every 50 ms, each on a new connection (so LVS schedules each), and a line each second says
 * who answered, how many failed and how long answers took; at the end the longest outage in ms
 * (from the first failed request to the next answered one), which is what a failover costs. The
 * client is http-peer.ts --traffic in the client's namespace. Bounded: 10 s unless asked, 300 s at most.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LabOut } from './lab-down.js';
import type { LabState } from './lab-state.js';
import { httpPeer, vipHolders } from './lab-topology.js';

export const MAX_TRAFFIC_SECONDS = 300;

interface Second { second: number; at: string; by: Record<string, number>; errors: number; avgMs: number | null; maxMs: number | null }
interface Summary { summary: true; requests: number; by: Record<string, number>; errors: number; everyMs: number; outageMs: number; outageFromMs: number; outageEnded: boolean }

const names = (by: Record<string, number>) => Object.entries(by).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'nobody';

export interface TrafficOptions { readonly seconds: number; readonly json: boolean }

/** `--seconds N` (1 to 300, default 10) and `--json`, or what is wrong with them. */
export function parseTraffic(argv: readonly string[]): TrafficOptions | string {
  let seconds = 10;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--seconds' || a.startsWith('--seconds=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      seconds = Number(v);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TRAFFIC_SECONDS) return `--seconds takes a whole number from 1 to ${MAX_TRAFFIC_SECONDS}, not '${v ?? ''}'`;
    } else return `traffic: unexpected argument '${a}'`;
  }
  return { seconds, json };
}

export async function runTraffic(s: LabState, { seconds, json }: TrafficOptions, out: LabOut): Promise<number> {
  const url = `http://${s.vip}/`;
  if (!json) out.stdout(`${seconds} s of requests from client (${s.hosts['client']!.address}) to ${url}, one every 50 ms; VIP held by ${(await vipHolders(s)).join(' and ') || 'nobody'}\n`);
  const child = spawn('ip', ['netns', 'exec', s.hosts['client']!.ns, process.execPath, httpPeer, '--traffic', url, String(seconds), '--timeout', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let summary: Summary | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let o: Second | Summary;
    try {
      o = JSON.parse(line) as Second | Summary;
    } catch {
      return;
    }
    if (json) out.stdout(line + '\n');
    if ('summary' in o) summary = o;
    else if (!json) {
      const lat = o.avgMs === null ? (o.errors ? 'no answer' : 'none finished (waiting for answers)') : `latency avg ${o.avgMs.toFixed(1)} ms, max ${o.maxMs!.toFixed(1)} ms`;
      out.stdout(`  ${o.at.slice(11, 19)}  ${String(o.second).padStart(3)} s  ${names(o.by).padEnd(18)} failed ${String(o.errors).padStart(2)}  ${lat}\n`);
    }
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (!summary) {
    out.stderr(`keepalived-ts lab traffic: the client failed (exit ${code}) ${stderr.trim()}\n`);
    return 1;
  }
  if (!json) {
    out.stdout(`${summary.requests} requests: ${names(summary.by)}${summary.errors ? `; ${summary.errors} failed` : ''}\n`);
    out.stdout(summary.outageMs > 0
      ? `longest outage: ${summary.outageMs} ms (from ${(summary.outageFromMs / 1000).toFixed(2)} s${summary.outageEnded ? '' : ', still failing at the end'}; requests every ${summary.everyMs} ms)\n`
      : 'no outage: every request was answered\n');
    out.stdout(`VIP now held by ${(await vipHolders(s)).join(' and ') || 'nobody'}\n`);
  }
  return 0;
}
