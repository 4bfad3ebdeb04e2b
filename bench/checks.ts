/**
 * bench/checks: what the checker side sustains, by hand (`npm run bench:checks`), never in tests.
 *
 *  1. Health checks: 1,000 real servers (10 virtual servers x 100) with TCP_CHECK at delay_loop
 *     1 s against 100 listeners in another process on 127.0.0.1, run by the daemon's own
 *     CheckRuntime for 10 s: checks per second against the 1,000/s the configuration asks for,
 *     the checker's CPU share of one core, and how late the worst check started against its
 *     schedule (relative to delay_loop).
 *  2. Scheduler picks per second for every algorithm with 10 and 100 servers.
 */
import { fork } from 'node:child_process';
import * as net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkerDriver } from '../src/check/index.js';
import { loadConfig } from '../src/config/load.js';
import { memoryConfigFs } from '../src/config/fs.js';
import { coarseClock } from '../src/base/clock.js';
import { memoryLogger } from '../src/base/log.js';
import { CheckRuntime } from '../src/daemon/check/runtime.js';
import { realSpawner } from '../src/base/spawn.js';
import { createScheduler, SCHEDULER_NAMES, type Dest } from '../src/lb/scheduler.js';
import { tcpDialer } from '../src/os/dial.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const VS = 10;
const RS = 100;

/** The listeners, in a child so that accepting does not count against the checker. */
async function listeners(): Promise<{ ports: number[]; stop(): void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ports = await new Promise<number[]>((resolve) => child.once('message', (m) => resolve(m as number[])));
  return { ports, stop: () => child.kill() };
}

async function serve(): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < RS; i++) {
    const s = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as net.AddressInfo).port);
  }
  process.send!(ports);
}

async function checks(): Promise<void> {
  const l = await listeners();
  try {
    let text = '';
    for (let v = 0; v < VS; v++) {
      text += `virtual_server 127.0.0.1 ${20000 + v} {\n delay_loop 1\n lb_algo wrr\n lb_kind NAT\n protocol TCP\n`;
      for (const p of l.ports) text += ` real_server 127.0.0.1 ${p} {\n  TCP_CHECK {\n   connect_timeout 1\n   warmup 1\n  }\n }\n`;
      text += '}\n';
    }
    const { config } = loadConfig('/bench.conf', { fs: memoryConfigFs({ '/bench.conf': text }) });
    const log = memoryLogger();
    let changes = 0;
    const rt = new CheckRuntime(config, {
      clock: coarseClock, log, random: Math.random,
      driverFor: (c) => checkerDriver(c, {
        config, dial: tcpDialer, scripts: { spawner: realSpawner, identity: () => ({ uid: 0, gid: 0 }) },
        icmp: { open: () => { throw new Error('unused'); } }, watchFile: () => ({ stop: () => undefined }),
      }),
      events: { realServer: () => void changes++, quorum: () => undefined, pool: () => undefined },
    });
    rt.start();
    // Past the bootstrap second and the warmup spread, then measure.
    await new Promise((r) => setTimeout(r, 2500));
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const lag0 = { ...rt.lag };
    rt.lag.maxLateUs = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    rt.stop();
    const attempts = rt.lag.attempts - lag0.attempts;
    const rate = attempts / wall;
    const cpuShare = (cpu.user + cpu.system) / 1e6 / wall;
    console.log(`health checks: ${VS * RS} real servers, TCP_CHECK, delay_loop 1 s, ${wall.toFixed(1)} s measured`);
    console.log(`  checks/s        ${rate.toFixed(0)} (asked 1,000/s: ratio ${(rate / 1000).toFixed(3)})`);
    console.log(`  checker CPU     ${(cpuShare * 100).toFixed(1)} % of one core`);
    console.log(`  worst lateness  ${(rt.lag.maxLateUs / 1000).toFixed(1)} ms (${((rt.lag.maxLateUs / 1e6) * 100).toFixed(2)} % of delay_loop)`);
    console.log(`  event loop      p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
    console.log(`  state changes   ${changes} (a healthy run has 0)`);
  } finally {
    l.stop();
  }
}

function schedulers(): void {
  console.log('\nscheduler picks/s (best of 3):');
  console.log(`  ${'algo'.padEnd(6)} ${'10 servers'.padStart(12)} ${'100 servers'.padStart(12)}`);
  for (const name of SCHEDULER_NAMES) {
    const row = [10, 100].map((n) => {
      const dests: Dest[] = Array.from({ length: n }, (_, i) => ({ key: `10.0.${i >> 8}.${i & 255}:80`, weight: 1 + (i % 4), activeConns: i % 7, inactiveConns: i % 3 }));
      const s = createScheduler(name);
      s.update(dests);
      let best = 0;
      for (let r = 0; r < 3; r++) {
        const N = 200_000;
        const t0 = performance.now();
        for (let i = 0; i < N; i++) s.schedule({ saddr: `172.16.${(i >> 8) & 255}.${i & 255}`, sport: 1024 + (i & 0x7fff), daddr: `192.0.2.${i & 15}`, dport: 80 }, i);
        best = Math.max(best, N / ((performance.now() - t0) / 1000));
      }
      return fmt(best).padStart(12);
    });
    console.log(`  ${name.padEnd(6)} ${row.join(' ')}`);
  }
}

if (process.argv.includes('--serve')) await serve();
else {
  await checks();
  schedulers();
}
