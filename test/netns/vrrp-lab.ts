/**
 * What the VRRP daemon namespace tests share: a Lab (src/lab/lab.ts) with a scratch directory,
 * keepalived-ts daemons started in its hosts, and the questions every test asks (who holds the
 * VIP, does the client reach it). Everything is torn down by close(), which each file calls from
 * after() so that a failing test leaves no namespace or process behind.
 */
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, type LabOptions } from '../../src/lab/lab.js';

export { waitFor };
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export class VrrpLab {
  readonly daemons: Daemon[] = [];
  private runs = 0;

  private constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {}

  static async create(opts: LabOptions): Promise<VrrpLab> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-netns-'));
    try {
      return new VrrpLab(await Lab.create(opts), dir);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** A keepalived-ts daemon in `host`, each start in a directory of its own (config, pid files). */
  start(host: string, config: string, env: NodeJS.ProcessEnv = {}): Daemon {
    const d = new Daemon(this.lab, host, path.join(this.dir, `${host}-${this.runs++}`), config, repo, false, env);
    this.daemons.push(d);
    return d;
  }

  async holds(host: string, vip: string, ifname = 'eth0'): Promise<boolean> {
    return (await this.lab.addresses(host, ifname)).includes(vip);
  }

  /** Waits until exactly `host` among `hosts` holds `vip` (address with prefix length). */
  async waitHolder(host: string, hosts: readonly string[], vip: string, timeoutMs: number, ifname = 'eth0'): Promise<void> {
    try {
      await waitFor(async () => {
        for (const h of hosts) if ((await this.holds(h, vip, ifname)) !== (h === host)) return false;
        return true;
      }, timeoutMs, `${host} alone holds ${vip} (of ${hosts.join(', ')})`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.output()}`);
    }
  }

  async ping(from: string, to: string): Promise<boolean> {
    try {
      await this.lab.exec(from, 'ping', to.includes(':') ? '-6' : '-4', '-c', '1', '-W', '1', to);
      return true;
    } catch {
      return false;
    }
  }

  /** The client reaches `vip`, and the one answering is `host` (its MAC in the client's neighbour table). */
  async reaches(client: string, vip: string, host: string, timeoutMs = 10_000, ifname = 'eth0'): Promise<void> {
    const mac = JSON.parse(await this.lab.exec(host, 'ip', '-j', 'link', 'show', 'dev', ifname))[0].address as string;
    await waitFor(async () => {
      if (!(await this.ping(client, vip))) return false;
      const neigh = JSON.parse(await this.lab.exec(client, 'ip', '-j', 'neigh', 'show', 'to', vip)) as Array<{ lladdr?: string }>;
      return neigh.some((n) => n.lladdr === mac);
    }, timeoutMs, `${client} reaches ${vip} on ${host} (${mac})`);
  }

  /**
   * What tcpdump sees in `host` for `seconds` (or until `count` packets): one line per packet,
   * link-level headers included (-e), so a multicast advert shows its 01:00:5e destination.
   */
  async capture(host: string, filter: string, seconds: number, count = 1000): Promise<string[]> {
    let out: string;
    try {
      out = await this.lab.exec(host, 'timeout', String(seconds), 'tcpdump', '-c', String(count), '-nn', '-e', '-l', '-i', 'eth0', filter);
    } catch (e) {
      // timeout(1) exits 124 when tcpdump was still waiting for packets: what it saw is still good.
      out = (e as { stdout?: string }).stdout ?? '';
    }
    return out.split('\n').filter((l) => l.trim() !== '');
  }

  /** Every daemon's output, for assertion messages. */
  output(): string {
    return this.daemons.map((d, i) => `--- daemon ${i}\n${d.output.join('\n')}`).join('\n');
  }

  async close(): Promise<void> {
    for (const d of this.daemons) await d.kill('SIGKILL').catch(() => undefined);
    await this.lab.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A vrrp_instance block; `extra` lines go inside it. */
export function instance(o: {
  name?: string;
  vrid: number;
  priority: number;
  vips: readonly string[];
  version?: 2 | 3;
  advertInt?: number;
  ifname?: string;
  extra?: string;
}): string {
  const v = o.version ?? 2;
  return `vrrp_instance ${o.name ?? 'VI_1'} {
  state BACKUP
  interface ${o.ifname ?? 'eth0'}
  virtual_router_id ${o.vrid}
  version ${v}
  priority ${o.priority}
  advert_int ${o.advertInt ?? 1}
  ${v === 2 ? `authentication {\n    auth_type PASS\n    auth_pass k${o.vrid}\n  }` : ''}
  virtual_ipaddress {
    ${o.vips.join('\n    ')}
  }
  ${o.extra ?? ''}
}
`;
}

export function globalDefs(routerId: string): string {
  return `global_defs {\n  router_id ${routerId}\n}\n`;
}

/**
 * The lab of one test file: built before its tests (unless `skip`), torn down after them, even
 * when they fail. `use` receives the lab once it exists.
 */
export function withVrrpLab(skip: string | undefined, opts: Parameters<typeof VrrpLab.create>[0], use: (lab: VrrpLab) => void): void {
  let lab: VrrpLab | undefined;
  before(async () => {
    if (skip) return;
    lab = await VrrpLab.create(opts);
    use(lab);
  });
  after(async () => {
    await lab?.close();
  });
}
