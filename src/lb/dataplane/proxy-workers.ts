/**
 * The userspace proxy on every core: one worker thread per core, each a ProxyDataPlane listening
 * on its own SO_REUSEPORT socket, so the kernel spreads new connections over the workers and
 * each pipes its own bytes. Pools reach every worker on each apply. Each worker counts its own
 * connections for the least-connection schedulers (a per-worker view of the load).
 */
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../daemon/log.js';
import type { DataPlane, ServicePool } from './types.js';

export interface WorkerMessage {
  readonly id: number;
  readonly op: 'apply' | 'close';
  readonly pools?: readonly ServicePool[];
  readonly keep?: boolean;
}

export class ProxyWorkers implements DataPlane {
  private readonly workers: Worker[] = [];
  private seq = 0;
  private readonly waiting = new Map<number, { left: number; resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly log: Logger, opts: { workers?: number; proxyProtocol?: 'v1' | 'v2' } = {}) {
    const n = Math.max(1, opts.workers ?? os.availableParallelism());
    const script = fileURLToPath(new URL('./proxy-worker.js', import.meta.url));
    for (let i = 0; i < n; i++) {
      const w = new Worker(script, { workerData: { udp: i === 0, ...(opts.proxyProtocol ? { proxyProtocol: opts.proxyProtocol } : {}) } });
      w.on('message', (m: { id: number; error?: string; log?: string }) => {
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
      w.on('error', (e) => this.log.error(`proxy worker: ${e.message}`));
      this.workers.push(w);
    }
  }

  private all(msg: Omit<WorkerMessage, 'id'>): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { left: this.workers.length, resolve, reject });
      for (const w of this.workers) w.postMessage({ ...msg, id });
    });
  }

  apply(pools: readonly ServicePool[]): Promise<void> {
    return this.all({ op: 'apply', pools });
  }

  async close(keep = false): Promise<void> {
    await this.all({ op: 'close', keep });
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
