/**
 * The userspace proxy on every core: one worker thread per core, each listening on its own
 * SO_REUSEPORT socket, so the kernel spreads new connections over the workers and each moves its
 * own bytes (a relay loop by default, relay.ts; or a ProxyDataPlane with Node's streams). Pools
 * reach every worker on each apply. Each worker counts its own connections for the
 * least-connection schedulers (a per-worker view of the load).
 *
 * A thread that dies (an exception, terminate()) answers for nothing it was asked, so what waited
 * on it completes without it; it is started again with the pools of the last apply, unless it
 * keeps dying (then it is left out, loudly). A relay thread's descriptors outlive it (threads
 * share them): its listening sockets, epoll and eventfd are closed here, or the kernel would
 * keep handing new connections to a socket nobody accepts on.
 */
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import type { Logger } from '../../base/log.js';
import { closeFd, epollEventLayout, wake } from '../../os/stream-io.js';
import { lvsState, type LiveCounts } from './nft.js';
import type { DestStats } from './proxy-pool.js';
import type { DataPlane, ServicePool } from './types.js';

export interface WorkerMessage {
  readonly id: number;
  readonly op: 'apply' | 'close' | 'stats';
  readonly pools?: readonly ServicePool[];
  readonly keep?: boolean;
}

interface Thread {
  readonly worker: Worker;
  /** A relay's eventfd, once it has said it (the relay reads messages only when woken). */
  wakeFd?: number;
  /** A relay's own descriptors besides (epoll, listening sockets), as it last said them. */
  fds: readonly number[];
  readonly ready: Promise<void>;
  /** Requests sent to it and not answered yet. */
  readonly pending: Set<number>;
  readonly script: string;
  readonly data: object;
  readonly relay: boolean;
}

/** Descriptors left for everything but the relays' connections (checkers, the UDP thread, logs). */
const FD_RESERVE = 256;

/** The soft RLIMIT_NOFILE (Node has no getrlimit): /proc/self/limits' "Max open files". */
function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : 1 << 20;
  } catch {
    return 1024;
  }
}

export interface RelayLimits {
  readonly connectTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxConns: number;
}

/**
 * Each relay thread's limits: KEEPALIVED_TS_PROXY_CONNECT and KEEPALIVED_TS_PROXY_IDLE (seconds;
 * defaults 5 and 900), KEEPALIVED_TS_PROXY_MAXCONN (connections per thread; default the
 * descriptors RLIMIT_NOFILE leaves, two per connection, shared by the threads, which share the
 * process's descriptor table).
 */
export function relayLimits(env: NodeJS.ProcessEnv, threads: number, nofile = openFilesLimit()): RelayLimits {
  const seconds = (v: string | undefined) => (v !== undefined && Number(v) > 0 ? Number(v) * 1000 : undefined);
  const connect = seconds(env.KEEPALIVED_TS_PROXY_CONNECT);
  const idle = seconds(env.KEEPALIVED_TS_PROXY_IDLE);
  const max = Number(env.KEEPALIVED_TS_PROXY_MAXCONN);
  return {
    ...(connect !== undefined ? { connectTimeoutMs: connect } : {}),
    ...(idle !== undefined ? { idleTimeoutMs: idle } : {}),
    maxConns: max > 0 ? Math.floor(max) : Math.max(1, Math.floor((nofile - FD_RESERVE) / 2 / threads)),
  };
}

/** The UDP sessions' bounds: KEEPALIVED_TS_PROXY_UDP_IDLE (seconds) and KEEPALIVED_TS_PROXY_UDP_MAXSESSIONS (per service). */
export function udpLimits(env: NodeJS.ProcessEnv): { udpIdleMs?: number; udpMaxSessions?: number } {
  const idle = Number(env.KEEPALIVED_TS_PROXY_UDP_IDLE);
  const max = Number(env.KEEPALIVED_TS_PROXY_UDP_MAXSESSIONS);
  return { ...(idle > 0 ? { udpIdleMs: idle * 1000 } : {}), ...(max > 0 ? { udpMaxSessions: Math.floor(max) } : {}) };
}

/** A thread that dies this often within RESTART_WINDOW_MS is not started again. */
const RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export interface ProxyWorkersOptions {
  readonly workers?: number;
  readonly proxyProtocol?: 'v1' | 'v2';
  /**
   * relay (default): TCP through relay.ts loops, UDP in one stream-proxy thread; streams: every
   * thread a ProxyDataPlane (Node's sockets and pipes).
   */
  readonly engine?: 'relay' | 'streams';
  /** Where the services and their counts are written for `keepalived-ts lvs` (absent: nowhere). */
  readonly statePath?: string;
  /** How often the counts there are refreshed, ms (default 1000). */
  readonly statsMs?: number;
}

export class ProxyWorkers implements DataPlane {
  private readonly threads: Thread[] = [];
  private seq = 0;
  private readonly waiting = new Map<number, { left: number; resolve: () => void; reject: (e: Error) => void; stats?: DestStats[] }>();
  private pools: readonly ServicePool[] = [];
  private statsTimer: NodeJS.Timeout | undefined;
  /** The pools of the latest apply, for a thread started again. */
  private latest: readonly ServicePool[] = [];
  private closing = false;
  private deaths: number[] = [];

