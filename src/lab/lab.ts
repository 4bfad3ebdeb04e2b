/**
 * A lab of hosts on one Ethernet segment, built from network namespaces: a "switch" namespace
 * holding a bridge, and one namespace per host joined to it by a veth pair. Every namespace test,
 * the benchmarks and the demo build their networks with it (processes they run in the hosts:
 * process.ts). Addresses stay inside 10.0.0.0/8 and fd00::/8.
 *
 * Names are unique per process and lab, so parallel runs do not collide, and destroy() removes
 * everything the lab made, killing only the processes it started.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let labCounter = 0;

export interface LabHost {
  readonly name: string;
  readonly ns: string;
  /** The host's interface on the segment (inside its namespace). */
  readonly ifname: string;
  /** The switch-side end of its veth (in the switch namespace). */
  readonly port: string;
  readonly address: string;
  /** fd00:<net>:<sub>::(i + 1) (or in `prefix6`), with `ipv6: true` only. */
  readonly address6?: string;
  /** eth0's index and MAC address in its namespace, as the lab made it. */
  readonly ifindex: number;
  readonly mac: string;
  /** eth0's IPv6 link-local address, with `ipv6: true` only. */
  readonly linkLocal?: string;
}

export interface LabOptions {
  /** Host names, in order; host i gets 10.<net>.<sub>.(i + 1)/24. */
  readonly hosts: readonly string[];
  /** The /24 to use inside the lab: [second, third] octets of 10.x.y.0/24. Default derived from the pid. */
  readonly subnet?: readonly [number, number];
  /**
   * IPv6 on every host: DAD off (all, default and eth0, so link-local and global addresses are
   * usable at once) and fd00:<net>:<sub>::(i + 1)/64 on eth0 beside the IPv4 address.
   */
  readonly ipv6?: boolean;
  /** The /64 of the hosts' IPv6 addresses, as `fd00::`; default fd00:<net>:<sub>::. */
  readonly prefix6?: string;
  /** Bridge multicast snooping (the kernel's default is on); off, the bridge floods every group as a plain switch without a querier would. */
  readonly multicastSnooping?: boolean;
  /**
   * Ethernet segments (bridges); default 1. Segment k > 0 gives every host an eth<k> on bridge
   * br<k> with 10.<net>.<sub + k>.(i + 1)/24, for instances on two links (sync groups).
   */
  readonly segments?: number;
}

