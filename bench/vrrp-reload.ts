/**
 * bench/vrrp-reload: a reload's effect on adverts, keepalived-ts beside Keepalived 2.2.7. One
 * MASTER instance at 10 ms adverts in a file with LINES lines of virtual servers (the VRRP process
 * reads them and gives them to the checker process); SIGHUP to the daemon; the adverts the peer
 * receives in the 3 s that follow against the second before (tcpdump, bench/load-measure.ts).
 * Both daemons run VRRP only (-P), one after the other in the same namespaces, in turn.
 *
 * Run by hand as root: `npm run build && npm run bench:vrrp-reload [-- --lines 31000 --runs 3]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../src/lab/daemon.js';
import { Lab, labUnavailable } from '../src/lab/lab.js';
import { AdvertCapture, gapStats, wallNs } from './load-measure.js';
import { numberArg } from './args.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEEPALIVED = '/usr/sbin/keepalived';
const INTERVAL_S = 0.01;

const LINES = numberArg('lines', 31_000);
const RUNS = numberArg('runs', 3);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One instance, then virtual servers of 4 real servers with a TCP_CHECK each until `lines`. */
function config(lab: Lab, lines: number): string {
  const out = ['global_defs {', '  router_id vrrp_reload', '  vrrp_version 3', '}', ''];
  out.push('vrrp_instance VI_1 {', '  state MASTER', '  interface eth0', '  virtual_router_id 1', '  priority 200', `  advert_int ${INTERVAL_S}`, '  virtual_ipaddress {', `    ${lab.segmentAddress(1, 1)}/32`, '  }', '}', '');
  for (let v = 0; out.length < lines; v++) {
    out.push(`virtual_server 10.${100 + (v >> 16)}.${(v >> 8) & 255}.${v & 255} 80 {`, '  delay_loop 6', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 1; r <= 4; r++) out.push(`  real_server 10.200.${v & 255}.${r} 8080 {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 3', '    }', '  }');
    out.push('}', '');
  }
  return out.join('\n');
}

interface ReloadFigures {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly p99AfterMs: number;
  readonly adverts: number;
}

async function measure(lab: Lab, dir: string, real: boolean, text: string): Promise<ReloadFigures> {
  fs.rmSync(dir, { recursive: true, force: true });
  const capture = await AdvertCapture.start(lab, 'peer');
  const d = new Daemon(lab, 'node', dir, text, repo, real, {}, real ? [] : ['-P']);
  try {
    const t0 = Date.now();
    while (capture.times.size < 1) {
      if (Date.now() - t0 > 30_000) throw new Error(`${real ? 'keepalived' : 'keepalived-ts'} does not advertise after 30 s\n${d.output.slice(-20).join('\n')}`);
      await sleep(200);
    }
    await sleep(3000); // MASTER and settled; start-up work done
    const from = wallNs();
    await sleep(1000);
    const hup = wallNs();
    process.kill(d.proc.pid!, 'SIGHUP');
    await sleep(3000);
    const to = wallNs();
    await sleep(300); // the capture's last lines
    const before = gapStats(capture.between(from, hup), INTERVAL_S * 1000, 12);
    const after = gapStats(capture.between(hup, to), INTERVAL_S * 1000, 12);
    if (!real && !d.output.some((l) => l.includes('Reload finished'))) throw new Error(`keepalived-ts did not reload\n${d.output.slice(-20).join('\n')}`);
    return { beforeMs: before.worstLateMs, afterMs: after.worstLateMs, p99AfterMs: after.p99LateMs, adverts: after.adverts };
  } finally {
    await d.kill('SIGTERM');
    await capture.stop();
  }
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why || !fs.existsSync(KEEPALIVED)) {
    console.error(`bench/vrrp-reload needs root, network namespaces, tcpdump and ${KEEPALIVED}: ${why ?? 'keepalived missing'}`);
    process.exit(1);
  }
  const lab = await Lab.create({ hosts: ['node', 'peer'], segments: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-vrrp-reload-'));
  try {
    const text = config(lab, LINES);
    console.log(`\nSIGHUP with a ${text.split('\n').length}-line file, 1 instance at advert_int ${INTERVAL_S}: worst lateness seen by the peer, ms\n`);
    console.log('| run | Keepalived: second before / 3 s after | keepalived-ts: second before / 3 s after (p99 after) |');
    console.log('| --- | --- | --- |');
    for (let r = 0; r < RUNS; r++) {
      const k = await measure(lab, path.join(dir, 'k'), true, text);
      const o = await measure(lab, path.join(dir, 'o'), false, text);
      console.log(`| ${r + 1} | ${k.beforeMs.toFixed(2)} / ${k.afterMs.toFixed(2)} | ${o.beforeMs.toFixed(2)} / ${o.afterMs.toFixed(2)} (${o.p99AfterMs.toFixed(2)}) |`);
    }
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
