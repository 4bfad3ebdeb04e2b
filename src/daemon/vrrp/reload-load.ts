/**
 * A reload's configuration, read on a worker thread so that the VRRP process's own thread keeps
 * sending adverts meanwhile. Read on the main thread, a 31,000-line file held the adverts of a
 * 10 ms instance back 36-82 ms on reload (a peer's Master_Down is ~3 intervals), where
 * Keepalived's were at most 2.2 ms late (bench/vrrp-reload.ts).
 *
 * The thread reads the whole file as loadConfig() does and hands back the VRRP process's part:
 * the virtual servers (the checker process's) stay behind, so that copying the result into this
 * thread costs next to nothing for a file of them (the structured clone of the whole model of
 * 31,000 lines took 17.7 ms; without them, under 0.1 ms).
 */
import { Worker } from 'node:worker_threads';
import { ConfigError, type ConfigErrorCode } from '../../config/diagnostics.js';
import { deepFreeze } from '../../config/schema.js';
import type { LoadOptions, LoadResult } from '../../config/load.js';
import type { KeepalivedConfig } from '../../config/model.js';

/** What the worker (reload-load-worker.ts) posts back. */
export type WorkerAnswer = { readonly loaded: LoadResult } | { readonly error: { readonly code?: ConfigErrorCode; readonly message: string; readonly diagnostics?: LoadResult['diagnostics'] } };

/** The model without what only the checker process reads. */
export function vrrpPartOf(config: KeepalivedConfig): KeepalivedConfig {
  return { ...config, virtual_server: [], virtual_server_group: [] };
}

/**
 * loadConfig(file, opts) on a worker thread, for the VRRP process: its part of the model (frozen,
 * as loadConfig() gives it) and every diagnostic. Rejects as loadConfig() throws: a ConfigError
 * with its code when the file cannot be read.
 *
 * `quiet` resolves when this thread may work for a while without holding back a timer: awaited
 * before the thread is started and before the answer is frozen (and the caller applies it, in
 * the same turn). In perf sched traces of bench/vrrp-reload (31,000 lines) this thread ran 5.5 ms
 * when the reload began and 4.4 ms when the answer came (the worker's start and the apply, by
 * their timing): an advert at 10 ms up to that late when one came due meanwhile.
 */
export async function loadVrrpPartOffThread(file: string, opts: Pick<LoadOptions, 'configId' | 'allConfig'>, quiet: () => Promise<unknown> = async () => undefined): Promise<LoadResult> {
  await quiet();
  const worker = new Worker(new URL('./reload-load-worker.js', import.meta.url), { workerData: { file, opts } });
  const m = await answerOf(worker);
  await quiet();
  // The thread waits for this, so that its end comes in the gap too (this thread joins it; a
  // 1.7 ms run of this thread just after the answer was that, by its timing).
  void worker.terminate();
  if ('error' in m) throw m.error.code ? new ConfigError(m.error.code, m.error.message, m.error.diagnostics) : new Error(m.error.message);
  return { config: deepFreeze(m.loaded.config), diagnostics: m.loaded.diagnostics };
}

function answerOf(worker: Worker): Promise<WorkerAnswer> {
  return new Promise<WorkerAnswer>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: WorkerAnswer) => {
      settled = true;
      resolve(m);
    });
    worker.once('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`configuration reader thread exited with code ${code}`));
      settled = true;
    });
  });
}
