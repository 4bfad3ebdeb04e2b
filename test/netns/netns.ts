/**
 * Throw-away network namespaces for tests that need real packets: a bridge in its own namespace
 * and hosts wired to it by veth pairs, addressed in 10.0.0.0/8 and fd00::/8 only. Every namespace
 * is named `kts<pid>x<counter>...`, so parallel runs never collide, and every namespace and
 * process a Lab made is removed by `cleanup()` (deleting a namespace destroys its veths).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A reason to skip, or false when these tests can run (they need root for namespaces). */
export const skipUnlessRoot: string | false =
  process.getuid?.() === 0 ? false : 'needs root for raw sockets and network namespaces (CI runs as root)';

export function hasTcpdump(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let counter = 0;

export interface Host {
  readonly ns: string;
  /** The host's end of its veth pair, inside its namespace. */
  readonly ifname: string;
  readonly ifindex: number;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly linkLocal: string;
  readonly mac: string;
}

export class Lab {
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ChildProcess>();
  private readonly id = `kts${process.pid}x${counter++}`;
  private bridgeNs: string | undefined;
  private hosts = 0;

  /** `ip netns exec ns cmd...`, returning stdout; throws with stderr on failure. */
  run(ns: string, cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private namespace(suffix: string): string {
    const ns = `${this.id}${suffix}`;
    execFileSync('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.run(ns, 'ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /**
   * A new host on the lab's bridge: `10.9.0.<n>/24` and `fd00::<n>/64` on `eth0`, DAD off so
   * IPv6 addresses are usable at once.
   */
  host(): Host {
    if (!this.bridgeNs) {
      this.bridgeNs = this.namespace('br');
      // Snooping off: the bridge floods every group, as a plain switch without a querier would.
      this.run(this.bridgeNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0', 'stp_state', '0');
      this.run(this.bridgeNs, 'ip', 'link', 'set', 'br0', 'up');
    }
    const n = ++this.hosts;
    const ns = this.namespace(`h${n}`);
    for (const k of ['all', 'default']) {
      this.run(ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.accept_dad=0`);
      this.run(ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.dad_transmits=0`);
    }
    const port = `p${n}`;
    this.run(this.bridgeNs, 'ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    this.run(this.bridgeNs, 'ip', 'link', 'set', port, 'master', 'br0', 'up');
    const ipv4 = `10.9.0.${n}`;
    const ipv6 = `fd00::${n}`;
    this.run(ns, 'ip', 'addr', 'add', `${ipv4}/24`, 'dev', 'eth0');
    this.run(ns, 'ip', '-6', 'addr', 'add', `${ipv6}/64`, 'dev', 'eth0', 'nodad');
    this.run(ns, 'ip', 'link', 'set', 'eth0', 'up');
    const info = JSON.parse(this.run(ns, 'ip', '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{
      ifindex: number;
      address: string;
      addr_info: Array<{ family: string; local: string; scope: string }>;
    }>;
    const link = info[0]!;
    const linkLocal = link.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link')?.local;
    if (!linkLocal) throw new Error(`no IPv6 link-local address on eth0 in ${ns}`);
    return { ns, ifname: 'eth0', ifindex: link.ifindex, ipv4, ipv6, linkLocal, mac: link.address };
  }

  /** A process in `ns` that the Lab kills (by its PID) at cleanup if it is still running. */
  spawn(ns: string, cmd: string, args: readonly string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.procs.add(p);
    p.on('exit', () => this.procs.delete(p));
    return p;
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.procs].map((p) => stop(p)));
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Already gone; keep removing the others.
      }
    }
  }
}

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

/** Compiled fixtures live beside the compiled tests. */
export function fixture(name: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', `${name}.js`);
}

export interface PacketEvent {
  readonly t: bigint;
  readonly bytes: Uint8Array;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly ifindex: number;
  /** The socket's receive timestamp, as the age of the packet when read (µs). */
  readonly ageUs?: number;
}

/** The vrrp-peer fixture running in a host's namespace, driven by JSON lines. */
export class Peer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly out: Lines,
    readonly err: Lines,
  ) {}

  static async start(lab: Lab, host: Host): Promise<Peer> {
    const p = lab.spawn(host.ns, process.execPath, [fixture('vrrp-peer'), '--serve']);
    const peer = new Peer(p, new Lines(p.stdout!), new Lines(p.stderr!));
    await peer.event('ready', 10_000);
    return peer;
  }

  /** Sends a command and resolves with its reply event; a `failed` reply rejects. */
  async request(command: object, reply: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const from = this.out.all.length;
    this.proc.stdin!.write(`${JSON.stringify(command)}\n`);
    const o = await this.event(reply, timeoutMs, from, true);
    return o;
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
