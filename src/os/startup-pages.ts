/**
 * Gives back what only start-up used: the Node binary's pages, the C heap's free memory and (but
 * in the VRRP process) the JavaScript heap's start-up garbage.
 *
 * A Node process maps its 99 MB binary and, by the time it is running, has about 38 MB of it
 * resident: module loading, the first compilations and the kernel's fault-around (a page fault
 * on a file maps its 64 kB neighbourhood) touch code and data a daemon never runs again. Each of
 * our processes (parent, VRRP child, checker child) carries its own 38 MB in RSS, where
 * Keepalived's whole resident set is 13 MB.
 *
 * Once a process has started (and after each reload), madvise(MADV_DONTNEED) on the binary's
 * read-only mappings drops those page-table entries: the pages stay in the page cache, and what
 * the process still runs is mapped back at its next use (a minor fault, no disk read). Measured in
 * a Node process holding the daemon's modules: the binary's resident share 38 MB -> 6 MB at once,
 * 13 MB after 3 s of light work; a 100-instance VRRP child holds 16 MB of it 10 s later.
 *
 * Only mappings that can never have been written are given back: read-only (r--p, r-xp) and with
 * no anonymous (copied-on-write) page. A RELRO region has been written by the dynamic linker
 * before it was made read-only; dropping it would revert relocated pointers to the file's and
 * crash the process (seen once while measuring). Mappings of other files are left alone.
 *
 * malloc_trim(0) returns the C heap's free pages; a compacting full collection returns the old
 * generation's half-empty pages (12 -> 8.7 MB in a 100-instance VRRP child). The collection stops
 * the main thread (compacting 33-67 ms, plain 14-21 ms in that child), so the VRRP process
 * compacts only in a gap between its timers, collects without compacting when it finds none, and
 * skips it below 100 ms adverts (vrrp-child.ts); the parent and the checker have no such deadline.
 */
import koffi from 'koffi';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const MADV_DONTNEED = 4;

let madvise: ((addr: bigint, len: number, advice: number) => number) | undefined;
let mallocTrim: ((pad: number) => number) | undefined;

/** One mapping of /proc/self/smaps that may be dropped. */
export interface Droppable {
  readonly start: bigint;
  readonly end: bigint;
  readonly rssKb: number;
}

/**
 * The mappings of `file` in an smaps text that are read-only, private and hold no anonymous
 * page. Pure, for tests.
 */
export function droppableMappings(smaps: string, file: string): Droppable[] {
  const out: Droppable[] = [];
  let cur: { start: bigint; end: bigint; rssKb: number } | undefined;
  for (const line of smaps.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (head) {
      const [, from, to, perms, name] = head;
      cur = name === file && (perms === 'r--p' || perms === 'r-xp') ? { start: BigInt(`0x${from}`), end: BigInt(`0x${to}`), rssKb: 0 } : undefined;
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('Rss:')) cur.rssKb = Number(line.split(/\s+/)[1]);
    else if (line.startsWith('Anonymous:')) {
      if (Number(line.split(/\s+/)[1]) === 0 && cur.rssKb > 0) out.push(cur);
      cur = undefined;
    }
  }
  return out;
}

export interface DropOptions {
  /** A full collection first: start-up's garbage and, compacting, the half-empty pages it leaves. */
  readonly collect: boolean;
  /**
   * µs until the process's next timer that must not be late (the VRRP clock's). Given, the
   * collection compacts only inside a gap of COMPACT_QUIET_US, and without compacting otherwise:
   * a compacting collection of a 100-instance VRRP child stopped it for 33-67 ms, a plain one for
   * 14-21 ms (--trace-gc, three starts each, 2 cores).
   */
  readonly quietUs?: () => number | undefined;
}

/** The gap a compacting collection is started in: longer than the longest one measured (67 ms) and the trim after it (~3 ms). */
export const COMPACT_QUIET_US = 80_000;

