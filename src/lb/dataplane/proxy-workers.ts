/**
 * The userspace proxy on every core: one worker thread per core, each listening on its own
 * SO_REUSEPORT socket, so the kernel spreads new connections over the workers and each moves its
 * own bytes (a relay loop by default, relay.ts; or a ProxyDataPlane with Node's streams). Pools
 * reach every worker on each apply. Each worker counts its own connections for the
 * least-connection schedulers (a per-worker view of the load).
 */
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../daemon/log.js';
import { wake } from '../../os/stream-io.js';
import type { DataPlane, ServicePool } from './types.js';

export interface WorkerMessage {
  readonly id: number;
  readonly op: 'apply' | 'close';
  readonly pools?: readonly ServicePool[];
  readonly keep?: boolean;
}

interface Thread {
  readonly worker: Worker;
  /** A relay's eventfd, once it has said it (the relay reads messages only when woken). */
  wakeFd?: number;
  readonly ready: Promise<void>;
}

export interface ProxyWorkersOptions {
  readonly workers?: number;
  readonly proxyProtocol?: 'v1' | 'v2';
  /**
   * relay (default): TCP through relay.ts loops, UDP in one stream-proxy thread; streams: every
   * thread a ProxyDataPlane (Node's sockets and pipes).
   */
  readonly engine?: 'relay' | 'streams';
}

export class ProxyWorkers implements DataPlane {
  private readonly threads: Thread[] = [];
  private seq = 0;
  private readonly waiting = new Map<number, { left: number; resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly log: Logger, opts: ProxyWorkersOptions = {}) {
    const n = Math.max(1, opts.workers ?? os.availableParallelism());
    const pp = opts.proxyProtocol ? { proxyProtocol: opts.proxyProtocol } : {};
    const streams = fileURLToPath(new URL('./proxy-worker.js', import.meta.url));
    if (opts.engine === 'streams') {
      for (let i = 0; i < n; i++) this.spawn(streams, { udp: i === 0, tcp: true, ...pp }, false);
    } else {
      const relay = fileURLToPath(new URL('./relay-worker.js', import.meta.url));
      for (let i = 0; i < n; i++) this.spawn(relay, { ...pp }, true);
      this.spawn(streams, { udp: true, tcp: false, ...pp }, false);
    }
  }

  private spawn(script: string, workerData: object, relay: boolean): void {
    const worker = new Worker(script, { workerData });
    let said: () => void = () => undefined;
    const t: Thread = { worker, ready: relay ? new Promise<void>((r) => (said = r)) : Promise.resolve() };
    worker.on('message', (m: { id: number; error?: string; log?: string; wakeFd?: number }) => {
      if (m.wakeFd !== undefined) {
        t.wakeFd = m.wakeFd;
        return said();
      }
      if (m.log) return this.log.error(m.log);
      const wait = this.waiting.get(m.id);
      if (!wait) return;
      if (m.error) {
        this.waiting.delete(m.id);
        wait.reject(new Error(m.error));
      } else if (--wait.left === 0) {
        this.waiting.delete(m.id);
        wait.resolve();
      }
    });
    worker.on('error', (e) => this.log.error(`proxy worker: ${e.message}`));
    this.threads.push(t);
  }

  private async all(msg: Omit<WorkerMessage, 'id'>): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { left: this.threads.length, resolve, reject });
      for (const t of this.threads) {
        t.worker.postMessage({ ...msg, id });
        if (t.wakeFd !== undefined) wake(t.wakeFd);
      }
    });
  }

  apply(pools: readonly ServicePool[]): Promise<void> {
    return this.all({ op: 'apply', pools });
  }

  async close(keep = false): Promise<void> {
    await this.all({ op: 'close', keep });
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
