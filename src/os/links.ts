/**
 * Network links as iproute2 shows them: list() is one `ip -j addr show` (flags, operstate, MAC
 * and addresses in one dump); watch() listens to the kernel's link and address notifications on
 * a netlink socket (link-events.ts), as Keepalived's netlink reader does, rather than through an
 * `ip monitor` child: a process fewer, and events straight from the kernel. For each link they
 * name it re-reads that link (`ip -j addr show dev X`) after a short debounce, so a burst of
 * messages (a link going up brings flag, operstate and IPv6 address events) is one callback
 * carrying the state as it is now rather than a replay of each message.
 *
 * Ordering: each read is numbered when it starts and a result older than one already reported
 * for that link is dropped, so a slow read can never report a state older than a faster one.
 *
 * Every subscription is followed by a full re-read, which also covers changes made before it was
 * listening (between the caller's list() and watch()); so is every loss of events (the kernel
 * dropped some, or an address message names a link we cannot name). A socket that fails is
 * reported and reopened with back-off. A link that disappears is reported down with no
 * addresses, as Keepalived treats a deleted interface.
 */
import { openLinkEvents, type LinkEvent, type LinkEvents } from './link-events.js';
import { parseAddrShow, runIp, type IpOptions } from './ip-command.js';
import type { LinkInfo, Links } from './types.js';

export interface LinksOptions extends IpOptions {
  /** Quiet time after the last message about a link before it is re-read. Default 20 ms. */
  readonly debounceMs?: number;
  /** Reopening delays of a failed netlink socket: doubled from `min` up to `max`. Default 100..5000 ms. */
  readonly restartMs?: { readonly min: number; readonly max: number };
  /** SO_RCVBUF of the netlink socket; the system default when absent. */
  readonly netlinkRcvbufBytes?: number;
  /** Socket failures, lost events and failed reads; default: a process warning. */
  readonly onError?: (e: Error) => void;
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
  private events: LinkEvents | undefined;
  private closed = false;
  private readonly debounceMs: number;
  private readonly restart: { readonly min: number; readonly max: number };
  private backoff: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Links waiting out their debounce, with the name to read them by. */
  private readonly pending = new Map<number, { timer: NodeJS.Timeout; name: string }>();
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
    clearTimeout(this.resyncTimer);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.events?.close();
    this.events = undefined;
  }

  private start(): void {
    if (this.closed) return;
    const openedAt = Date.now();
    try {
      this.events = openLinkEvents({
        ...(this.o.netns !== undefined && { netns: this.o.netns }),
        ...(this.o.netlinkRcvbufBytes !== undefined && { rcvbufBytes: this.o.netlinkRcvbufBytes }),
        onEvent: (e) => this.event(e),
        onLost: (why) => {
          this.onError(new Error(`${why}; re-reading every link`));
          this.scheduleResync();
        },
        onError: (e) => {
          this.events = undefined;
          // A socket that served for a while failed of something new: reopen from a short delay.
          if (Date.now() - openedAt > 10_000) this.backoff = this.restart.min;
          this.retry(`link events socket failed: ${e.message}`);
        },
      });
    } catch (e) {
      this.retry(`link events socket could not open: ${(e as Error).message}`);
      return;
    }
    void this.resync();
  }

  private retry(why: string): void {
    if (this.closed) return;
    this.onError(new Error(`${why}; reopening in ${this.backoff} ms`));
    this.restartTimer = setTimeout(() => this.start(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.restart.max);
  }

  private event(e: LinkEvent): void {
    // Address messages carry no name (an IPv4 label may be an alias, not the link): the name is
    // the one a pending read or the last report used; a link we cannot name yet is found by a
    // full re-read.
    const name = (e.kind === 'link' ? e.name : undefined) ?? this.pending.get(e.index)?.name ?? this.last.get(e.index)?.name;
    if (name === undefined) this.scheduleResync();
    else this.schedule(e.index, name);
  }

  private scheduleResync(): void {
    if (this.closed || this.resyncTimer !== undefined) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      void this.resync();
    }, this.debounceMs);
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
    clearTimeout(this.pending.get(index)?.timer);
    const timer = setTimeout(() => {
      this.pending.delete(index);
      void this.refresh(index, name);
    }, this.debounceMs);
    this.pending.set(index, { timer, name });
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