/**
 * The gap the drop without a collection waits for (within a second): 2 s after a reload the VRRP
 * child's thread ran 3.2-3.7 ms (perf sched, bench/vrrp-reload at advert_int 0.01: the drop, by
 * its timing), once ending 0.8 ms before an advert was due.
 */
export const DROP_QUIET_US = 5000;

/**
 * Resolves true as soon as `quietUs()` says the next timer is `needUs` or more away (or none is
 * pending), checking every `pollMs`; false when no such gap came within `withinMs`.
 */
export function waitForQuiet(quietUs: () => number | undefined, needUs: number, withinMs: number, pollMs = 1): Promise<boolean> {
  const end = Date.now() + withinMs;
  return new Promise((resolve) => {
    const look = () => {
      const q = quietUs();
      if (q === undefined || q >= needUs) return resolve(true);
      if (Date.now() >= end) return resolve(false);
      setTimeout(look, pollMs).unref();
    };
    look();
  });
}

/** Drops this process's start-up pages of the Node binary; returns the kB it unmapped. */
export function dropStartupPages(o: DropOptions = { collect: true }): number {
  let smaps: string;
  try {
    smaps = fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return 0;
  }
  return dropWith(smaps, o);
}

async function dropCollecting(smaps: string, o: DropOptions): Promise<number> {
  // Checked just before the collection, in the same turn of the loop: no timer runs in between.
  const compact = o.quietUs ? await waitForQuiet(o.quietUs, COMPACT_QUIET_US, 1000) : true;
  collectGarbage(compact);
  return dropWith(smaps, { collect: false });
}

function dropWith(smaps: string, o: DropOptions): number {
  if (o.collect) collectGarbage(true);
  const libc = koffi.load('libc.so.6');
  madvise ??= libc.func('int madvise(uintptr_t addr, size_t len, int advice)') as unknown as typeof madvise;
  mallocTrim ??= libc.func('int malloc_trim(size_t pad)') as unknown as typeof mallocTrim;
  // What start-up freed in the C heap (parsing buffers, the first sockets' setup) goes back too.
  mallocTrim!(0);
  let kb = 0;
  for (const m of droppableMappings(smaps, process.execPath)) {
    if (madvise!(m.start, Number(m.end - m.start), MADV_DONTNEED) === 0) kb += m.rssKb;
  }
  return kb;
}

let pending: NodeJS.Timeout | undefined;

/**
 * dropStartupPages() `delayMs` after the last call (a burst of reloads trims once), while start-up
 * is still winding down: done in steady state, the page faults after it made adverts late (the
 * VRRP process's giveBackStartup() says how much). The smaps text (100 kB, 3-5 ms to read) is read
 * off the main thread; the main thread then spends about 3 ms in madvise and malloc_trim, plus
 * the collection when asked for. A failure here only leaves the pages where they are.
 */
export function dropStartupPagesSoon(o: DropOptions = { collect: true }, delayMs = 2000): void {
  if (pending) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = undefined;
    fs.promises
      .readFile('/proc/self/smaps', 'utf8')
      .then(async (smaps) => {
        if (o.collect) return dropCollecting(smaps, o);
        if (o.quietUs) await waitForQuiet(o.quietUs, DROP_QUIET_US, 1000);
        return dropWith(smaps, o);
      })
      .catch(() => undefined);
  }, delayMs);
  pending.unref();
}

let gc: (() => void) | undefined;

/**
 * One full collection: start-up's garbage (the configuration's syntax tree, the first
 * compilations' leftovers) otherwise stays in the old generation until V8 next needs room, and
 * its pages with it. The function is V8's own (--expose-gc), taken without exposing it to the
 * daemon's global scope.
 */
function collectGarbage(compact: boolean): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  if (!compact) return gc();
  // Compacting: live objects move off half-empty pages, which V8 then frees (12 -> 8.7 MB of old
  // generation in a 100-instance VRRP child); V8's own heuristics rarely compact so small a heap.
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
