/**
 * Processes a test runs in lab hosts and talks to: their output as lines to wait on (Lines), a
 * stop by their own PID (stop), and Peer, a helper process driven by JSON lines (the VRRP-socket
 * and announce tests run test/netns/fixtures/vrrp-peer.js as one). Each is started with
 * Lab.spawn(), so Lab.destroy() kills what a failed test leaves running.
 */
import type { VrrpPacket } from '../os/types.js';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from './lab.js';

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export function stop(p: ChildProcess, graceMs = 2000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Lines a process writes to `stream`, with a way to wait for the first one that matches. */
export class Lines {
  readonly all: string[] = [];
  private waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];

  constructor(stream: NodeJS.ReadableStream) {
    createInterface({ input: stream }).on('line', (l) => {
      this.all.push(l);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(l)) return true;
        w.resolve(l);
        return false;
      });
    });
  }

  /** The first line from index `from` (already seen or to come) for which `test` holds. */
  wait(test: (l: string) => boolean, timeoutMs: number, what: string, from = 0): Promise<string> {
    const seen = this.all.slice(from).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw:\n${this.all.slice(-20).join('\n')}`));
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(t);
        resolve(l);
      };
      this.waiters.push({ test, resolve: done });
    });
  }
}

/** A packet a peer reported receiving: what a VRRP socket hands over, and when (ns). */
export type PacketEvent = Omit<VrrpPacket, 'ahDatagram'> & { readonly t: bigint };

/**
 * A Node script (`script --serve`) in a host, taking one JSON command a line on stdin and
 * answering with JSON events on stdout ({"event": "ready"} first; "failed" for a refused
 * command, "packet" and "error" as they come).
 */
export class Peer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly out: Lines,
    readonly err: Lines,
  ) {}

  static async start(lab: Lab, host: string, script: string): Promise<Peer> {
    const p = lab.spawn(host, process.execPath, [script, '--serve']);
    const peer = new Peer(p, new Lines(p.stdout!), new Lines(p.stderr!));
    await peer.event('ready', 10_000);
    return peer;
  }

  /** Sends a command and resolves with its reply event; a `failed` reply rejects. */
  async request(command: object, reply: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const from = this.out.all.length;
    this.proc.stdin!.write(`${JSON.stringify(command)}\n`);
    return this.event(reply, timeoutMs, from, true);
  }

  private async event(name: string, timeoutMs: number, from = 0, orFailed = false): Promise<Record<string, unknown>> {
    const line = await this.out.wait((l) => {
      const e = parse(l)?.event;
      return e === name || (orFailed && e === 'failed');
    }, timeoutMs, `event '${name}'${this.err.all.length ? ` (stderr: ${this.err.all.join(' ')})` : ''}`, from);
    const o = parse(line)!;
    if (o.event === 'failed') throw new Error(`peer: ${String(o.message)}`);
    return o;
  }

  /** Every packet received so far. */
  packets(): PacketEvent[] {
    return this.out.all.map(parse).filter((o): o is Record<string, unknown> => o?.event === 'packet').map(toPacket);
  }

  /** The first packet (seen or to come) that matches. */
  async packet(test: (p: PacketEvent) => boolean, timeoutMs = 3000, what = 'a packet'): Promise<PacketEvent> {
    const line = await this.out.wait((l) => {
      const o = parse(l);
      return o?.event === 'packet' && test(toPacket(o));
    }, timeoutMs, what);
    return toPacket(parse(line)!);
  }

  errors(): string[] {
    return this.out.all.map(parse).filter((o) => o?.event === 'error').map((o) => String(o!.message));
  }
}

function parse(l: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(l) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function toPacket(o: Record<string, unknown>): PacketEvent {
  return {
    t: BigInt(o.t as string), bytes: Uint8Array.from(Buffer.from(o.hex as string, 'hex')),
    src: o.src as string, dst: o.dst as string, ttl: o.ttl as number, ifindex: o.ifindex as number,
    ...(typeof o.ageUs === 'number' ? { ageUs: o.ageUs } : {}),
  };
}