  constructor(private readonly log: Logger, private readonly opts: ProxyWorkersOptions = {}) {
    const n = Math.max(1, opts.workers ?? os.availableParallelism());
    const pp = { ...(opts.proxyProtocol ? { proxyProtocol: opts.proxyProtocol } : {}), ...udpLimits(process.env) };
    const streams = fileURLToPath(new URL('./proxy-worker.js', import.meta.url));
    if (opts.engine === 'streams') {
      const { maxConns: _, ...timeouts } = relayLimits(process.env, n);
      for (let i = 0; i < n; i++) this.spawn(streams, { udp: i === 0, tcp: true, ...pp, ...timeouts }, false);
    } else {
      // Refused here, at start, rather than in each thread where it would only be logged.
      epollEventLayout();
      const relay = fileURLToPath(new URL('./relay-worker.js', import.meta.url));
      const limits = relayLimits(process.env, n);
      for (let i = 0; i < n; i++) this.spawn(relay, { ...pp, ...limits }, true);
      this.spawn(streams, { udp: true, tcp: false, ...pp }, false);
    }
  }

  private spawn(script: string, workerData: object, relay: boolean, slot = this.threads.length): Thread {
    const worker = new Worker(script, { workerData });
    let said: () => void = () => undefined;
    const t: Thread = { worker, fds: [], ready: relay ? new Promise<void>((r) => (said = r)) : Promise.resolve(), pending: new Set(), script, data: workerData, relay };
    worker.on('message', (m: { id: number; error?: string; log?: string; wakeFd?: number; fds?: number[]; stats?: DestStats[] }) => {
      if (m.wakeFd !== undefined) {
        t.wakeFd = m.wakeFd;
        return said();
      }
      if (m.log) return this.log.error(m.log);
      if (m.fds) t.fds = m.fds;
      t.pending.delete(m.id);
      const wait = this.waiting.get(m.id);
      if (!wait) {
        if (m.error) this.log.error(`proxy worker: ${m.error}`);
        return;
      }
      if (m.stats) wait.stats?.push(...m.stats);
      if (m.error) {
        this.waiting.delete(m.id);
        wait.reject(new Error(m.error));
      } else this.answered(m.id);
    });
    worker.on('error', (e) => this.log.error(`proxy worker: ${e.message}`));
    worker.on('exit', (code) => this.died(t, code, said));
    this.threads[slot] = t;
    return t;
  }

  /** One more thread has answered request `id`. */
  private answered(id: number): void {
    const wait = this.waiting.get(id);
    if (!wait || --wait.left > 0) return;
    this.waiting.delete(id);
    wait.resolve();
  }

  private died(t: Thread, code: number, said: () => void): void {
    said(); // nobody waits for a dead thread to be ready
    for (const id of t.pending) this.answered(id);
    t.pending.clear();
    const slot = this.threads.indexOf(t);
    // On close the threads free their own descriptors and end; only a death leaves them open.
    if (this.closing || slot < 0) return;
    for (const fd of [...t.fds, ...(t.wakeFd !== undefined ? [t.wakeFd] : [])]) closeFd(fd);
    t.fds = [];
    const now = Date.now();
    this.deaths = [...this.deaths.filter((d) => now - d < RESTART_WINDOW_MS), now];
    if (this.deaths.length > RESTARTS) {
      this.threads.splice(slot, 1);
      this.log.error(`proxy worker ${slot} died (exit code ${code}) ${this.deaths.length} times within a minute - not started again; ${this.threads.length} left`);
      return;
    }
    this.log.error(`proxy worker ${slot} died (exit code ${code}) - starting it again`);
    const fresh = this.spawn(t.script, t.data, t.relay, slot);
    void fresh.ready.then(() => this.send(fresh, { op: 'apply', pools: this.latest }, ++this.seq));
  }

  private send(t: Thread, msg: Omit<WorkerMessage, 'id'>, id: number): void {
    t.pending.add(id);
    t.worker.postMessage({ ...msg, id });
    if (t.wakeFd !== undefined) wake(t.wakeFd);
  }

  private async all(msg: Omit<WorkerMessage, 'id'>, stats?: DestStats[]): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
    const id = ++this.seq;
    const threads = [...this.threads];
    if (threads.length === 0) return;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { left: threads.length, resolve, reject, ...(stats ? { stats } : {}) });
      for (const t of threads) this.send(t, msg, id);
    });
  }

  async apply(pools: readonly ServicePool[]): Promise<void> {
    this.latest = pools;
    await this.all({ op: 'apply', pools });
    this.pools = pools;
    if (!this.opts.statePath) return;
    await this.writeState();
    this.statsTimer ??= setInterval(() => void this.writeState(), this.opts.statsMs ?? 1000).unref();
  }

  /** The services as `keepalived-ts lvs` reads them, with every worker's counts summed. */
  private async writeState(): Promise<void> {
    const all: DestStats[] = [];
    try {
      await this.all({ op: 'stats' }, all);
    } catch {
      return;
    }
    const live: Record<string, LiveCounts> = {};
    this.pools.forEach((p, i) => {
      p.entries.forEach((e, k) => {
        const mine = all.filter((x) => x.service === p.key && x.dest === `${e.ip}:${e.port}`);
        const sum = (f: 'conns' | 'inBytes' | 'outBytes' | 'active' | 'inactive') => mine.reduce((t, x) => t + x[f], 0);
        live[`${i}_${k}`] = { conns: sum('conns'), inBytes: sum('inBytes'), outBytes: sum('outBytes'), active: sum('active'), inactive: sum('inactive') };
      });
    });
    try {
      fs.writeFileSync(this.opts.statePath!, JSON.stringify({ ...lvsState(this.pools), live }) + '\n', { mode: 0o644 });
    } catch (e) {
      this.log.error(`Unable to write ${this.opts.statePath}: ${(e as Error).message}`);
    }
  }

  async close(keep = false): Promise<void> {
    this.closing = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (!keep && this.opts.statePath) fs.rmSync(this.opts.statePath, { force: true });
    await this.all({ op: 'close', keep });
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