export async function sh(cmd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export class Lab {
  readonly hosts = new Map<string, LabHost>();
  private readonly children = new Set<ChildProcess>();
  /** Every namespace made so far, hosts half set up included, for destroy(). */
  private readonly namespaces: string[] = [];
  private destroyed = false;

  private constructor(
    readonly id: string,
    readonly switchNs: string,
    readonly subnet: readonly [number, number],
    private readonly prefix6: string,
  ) {}

  static async create(opts: LabOptions): Promise<Lab> {
    // Namespace names are unique per process (the whole pid) and lab; interface names inside
    // them are short and fixed (IFNAMSIZ is 16).
    const id = `kt${process.pid}x${labCounter++}`;
    const subnet = opts.subnet ?? [100 + (process.pid % 100), (labCounter * 7) % 250];
    const lab = new Lab(id, `${id}sw`, subnet, opts.prefix6 ?? `fd00:${subnet[0]}:${subnet[1]}::`);
    try {
      const segments = opts.segments ?? 1;
      await lab.addNamespace(lab.switchNs);
      for (let k = 0; k < segments; k++) {
        await sh('ip', '-n', lab.switchNs, 'link', 'add', `br${k}`, 'type', 'bridge', ...(opts.multicastSnooping === false ? ['mcast_snooping', '0'] : []));
        await sh('ip', '-n', lab.switchNs, 'link', 'set', `br${k}`, 'up');
      }
      let i = 0;
      for (const name of opts.hosts) {
        const ns = `${id}${name}`;
        const port = `p${i}`;
        const address = `10.${subnet[0]}.${subnet[1]}.${i + 1}`;
        await lab.addNamespace(ns);
        if (opts.ipv6) {
          for (const k of ['all', 'default']) {
            await sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.accept_dad=0`);
            await sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.dad_transmits=0`);
          }
        }
        for (let k = 0; k < segments; k++) {
          const ifname = `eth${k}`;
          const p = k === 0 ? port : `${port}s${k}`;
          await sh('ip', '-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', p, 'netns', lab.switchNs);
          await sh('ip', '-n', lab.switchNs, 'link', 'set', p, 'master', `br${k}`);
          await sh('ip', '-n', lab.switchNs, 'link', 'set', p, 'up');
          if (opts.ipv6) await sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifname}.accept_dad=0`);
          await sh('ip', '-n', ns, 'addr', 'add', `10.${subnet[0]}.${(subnet[1] + k) % 256}.${i + 1}/24`, 'dev', ifname);
          if (opts.ipv6 && k === 0) await sh('ip', '-n', ns, '-6', 'addr', 'add', `${lab.address6(i + 1)}/64`, 'dev', ifname, 'nodad');
          await sh('ip', '-n', ns, 'link', 'set', ifname, 'up');
        }
        await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
        const eth0 = await linkOf(ns, 'eth0', opts.ipv6 === true);
        lab.hosts.set(name, { name, ns, ifname: 'eth0', port, address, ...(opts.ipv6 ? { address6: lab.address6(i + 1) } : {}), ...eth0 });
        i++;
      }
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async addNamespace(ns: string): Promise<void> {
    await sh('ip', 'netns', 'add', ns);
    this.namespaces.push(ns);
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new RangeError(`no host ${name} in lab ${this.id}`);
    return h;
  }

  /** An address of the lab's subnet that no host has: for VIPs. */
  spareAddress(n = 100): string {
    return `10.${this.subnet[0]}.${this.subnet[1]}.${n}`;
  }

  /** An IPv6 address of the lab's fd00::/64 (hosts have ::1, ::2...; VIPs take others). */
  address6(n: number): string {
    return `${this.prefix6}${n.toString(16)}`;
  }

  /** An address of segment k's /24 (segment 0 is the one spareAddress() is on). */
  segmentAddress(k: number, n: number): string {
    return `10.${this.subnet[0]}.${(this.subnet[1] + k) % 256}.${n}`;
  }

  /** The host's IPv6 link-local address on `ifname`. */
  async linkLocal(host: string, ifname = 'eth0'): Promise<string> {
    // Filtered out addresses leave empty objects in iproute2's JSON: look for the scope.
    const out = JSON.parse(await sh('ip', '-n', this.host(host).ns, '-j', '-6', 'addr', 'show', 'dev', ifname)) as Array<{ addr_info: Array<{ local?: string; scope?: string }> }>;
    const a = out[0]?.addr_info.find((x) => x.scope === 'link')?.local;
    if (!a) throw new Error(`no link-local address on ${ifname} in ${host}`);
    return a;
  }

  async exec(host: string, cmd: string, ...args: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', this.host(host).ns, cmd, ...args);
  }

  /**
   * exec() without yielding: nothing else in this process runs (no callback, no timer) until
   * the command is done, so a test can watch for what it changed without missing an early event.
   */
  execSync(host: string, cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.host(host).ns, cmd, ...args], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024,
    });
  }

  /** Starts a long-running process in a host; destroy() kills it if it is still running. */
  spawn(host: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(host).ns, cmd, ...args], { stdio: 'pipe', ...opts });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Unplugs (or plugs back) a host's cable: its switch port goes down, so its link loses carrier. */
  async cable(host: string, up: boolean, segment = 0): Promise<void> {
    const port = this.host(host).port + (segment === 0 ? '' : `s${segment}`);
    await sh('ip', '-n', this.switchNs, 'link', 'set', port, up ? 'up' : 'down');
  }

  async addresses(host: string, ifname = 'eth0'): Promise<string[]> {
    const out = JSON.parse(await sh('ip', '-n', this.host(host).ns, '-j', 'addr', 'show', 'dev', ifname)) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    return out.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    // Gone before their namespaces are: a namespace with a process left in it (and its veths)
    // outlives `ip netns del`.
    await Promise.all([...this.children].map((c) => killed(c)));
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        await sh('ip', 'netns', 'del', ns);
      } catch {
        /* never created, or already gone */
      }
    }
  }
}

/** SIGKILL, resolved when the process has exited (or after 5 s, should it be stuck in the kernel). */
function killed(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 5000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGKILL');
  });
}

/** An interface's index and MAC, and its link-local address when asked (it may come a moment after the link is up). */
async function linkOf(ns: string, ifname: string, linkLocal: boolean): Promise<{ ifindex: number; mac: string; linkLocal?: string }> {
  for (let tries = 0; ; tries++) {
    const [l] = JSON.parse(await sh('ip', '-n', ns, '-j', 'addr', 'show', 'dev', ifname)) as Array<{
      ifindex: number;
      address: string;
      addr_info: Array<{ family?: string; local?: string; scope?: string }>;
    }>;
    if (!l) throw new Error(`no ${ifname} in ${ns}`);
    const ll = l.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link')?.local;
    if (!linkLocal) return { ifindex: l.ifindex, mac: l.address };
    if (ll) return { ifindex: l.ifindex, mac: l.address, linkLocal: ll };
    if (tries >= 40) throw new Error(`no IPv6 link-local address on ${ifname} in ${ns}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether tcpdump is installed (the tests that read packets with it skip otherwise). */
export function hasTcpdump(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Root is needed for namespaces; tests skip with this reason otherwise. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  return undefined;
}
