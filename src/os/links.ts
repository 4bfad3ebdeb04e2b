/**
 * Network links as iproute2 shows them: list() is one `ip -j addr show` (flags, operstate, MAC
 * and addresses in one dump); watch() keeps one `ip -o monitor link address` child and, for each
 * link it names, re-reads that link (`ip -j addr show dev X`) after a short debounce, so a burst
 * of messages (a link going up brings flag, operstate and IPv6 address events) is one callback
 * carrying the state as it is now rather than a replay of each message.
 *
 * Ordering: each read is numbered when it starts and a result older than one already reported
 * for that link is dropped, so a slow read can never report a state older than a faster one.
 *
 * If the monitor dies it is reported and restarted with back-off; every (re)start is followed by
 * a full re-read, which also covers changes made before the monitor was listening (between the
 * caller's list() and watch()). A link that disappears is reported down with no addresses, as
 * Keepalived treats a deleted interface.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ipArgv, parseAddrShow, runIp, type IpOptions } from './ip-command.js';
import type { LinkInfo, Links } from './types.js';

export interface LinksOptions extends IpOptions {
  /** Quiet time after the last message about a link before it is re-read. Default 20 ms. */
  readonly debounceMs?: number;
  /** Restart delays of a dead monitor: doubled from `min` up to `max`. Default 100..5000 ms. */
  readonly restartMs?: { readonly min: number; readonly max: number };
  /** Monitor deaths and failed reads; default: a process warning. */
  readonly onError?: (e: Error) => void;
}

/** `N: name...` or `Deleted N: name...` (link and address lines of `ip -o monitor`). */
const MONITOR_LINE = /^(?:\[[A-Z]+\]\s*)?(?:Deleted\s+)?(\d+):\s+([^\s:@]+)/;

export function parseMonitorLine(line: string): { index: number; name: string } | undefined {
  const m = MONITOR_LINE.exec(line);
  return m ? { index: Number(m[1]), name: m[2]! } : undefined;
}

export function linuxLinks(o: LinksOptions = {}): Links {
  const list = async (): Promise<LinkInfo[]> => {
    const res = await runIp(o, ['-j', 'addr', 'show']);
    if (res.code !== 0) throw new Error(`ip -j addr show failed: ${res.stderr.trim()}`);
    return parseAddrShow(res.stdout);
  };
  return { list, watch: (onChange) => new Watcher(o, list, onChange) };
}

const gone = (name: string, index: number, before: LinkInfo | undefined): LinkInfo => ({
  name,
  index,
  up: false,
  mac: before?.mac ?? '',
  ipv4: [],
  ipv6: [],
});

class Watcher {
  private child: ChildProcess | undefined;
  private closed = false;
  private readonly debounceMs: number;
  private readonly restart: { readonly min: number; readonly max: number };
  private backoff: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, NodeJS.Timeout>();
  /** Read sequence: the number of the newest read reported per link index. */
  private seq = 0;
  private readonly reportedSeq = new Map<number, number>();
  private readonly last = new Map<number, LinkInfo>();
  private readonly onError: (e: Error) => void;

  constructor(
    private readonly o: LinksOptions,
    private readonly list: () => Promise<LinkInfo[]>,
    private readonly onChange: (l: LinkInfo) => void,
  ) {
    this.debounceMs = o.debounceMs ?? 20;
    this.restart = o.restartMs ?? { min: 100, max: 5000 };
    this.backoff = this.restart.min;
    this.onError = o.onError ?? ((e) => process.emitWarning(e));
    this.start();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    // Only our own child, by its PID.
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    this.child = undefined;
  }

  private start(): void {
    const [cmd, argv] = ipArgv(this.o, ['-o', 'monitor', 'link', 'address']);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-500)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const hit = parseMonitorLine(line);
      if (hit) this.schedule(hit.index, hit.name);
    });
    child.on('error', (e) => this.onError(new Error(`ip monitor could not start: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (this.closed || this.child !== child) return;
      // A monitor that ran for a while died of something new: start again from a short delay.
      if (Date.now() - startedAt > 10_000) this.backoff = this.restart.min;
      const why = signal ? `signal ${signal}` : `exit ${code}`;
      this.onError(new Error(`ip monitor (pid ${child.pid}) ended (${why})${stderr ? `: ${stderr.trim()}` : ''}; restarting in ${this.backoff} ms`));
      this.restartTimer = setTimeout(() => this.start(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.restart.max);
    });
    void this.resync();
  }

  /** Re-reads every link; reports what changed and what disappeared since the last report. */
  private async resync(): Promise<void> {
    const seq = ++this.seq;
    let links: LinkInfo[];
    try {
      links = await this.list();
    } catch (e) {
      this.onError(e as Error);
      return;
    }
    const seen = new Set<number>();
    for (const l of links) {
      seen.add(l.index);
      this.report(l.index, seq, l);
    }
    for (const [index, before] of this.last) if (!seen.has(index)) this.report(index, seq, gone(before.name, index, before));
  }

  private schedule(index: number, name: string): void {
    if (this.closed) return;
    clearTimeout(this.pending.get(index));
    this.pending.set(
      index,
      setTimeout(() => {
        this.pending.delete(index);
        void this.refresh(index, name);
      }, this.debounceMs),
    );
  }

  private async refresh(index: number, name: string): Promise<void> {
    const seq = ++this.seq;
    let res;
    try {
      res = await runIp(this.o, ['-j', 'addr', 'show', 'dev', name]);
    } catch (e) {
      this.onError(e as Error);
      return;
    }
    if (res.code !== 0) {
      if (/does not exist|Cannot find device/i.test(res.stderr)) this.report(index, seq, gone(name, index, this.last.get(index)));
      else this.onError(new Error(`ip -j addr show dev ${name} failed: ${res.stderr.trim()}`));
      return;
    }
    const now = parseAddrShow(res.stdout)[0];
    if (!now) return;
    // The name now belongs to another link: the one we were told about is gone (or renamed,
    // in which case its own message, under its new name, follows).
    if (now.index !== index) this.report(index, seq, gone(name, index, this.last.get(index)));
    this.report(now.index, seq, now);
  }

  private report(index: number, seq: number, l: LinkInfo): void {
    if (this.closed || seq < (this.reportedSeq.get(index) ?? 0)) return;
    this.reportedSeq.set(index, seq);
    const before = this.last.get(index);
    if (before && same(before, l)) return;
    this.last.set(index, l);
    this.onChange(l);
  }
}

function same(a: LinkInfo, b: LinkInfo): boolean {
  return (
    a.name === b.name &&
    a.up === b.up &&
    a.mac === b.mac &&
    a.ipv4.length === b.ipv4.length &&
    a.ipv4.every((x, i) => x === b.ipv4[i]) &&
    a.ipv6.length === b.ipv6.length &&
    a.ipv6.every((x, i) => x === b.ipv6[i])
  );
}
