/**
 * bench/failover: the outage a client sees when the VRRP master dies hard (kill -9), for
 * keepalived-ts and for the real Keepalived in the same lab and configuration.
 *
 * Just after one of its adverts, the master's daemon gets SIGKILL and its cable is pulled; a client pings
 * the VIP every 10 ms; the outage is the gap between the last reply before the
 * crash and the first reply after it. Printed beside the protocol bound, the backup's
 * Master_Down_Interval (3 x interval + Skew_Time), and as a ratio ours / Keepalived's.
 * Run by hand as root: `npm run build && node dist/bench/failover.js [--runs N]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../src/lab/daemon.js';
import { Lab, labUnavailable } from '../src/lab/lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
/** --case N (1-based) runs one case only; --ours skips the real Keepalived. */
const caseArg = process.argv.indexOf('--case');
const ONLY = caseArg > 0 ? Number(process.argv[caseArg + 1]) : undefined;
const OURS_ONLY = process.argv.includes('--ours');

interface Case {
  readonly label: string;
  readonly version: 2 | 3;
  readonly intervalS: number;
}

const CASES: Case[] = [
  { label: 'v2, advert_int 1 s', version: 2, intervalS: 1 },
  { label: 'v3, advert_int 100 ms', version: 3, intervalS: 0.1 },
  { label: 'v3, advert_int 10 ms', version: 3, intervalS: 0.01 },
];

/** The backup (priority 100) declares the master down after 3 x interval + Skew_Time. */
function boundMs(c: Case): number {
  const skew = c.version === 2 ? (256 - 100) / 256 : ((256 - 100) * c.intervalS) / 256;
  return (3 * c.intervalS + skew) * 1000;
}

function config(c: Case, priority: number, vip: string): string {
  return `global_defs { router_id bench_${priority} }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  version ${c.version}
  priority ${priority}
  advert_int ${c.intervalS}
  ${c.version === 2 ? 'authentication { auth_type PASS\n    auth_pass bench }' : ''}
  virtual_ipaddress { ${vip}/24 }
}
`;
}

