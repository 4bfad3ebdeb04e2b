/**
 * track_file (Keepalived core/track_file.c): the number in a file, read at start and again
 * whenever the file is written, moved in, moved away or deleted. A missing or empty file reads
 * as 0; text that is not a number reads as 0 (strtol); a number outside the int32 range is
 * ignored (the previous value stays). Keepalived watches the directory with inotify for
 * IN_CLOSE_WRITE | IN_DELETE | IN_MOVE; fs.watch on the directory sees writes as they happen,
 * so events are coalesced for `settleMs` and the file re-read once, to not read a file between
 * its truncation and its new contents. If the directory cannot be watched, the file is polled.
 *
 * init_file writes the initial value at start if the file is missing, or always with
 * `overwrite` - never on reload.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrackFile } from '../../config/sections/vrrp-track.js';
import type { Logger } from '../../base/log.js';
import { replaceFileSync } from '../../base/replace-file.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX_PLUS_1 = 2 ** 31;

/**
 * strtol(text, NULL, 0): leading blanks, a sign, then hex (0x), octal (leading 0) or decimal
 * digits as far as they go; no digits is 0. 'invalid' when out of Keepalived's accepted range.
 */
export function parseTrackValue(text: string): number | 'invalid' {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text)!;
  const digits = m[2];
  if (digits === undefined) return 0;
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.startsWith('0')) v = digits.length > 1 ? parseInt(digits.slice(1), 8) : 0;
  else v = Number(digits);
  if (m[1] === '-') v = -v;
  return v < INT32_MIN || v > INT32_MAX_PLUS_1 ? 'invalid' : v;
}

/** What the file says now: its value, 0 when it is missing, 'invalid' to keep the last one. */
export function readTrackValue(file: string): number | 'invalid' {
  let text: string;
  try {
    // Keepalived reads at most 127 bytes.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(127);
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      text = buf.subarray(0, n).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
  return parseTrackValue(text);
}

/** init_file: writes "VALUE\n" if the file is missing, or always with overwrite. */
export function initTrackFile(tf: TrackFile, log: Logger): void {
  if (!tf.init_file) return;
  let exists: fs.Stats | undefined;
  try {
    exists = fs.statSync(tf.file);
  } catch {
    exists = undefined;
  }
  if (exists && !tf.init_file.overwrite) return;
  if (exists && !exists.isFile()) {
    log.error(`Cannot initialise track file ${tf.name} - it is not a regular file`);
    return;
  }
  try {
    // A new file renamed over the old one: a symlink planted at the name is replaced, not written through.
    replaceFileSync(tf.file, `${tf.init_file.value}\n`);
  } catch {
    log.error(`Unable to initialise track file ${tf.name}`);
  }
}

export interface FileTrackerDeps {
  readonly log: Logger;
  /** Called at start with each file's value, then on every change. */
  readonly onChange: (name: string, value: number) => void;
  /** Coalescing delay after a change event, ms (default 20). */
  readonly settleMs?: number;
  /** Poll interval when a directory cannot be watched, ms (default 1000). */
  readonly pollMs?: number;
}

interface Tracked {
  readonly tf: TrackFile;
  readonly dir: string;
  readonly base: string;
  value: number;
}

export class FileTracker {
  private readonly tracked: Tracked[] = [];
  private readonly watchers: Array<{ close(): void }> = [];
  private readonly timers = new Map<Tracked, NodeJS.Timeout>();
  private poll: NodeJS.Timeout | undefined;
  private pollSet: Set<Tracked> | undefined;
  private stopped = false;

  constructor(
    files: readonly TrackFile[],
    private readonly deps: FileTrackerDeps,
  ) {
    for (const tf of files) {
      const abs = path.resolve(tf.file);
      this.tracked.push({ tf, dir: path.dirname(abs), base: path.basename(abs), value: 0 });
    }
  }

  /**
   * Writes init_file values (unless `reload`), reads every file, reports it, and starts watching.
   * A file whose directory does not exist is dropped with Keepalived's message.
   */
  start(opts: { reload?: boolean } = {}): void {
    const { log } = this.deps;
    const live: Tracked[] = [];
    for (const t of this.tracked) {
      if (!fs.existsSync(t.dir) || !fs.statSync(t.dir).isDirectory()) {
        log.error(`Track file directory for ${t.tf.name} does not exist - removing`);
        continue;
      }
      if (!opts.reload) initTrackFile(t.tf, log);
      const v = readTrackValue(path.join(t.dir, t.base));
      t.value = v === 'invalid' ? 0 : v;
      live.push(t);
    }
    this.tracked.splice(0, this.tracked.length, ...live);
    const polled: Tracked[] = [];
    for (const dir of new Set(live.map((t) => t.dir))) {
      const inDir = live.filter((t) => t.dir === dir);
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, filename) => {
          for (const t of inDir) if (filename === null || filename === t.base) this.changed(t);
        });
        w.on('error', (e) => {
          log.error(`track_file: watching ${dir} failed (${e.message}) - polling`);
          this.startPolling(inDir);
        });
        this.watchers.push(w);
      } catch (e) {
        log.error(`Unable to monitor track files in ${dir} (${(e as Error).message}) - polling`);
        polled.push(...inDir);
      }
    }
    if (polled.length > 0) this.startPolling(polled);
    for (const t of live) this.deps.onChange(t.tf.name, t.value);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  values(): ReadonlyMap<string, number> {
    return new Map(this.tracked.map((t) => [t.tf.name, t.value]));
  }

  /** Re-reads one file now (also what the watcher ends in). */
  reread(name: string): void {
    for (const t of this.tracked) if (t.tf.name === name) this.readNow(t);
  }

  private changed(t: Tracked): void {
    if (this.stopped || this.timers.has(t)) return;
    const timer = setTimeout(() => {
      this.timers.delete(t);
      this.readNow(t);
    }, this.deps.settleMs ?? 20);
    timer.unref();
    this.timers.set(t, timer);
  }

  private readNow(t: Tracked): void {
    if (this.stopped) return;
    const file = path.join(t.dir, t.base);
    const v = readTrackValue(file);
    if (v === 'invalid') {
      this.deps.log.info(`Invalid number read from ${file} - ignoring`);
      return;
    }
    if (v === t.value) return;
    t.value = v;
    this.deps.onChange(t.tf.name, v);
  }

  private startPolling(more: readonly Tracked[]): void {
    const set = new Set([...(this.pollSet ?? []), ...more]);
    this.pollSet = set;
    if (this.poll) return;
    this.poll = setInterval(() => {
      for (const t of this.pollSet ?? []) this.readNow(t);
    }, this.deps.pollMs ?? 1000);
    this.poll.unref();
  }
}
