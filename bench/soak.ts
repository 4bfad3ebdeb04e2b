/**
 * bench/soak (root, by hand: `npm run bench:soak -- --minutes 10`): one keepalived-ts daemon
 * under a steady load for a long while, to see whether anything creeps. In a lab of namespaces:
 *
 *   director  keepalived-ts with 100 VRRP instances (v3, advert_int 0.1 s by default, MASTER,
 *             one VIP each) and 100 virtual servers (NAT, one per VIP, port 80) of 10 real
 *             servers each: 1,000 checked real servers, HTTP_GET on even services and TCP_CHECK
 *             on odd ones, delay_loop 3 s (~333 checks/s); rr, with wlc on every tenth service
 *             (the nftables plane then reads conntrack every second); --http for /metrics
 *   rs1..rs10 one Node HTTP server each (lab/http-peer.ts) on ports 8000-8099: real server j of
 *             service v is rsj:8000+v
 *   client    requests at --rate per second (default 200), each on a new connection, to the
 *             100 VIPs in turn (soak-client.ts)
 *   peer      tcpdump reading every advert on the segment
 *
 * After --settle seconds (default 30: VIPs up, every real server checked up, JIT warm), for
 * --minutes: every 10 s the CPU ticks and RSS of the parent, the VRRP child and the checker
 * child (/proc), the sum of keepalived_ts_real_server_up and the VRRP clock's worst lateness
 * (/metrics). Then the table: CPU % and slopes, the adverts' worst lateness and missed deadlines.
 * `--plane proxy` serves the traffic with the userspace proxy instead of nftables NAT.
 * `--keepalived`: the real Keepalived (VRRP only, -P) beside it in a namespace of its own with the
 * same 100 instances (VRIDs 101-200), its adverts read by the same capture: the reference for
 * what this machine's load does to an advert clock.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../src/lab/daemon.js';
import { Lab, labUnavailable } from '../src/lab/lab.js';
import { AdvertGaps, procFigures, readProc, type ProcSample } from './soak-stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const MINUTES = opt('--minutes', 10);
const ADVERT_S = opt('--advert', 0.1);
const DELAY_LOOP = opt('--delay-loop', 3);
const RATE = opt('--rate', 200);
const SETTLE_S = opt('--settle', 30);
const REFERENCE = args.includes('--keepalived');
const PLANE = args.includes('--plane') ? args[args.indexOf('--plane') + 1]! : 'nft';
const INSTANCES = 100;
const SERVICES = 100;
const SERVERS = 10;
const SAMPLE_S = 10;
const HTTP_PORT = 9700;

function instances(first: number, vip: (i: number) => string): string {
  const out: string[] = [];
  for (let i = 1; i <= INSTANCES; i++) {
    out.push(`vrrp_instance VI_${i} {\n state MASTER\n interface eth0\n virtual_router_id ${first + i - 1}\n version 3\n priority 150\n advert_int ${ADVERT_S}\n virtual_ipaddress {\n  ${vip(i)}\n }\n}\n`);
  }
  return out.join('');
}

function config(lab: Lab): string {
  const out = ['global_defs {\n router_id soak\n}\n', instances(1, (i) => `${lab.spareAddress(99 + i)}/24`)];
  for (let v = 0; v < SERVICES; v++) {
    const check = v % 2 === 0
      ? `HTTP_GET {\n   url {\n    path /\n    status_code 200\n   }\n   connect_timeout 2\n   retry 1\n  }`
      : `TCP_CHECK {\n   connect_timeout 2\n   retry 1\n  }`;
    const rs = Array.from({ length: SERVERS }, (_, j) => ` real_server ${lab.host(`rs${j + 1}`).address} ${8000 + v} {\n  weight 1\n  ${check}\n }\n`).join('');
    out.push(`virtual_server ${lab.spareAddress(100 + v)} 80 {\n delay_loop ${DELAY_LOOP}\n lb_algo ${v % 10 === 9 ? 'wlc' : 'rr'}\n lb_kind NAT\n protocol TCP\n${rs}}\n`);
  }
  return out.join('');
}

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

/** Whole lines of a child's stdout, as they come. */
function lines(p: ChildProcess, each: (l: string) => void): void {
  let partial = '';
  p.stdout!.on('data', (b: Buffer) => {
    const ls = (partial + b.toString()).split('\n');
    partial = ls.pop()!;
    for (const l of ls) each(l);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metrics(lab: Lab): Promise<{ up: number; latenessS: number; checks: number; conns: number; ms: number; bytes: number }> {
  const t = performance.now();
  const text = await lab.exec('director', 'curl', '-sf', '--max-time', '5', `http://127.0.0.1:${HTTP_PORT}/metrics`);
  const ms = performance.now() - t;
  // No series at all: the checker's part did not come within the parent's 1 s (NaN, counted apart).
  let up = NaN;
  for (const m of text.matchAll(/^keepalived_ts_real_server_up\{.*\} (\d+)$/gm)) up = (Number.isNaN(up) ? 0 : up) + Number(m[1]);
  let checks = Number.isNaN(up) ? NaN : 0;
  for (const m of text.matchAll(/^keepalived_ts_check_duration_seconds_count\{.*\} (\d+)$/gm)) checks += Number(m[1]);
  // Connections the status counted from conntrack (NAT services), active + inactive.
  let conns = 0;
  for (const m of text.matchAll(/^node_ipvs_backend_connections_(?:in)?active\{.*\} (\d+)$/gm)) conns += Number(m[1]);
  const lateness = /^keepalived_ts_vrrp_timer_lateness_max_seconds (\S+)$/m.exec(text);
  return { up, latenessS: Number(lateness?.[1] ?? NaN), checks, conns, ms, bytes: text.length };
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) throw new Error(why);
  const rsNames = Array.from({ length: SERVERS }, (_, j) => `rs${j + 1}`);
  const lab = await Lab.create({ hosts: ['director', 'peer', 'client', ...rsNames, ...(REFERENCE ? ['ref'] : [])] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-soak-'));
  let daemon: Daemon | undefined;
  let ref: Daemon | undefined;
  try {
    const director = lab.host('director');
    await lab.exec('director', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    for (const k of ['all', 'eth0']) await lab.exec('director', 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.send_redirects=0`);
    await lab.exec('client', 'sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=1');
    await lab.exec('client', 'sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535');
    const ports = Array.from({ length: SERVICES }, (_, v) => String(8000 + v));
    for (const h of rsNames) {
      const p = lab.spawn(h, process.execPath, [path.join(repo, 'dist/src/lab/http-peer.js'), '--serve', h, ...ports]);
      await new Promise((resolve, reject) => {
        p.stdout!.once('data', resolve);
        p.once('exit', () => reject(new Error(`the ${h} server did not start`)));
      });
      // NAT: the answers go back through the director.
      await lab.exec(h, 'ip', 'route', 'add', `${lab.host('client').address}/32`, 'via', director.address);
    }
    daemon = new Daemon(lab, 'director', path.join(dir, 'd'), config(lab), repo, false, {
      KEEPALIVED_TS_HTTP: `127.0.0.1:${HTTP_PORT}`,
      ...(PLANE === 'proxy' ? { KEEPALIVED_TS_DATAPLANE: 'proxy' } : {}),
    });
    const d = daemon;
    const started = performance.now();
    await waitFor(async () => (await lab.addresses('director')).length > INSTANCES, 60_000, 'the 100 VIPs');
    await waitFor(async () => (await metrics(lab).catch(() => ({ up: 0 }))).up === SERVICES * SERVERS, 120_000, 'every real server up');
    process.stderr.write(`up in ${((performance.now() - started) / 1000).toFixed(1)} s; settling ${SETTLE_S} s\n`);
    // Keepalived's VIPs: /32s of the lab's second /24, on the same segment.
    if (REFERENCE) ref = new Daemon(lab, 'ref', path.join(dir, 'ref'), `global_defs {\n router_id soak_ref\n}\n${instances(101, (i) => `${lab.segmentAddress(1, i)}/32`)}`, repo, true);

    const urls = Array.from({ length: SERVICES }, (_, v) => `http://${lab.spareAddress(100 + v)}/`);
    const client = lab.spawn('client', process.execPath, [path.join(repo, 'dist/bench/soak-client.js'), String(RATE), String(SETTLE_S + MINUTES * 60 + 60), ...urls]);
    let measuring = false;
    let lastWindow = '';
    const traffic = { ok: 0, failed: 0, skipped: 0, maxMs: 0, firstError: undefined as string | undefined };
    lines(client, (l) => {
      const r = JSON.parse(l) as { summary?: boolean; ok: number; failed: number; skipped: number; maxMs: number; firstError?: string };
      if (r.summary || !measuring) return;
      lastWindow = `client ${r.ok} ok / ${r.failed} failed / ${r.skipped} skipped`;
      traffic.ok += r.ok;
      traffic.failed += r.failed;
      traffic.skipped += r.skipped;
      traffic.maxMs = Math.max(traffic.maxMs, r.maxMs);
      traffic.firstError ??= r.firstError;
    });
    await sleep(SETTLE_S * 1000);

    const gaps = new AdvertGaps(ADVERT_S * 1000, ADVERT_S * 1000, [1, INSTANCES]);
    const refGaps = new AdvertGaps(ADVERT_S * 1000, ADVERT_S * 1000, [101, 100 + INSTANCES]);
    const dump = lab.spawn('peer', 'tcpdump', ['-n', '-tt', '--time-stamp-precision=nano', '-B', '16384', '-i', 'eth0', 'ip proto 112']);
    let dumpErr = '';
    dump.stderr!.on('data', (b: Buffer) => (dumpErr += b.toString()));
    lines(dump, (l) => {
      gaps.line(l);
      refGaps.line(l);
    });

    const pids: Record<string, number> = { parent: readPid(d.pidFile), vrrp: readPid(d.vrrpPidFile), checker: readPid(d.checkersPidFile) };
    if (ref) pids['Keepalived VRRP (reference)'] = readPid(ref.vrrpPidFile);
    const samples: Record<string, ProcSample[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const ups: number[] = [];
    const checkCounts: number[] = [];
    const connCounts: number[] = [];
    let metricsBytes = 0;
    const scrapeMs: number[] = [];
    let lateness = NaN;
    measuring = true;
    const t0 = performance.now();
    const end = t0 + MINUTES * 60_000;
    for (let k = 0; ; k++) {
      const t = (performance.now() - t0) / 1000;
      for (const name of Object.keys(pids)) {
        const s = readProc(pids[name]!, t);
        if (!s) throw new Error(`the ${name} process (${pids[name]}) is gone`);
        samples[name]!.push(s);
      }
      const m = await metrics(lab);
      ups.push(m.up);
      checkCounts.push(m.checks);
      connCounts.push(m.conns);
      metricsBytes = m.bytes;
      scrapeMs.push(m.ms);
      lateness = m.latenessS;
      if (k % 3 === 0) process.stderr.write(`  ${t.toFixed(0)} s: RSS ${Object.values(samples).map((s) => (s.at(-1)!.rssKb / 1024).toFixed(1)).join(' / ')} MB, adverts ${gaps.adverts}, worst late ${gaps.worstLateMs.toFixed(1)} ms, up ${m.up}, ${lastWindow}, load ${os.loadavg()[0]!.toFixed(1)}\n`);
      if (performance.now() >= end) break;
      await sleep(Math.max(0, t0 + (k + 1) * SAMPLE_S * 1000 - performance.now()));
    }
    const windowS = (performance.now() - t0) / 1000;
    measuring = false;
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    client.kill('SIGINT');
    await ref?.kill('SIGTERM');
    await d.kill('SIGTERM');
    const stopLine = (re: RegExp) => d.output.map((l) => re.exec(l)).find((x) => x);
    const checks = stopLine(/checks: (\d+) started, worst (\d+) ms late/);
    const timers = stopLine(/timers: (\d+) fired, worst (\d+) ms late/);
    const dropped = /(\d+) packets dropped by kernel/.exec(dumpErr)?.[1] ?? '?';
    const restarts = d.output.filter((l) => /respawn|restart/i.test(l) && /child/i.test(l)).length;

    const whole = checkCounts.filter((c) => !Number.isNaN(c));
    const parts = ups.filter((u) => !Number.isNaN(u));
    const clk = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    console.log(`\nsoak: ${MINUTES} min measured after ${SETTLE_S} s of settling (${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, data plane ${PLANE})`);
    console.log(`  ${INSTANCES} VRRP instances v3 at ${ADVERT_S * 1000} ms (MASTER), ${SERVICES * SERVERS} real servers (HTTP_GET / TCP_CHECK, delay_loop ${DELAY_LOOP} s), ${RATE} client requests/s on new connections`);
    console.log(`\n| process | CPU % of a core | CPU slope (pp/h) | RSS first / last / max MB | RSS slope MB/h (all / 2nd half) | RSS floor MB/min first / last, slope MB/h | flat |`);
    console.log('| --- | ---: | ---: | --- | --- | --- | --- |');
    let allFlat = true;
    for (const name of Object.keys(pids)) {
      const f = procFigures(samples[name]!, clk);
      // Flat: a floor (the least RSS of each minute) that rises less than 5 MB over the window,
      // and CPU whose fitted drift over the window stays under a fifth of its mean (or 1 point):
      // on a shared machine the CPU of each 10 s follows the neighbours' load.
      // Under two minutes there is one floor only: no slope, no verdict on memory.
      const rssKnown = !Number.isNaN(f.rssFloorSlopeMbPerHour);
      const rssFlat = !rssKnown || f.rssFloorSlopeMbPerHour * (windowS / 3600) < 5;
      const cpuFlat = Math.abs(f.cpuSlopePerHour * (windowS / 3600)) <= Math.max(1, f.cpuPct / 5);
      allFlat &&= rssFlat && cpuFlat;
      console.log(`| ${name} | ${f.cpuPct.toFixed(1)} | ${f.cpuSlopePerHour.toFixed(2)} | ${f.rssFirstMb.toFixed(1)} / ${f.rssLastMb.toFixed(1)} / ${f.rssMaxMb.toFixed(1)} | ${f.rssSlopeMbPerHour.toFixed(2)} / ${f.rssSlopeLateMbPerHour.toFixed(2)} | ${f.rssFloorFirstMb.toFixed(1)} / ${f.rssFloorLastMb.toFixed(1)}, ${f.rssFloorSlopeMbPerHour.toFixed(2)} | ${!rssKnown ? 'RSS: too short to tell' : rssFlat ? 'RSS flat' : 'RSS GROWS'}, ${cpuFlat ? 'CPU flat' : 'CPU DRIFTS'} |`);
    }
    const expected = Math.round((windowS / ADVERT_S) * INSTANCES);
    const cols = [gaps, ...(ref ? [refGaps] : [])];
    const row = (what: string, f: (g: AdvertGaps) => string) => console.log(`| ${what} | ${cols.map(f).join(' | ')} |`);
    console.log(`\n| adverts (capture in the peer, ${dropped} dropped by it) | keepalived-ts |${ref ? ' Keepalived 2.2.7 (reference) |' : ''}\n| --- | --- |${ref ? ' --- |' : ''}`);
    row('seen on the wire', (g) => `${g.adverts} of ~${expected} expected, ${g.instances()} VRIDs`);
    row('worst lateness (gap - interval)', (g) => `${g.worstLateMs.toFixed(2)} ms (vrid ${g.worstVrid})`);
    row('p99 lateness', (g) => `<= ${g.p99Ms()} ms`);
    row('gaps > interval + 10 ms', (g) => `${g.over10ms} of ${g.gaps}`);
    row(`missed deadlines (gap > interval + ${gaps.toleranceMs} ms)`, (g) => `${g.missed}`);
    console.log(`| keepalived_ts_vrrp_timer_lateness_max_seconds | ${lateness} |`);
    console.log(`| VRRP child at stop | ${timers ? `${timers[1]} timers fired, worst ${timers[2]} ms late` : '?'} |`);
    console.log(`| checker child at stop | ${checks ? `${checks[1]} checks started, ${((whole.at(-1)! - whole[0]!) / windowS).toFixed(0)}/s in the window (${((SERVICES * SERVERS) / DELAY_LOOP).toFixed(0)}/s asked), worst ${checks[2]} ms late` : '?'} |`);
    console.log(`| real servers up (min of samples) | ${Math.min(...parts)} of ${SERVICES * SERVERS} (${ups.length - parts.length} of ${ups.length} scrapes without the checker's part) |`);
    console.log(`| /metrics scrape (curl in the namespace) | max ${Math.max(...scrapeMs).toFixed(0)} ms, ${(metricsBytes / 1024).toFixed(0)} KiB |`);
    console.log(`| connections counted by /metrics (active + inactive) | ${Math.min(...connCounts)} - ${Math.max(...connCounts)} |`);
    console.log(`| client requests | ${traffic.ok} answered, ${traffic.failed} failed, ${traffic.skipped} not sent (client behind)${traffic.firstError ? ` (first: ${traffic.firstError})` : ''}, slowest ${traffic.maxMs.toFixed(0)} ms |`);
    console.log(`| child restarts | ${restarts} |`);
    const advertsOk = gaps.missed === 0;
    console.log(`\nverdict: CPU and memory ${allFlat ? 'flat' : 'NOT flat'}; adverts ${advertsOk ? 'no missed deadline' : `${gaps.missed} MISSED deadlines`}`);
  } finally {
    await daemon?.kill('SIGKILL');
    await ref?.kill('SIGKILL');
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