/** Runs one crash; returns the client's outage and the takeover on the wire, in ms. */
async function once(lab: Lab, dir: string, c: Case, real: boolean): Promise<{ outage: number; takeover: number }> {
  const vip = lab.spareAddress(100);
  const d1 = new Daemon(lab, 'd1', path.join(dir, 'd1'), config(c, 150, vip), repo, real);
  const d2 = new Daemon(lab, 'd2', path.join(dir, 'd2'), config(c, 100, vip), repo, real);
  try {
    await waitFor(async () => (await lab.addresses('d1')).includes(`${vip}/24`), 20_000, 'd1 master');
    await new Promise((r) => setTimeout(r, 1500));
    const ping = lab.spawn('client', 'ping', ['-n', '-D', '-i', '0.01', '-W', '0.01', vip]);
    const replies: number[] = [];
    ping.stdout?.on('data', (b: Buffer) => {
      for (const m of b.toString().matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)) replies.push(Number(m[1]) * 1000);
    });
    await new Promise((r) => setTimeout(r, 500));
    // The crash comes just after one of the master's adverts, so every run fails at the same
    // phase of the advert cycle and the outage measures Master_Down_Interval, not luck.
    // The same capture times the takeover on the wire: from the dead master's last advert to the
    // new master's first gratuitous ARP, free of the probe's 10 ms resolution.
    const d1Addr = lab.host('d1').address;
    const sniff = lab.spawn('client', 'tcpdump', ['-l', '-n', '-tt', '-i', 'eth0', 'vrrp or arp']);
    const wire: string[] = [];
    await new Promise<void>((resolve) => {
      let seen = 0;
      sniff.stdout?.on('data', (b: Buffer) => {
        const lines = b.toString().split('\n').filter((l) => l !== '');
        wire.push(...lines);
        seen += lines.filter((l) => l.includes(`${d1Addr} >`) && l.includes('VRRP')).length;
        if (seen >= 2) resolve();
      });
    });
    // A hard failure: the daemon dies and the machine drops off the segment with it (a killed
    // daemon alone leaves its VIP configured, and the kernel would keep answering).
    const crashAt = Date.now();
    await Promise.all([lab.cable('d1', false), d1.kill('SIGKILL')]);
    await waitFor(async () => (await lab.addresses('d2')).includes(`${vip}/24`), 20_000, 'd2 takes the VIP');
    await new Promise((r) => setTimeout(r, 500));
    if (process.env.KEEPALIVED_TS_TRACE) {
      // Our receipt of the last advert (the trace's wall clock) against the capture's.
      const adverts = wire.filter((l) => l.includes(`${d1Addr} >`) && l.includes('VRRP')).map((l) => Number(l.split(' ')[0]));
      for (const l of d2.output.filter((x) => x.includes('takeover trace'))) {
        const wall = Number(/wall (\d+\.\d+)/.exec(l)?.[1]);
        const onWire = adverts.filter((t) => t <= wall).at(-1);
        console.log(`  ${real ? 'real' : 'ours'}: ${l.replace(/.*takeover trace: /, '')}${onWire !== undefined ? ` | received ${((wall - onWire) * 1e6).toFixed(0)} us after the capture saw it` : ''}`);
      }
    }
    ping.kill('SIGINT');
    sniff.kill('SIGINT');
    await new Promise((r) => ping.once('exit', r));
    const at = (l: string) => Number(l.split(' ')[0]) * 1000;
    const lastAdvert = at(wire.filter((l) => l.includes(`${d1Addr} >`) && l.includes('VRRP')).at(-1)!);
    const garp = wire.find((l) => l.includes(`tell ${vip}`) && at(l) > lastAdvert);
    if (!garp) throw new Error('no gratuitous ARP from the new master seen');
    const takeover = at(garp) - lastAdvert;
    // ping's output is block-buffered into the pipe: read the replies once it has exited. The
    // outage is the longest silence between replies from just before the crash on.
    const around = replies.filter((t) => t >= crashAt - 50);
    let outage = 0;
    for (let i = 1; i < around.length; i++) outage = Math.max(outage, around[i]! - around[i - 1]!);
    if (around.length < 2) throw new Error('no replies around the crash');
    return { outage, takeover };
  } finally {
    await d1.kill('SIGKILL');
    await d2.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.log(`bench/failover skipped: ${why}`);
    return;
  }
  const hasKeepalived = fs.existsSync('/usr/sbin/keepalived');
  console.log(`failover after a hard crash of the master, median of ${RUNS} crashes per case`);
  console.log('  takeover = dead master\'s last advert -> new master\'s first gratuitous ARP (tcpdump on the client)');
  console.log('  outage   = longest silence seen by a client pinging every 10 ms');
  console.log('case                    bound ms | takeover: ours  Keepalived  ratio  ours-bound | outage: ours  Keepalived  ratio');
  const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
  for (const [i, c] of CASES.entries()) {
    if (ONLY !== undefined && ONLY !== i + 1) continue;
    const results: Record<'ours' | 'real', Array<{ outage: number; takeover: number }>> = { ours: [], real: [] };
    for (const real of hasKeepalived && !OURS_ONLY ? [false, true] : [false]) {
      for (let i = 0; i < RUNS; i++) {
        const lab = await Lab.create({ hosts: ['d1', 'd2', 'client'] });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bench-'));
        try {
          results[real ? 'real' : 'ours'].push(await once(lab, dir, c, real));
        } finally {
          await lab.destroy();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const t = (who: 'ours' | 'real') => med(results[who].map((r) => r.takeover));
    const o = (who: 'ours' | 'real') => med(results[who].map((r) => r.outage));
    const bound = boundMs(c);
    console.log(
      `${c.label.padEnd(22)} ${bound.toFixed(1).padStart(9)} | ${t('ours').toFixed(1).padStart(14)} ${t('real').toFixed(1).padStart(11)} ${(t('ours') / t('real')).toFixed(3).padStart(6)} ${(t('ours') - bound).toFixed(1).padStart(11)} |`
        + ` ${o('ours').toFixed(0).padStart(12)} ${o('real').toFixed(0).padStart(11)} ${(o('ours') / o('real')).toFixed(2).padStart(6)}`,
    );
  }
}

await main();
