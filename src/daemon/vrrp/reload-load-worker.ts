/**
 * The worker thread of reload-load.ts: reads the configuration and posts the VRRP process's part
 * of it, or the error loadConfig() threw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../../config/diagnostics.js';
import { loadConfig, type LoadOptions } from '../../config/load.js';
import { vrrpPartOf, type WorkerAnswer } from './reload-load.js';

const { file, opts } = workerData as { file: string; opts: LoadOptions };
let answer: WorkerAnswer;
try {
  // Not frozen here: the copy into the VRRP thread is what it keeps, frozen there.
  const loaded = loadConfig(file, { ...opts, freeze: false });
  answer = { loaded: { config: vrrpPartOf(loaded.config), diagnostics: loaded.diagnostics } };
} catch (e) {
  answer = { error: e instanceof ConfigError ? { code: e.code, message: e.message, diagnostics: e.diagnostics } : { message: (e as Error).message } };
}
parentPort!.postMessage(answer);
// Alive until the VRRP thread ends it (reload-load.ts): when it ends is the VRRP thread's choice.
parentPort!.once('message', () => undefined);
