/**
 * FILE_CHECK (Keepalived check_file.c, trackers/track_file.c update_track_file_status() and
 * process_update_checker_track_file_status()): the real server follows the number in a track_file.
 *
 * - weight 0: any non-zero number takes the server down; with `reverse`, zero does.
 * - weight W: the number times W (negated by `reverse`), clamped to int32 (weight_range()), is
 *   added to the server's weight; only a product at or below IPVS_WEIGHT_FAULT (INT32_MIN) takes
 *   it down.
 * - The FILE_CHECK's own weight, when not written, is the track_file's (resolved in the model).
 *
 * Reading and watching the file (missing or empty file is 0, strtol rules, an out-of-range number
 * keeps the last value) is the same as VRRP's track_file and is injected: the daemon passes
 * src/daemon/check/file-watch.ts, built on src/daemon/track/file-tracker.ts.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { FileCheck } from '../config/sections/checkers/file.js';
import type { ProbeResult, Watch } from './types.js';

type TrackFileModel = KeepalivedConfig['track_file'][number];

/** IPVS_WEIGHT_FAULT (include/ip_vs.h): INT32_MIN. */
export const IPVS_WEIGHT_FAULT = -2147483648;
const INT32_MAX = 2147483647;

/** weight_range(): int64 to int32 by clamping. */
function weightRange(v: number): number {
  return Math.min(INT32_MAX, Math.max(IPVS_WEIGHT_FAULT, v));
}

export function fileVerdict(value: number, weight: number, reverse: boolean): ProbeResult {
  if (weight === 0) {
    const down = reverse ? value === 0 : value !== 0;
    return down ? { ok: false, reason: `track file value ${value} - FAULT` } : { ok: true, reason: `track file value ${value}` };
  }
  const status = weightRange(value * weight * (reverse ? -1 : 1));
  if (status === IPVS_WEIGHT_FAULT) return { ok: false, reason: `track file value ${value} x weight ${reverse ? -weight : weight} - FAULT` };
  return { ok: true, reason: `track file value ${value} x weight ${reverse ? -weight : weight}`, weightDelta: status };
}

/** Watches a track_file: calls `onValue` with its value at once and on every change. */
export type WatchFile = (tf: TrackFileModel, onValue: (value: number) => void) => { stop(): void };

/** undefined when the track_file does not exist (the model reports that). */
export function fileWatch(c: FileCheck, config: KeepalivedConfig, watchFile: WatchFile): Watch | undefined {
  const tf = config.track_file.find((t) => t.name === c.track_file);
  if (!tf) return undefined;
  let handle: { stop(): void } | undefined;
  return {
    start(onResult) {
      handle?.stop();
      handle = watchFile(tf, (v) => onResult(fileVerdict(v, c.weight, c.reverse)));
    },
    stop() {
      handle?.stop();
      handle = undefined;
    },
  };
}
