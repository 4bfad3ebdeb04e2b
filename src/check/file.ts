/**
 * FILE_CHECK (Keepalived check_file.c): the real server follows the number in a track_file. With
 * a weight, the number times the weight (negated by `reverse`) is added to the server's weight,
 * and only a product at or below IPVS_WEIGHT_FAULT takes it down; with weight 0 any non-zero
 * number takes it down (with `reverse`, zero does). The watching itself is injected.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { ProbeResult, Watch } from './types.js';

type FileCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'FILE_CHECK' }>;
type TrackFileModel = KeepalivedConfig['track_file'][number];

/** IPVS_WEIGHT_FAULT (include/ip_vs.h): -INT_MAX - 1. */
const IPVS_WEIGHT_FAULT = -2147483648;

export function fileVerdict(value: number, weight: number, reverse: boolean): ProbeResult {
  if (weight === 0) {
    const down = reverse ? value === 0 : value !== 0;
    return { ok: !down, reason: `track file value ${value}` };
  }
  const product = value * weight * (reverse ? -1 : 1);
  if (product <= IPVS_WEIGHT_FAULT) return { ok: false, reason: `track file value ${value} faults the server` };
  return { ok: true, reason: `track file value ${value}`, weightDelta: product };
}

/** Watches a track_file: calls `onValue` with its value at once and on every change. */
export type WatchFile = (tf: TrackFileModel, onValue: (value: number) => void) => { stop(): void };

export function fileWatch(c: FileCheckModel, config: KeepalivedConfig, watchFile: WatchFile): Watch | undefined {
  const tf = config.track_file.find((t) => t.name === c.track_file);
  if (!tf) return undefined;
  let handle: { stop(): void } | undefined;
  return {
    start(onResult) {
      handle = watchFile(tf, (v) => onResult(fileVerdict(v, c.weight, c.reverse)));
    },
    stop() {
      handle?.stop();
    },
  };
}
