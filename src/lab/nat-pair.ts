/**
 * A two-armed NAT director pair in network namespaces, for the conntrackd failover test and its
 * bench: a client on the outside segment (eth0), two directors on both segments running
 * keepalived-ts with a sync group of an outside and an inside VRRP instance (the inside VIP is the
 * real servers' default route), two real servers on the inside segment (eth1), and one virtual
 * server per scheduler on the outside VIP. With `conntrackd`, each director also runs a
 * conntrackd (FTFW over UDP on a veth of its own between the directors, `ct0`), with its own
 * configuration, control socket, lock and log file in the run's directory, and keepalived-ts is
 * told to drive it (KEEPALIVED_TS_CONNTRACKD).
 *
 * The client holds COUNT keep-alive connections to each virtual server (http-peer --hold);
 * failover() kills the master's daemon with SIGKILL (a crash: it releases nothing) and waits
 * until the backup has taken over; round() asks once more on every connection and says which
 * kept its real server.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Daemon, waitFor } from './daemon.js';
import { HoldClient, type ServiceOutcome } from './hold-client.js';
import { Lab } from './lab.js';

export type { ServiceOutcome };

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;

export interface NatPairOptions {
  /** The repository root (bin/keepalived-ts, dist/src/lab/http-peer.js). */
  readonly repo: string;
  /** One virtual server per scheduler, on ports 8001, 8002... of the outside VIP. */
  readonly schedulers: readonly string[];
  readonly conntrackd: boolean;
  /** Keep-alive connections per virtual server. */
  readonly count: number;
}


export class NatPair {
  readonly daemons = new Map<string, Daemon>();
  readonly conntrackds = new Map<'d1' | 'd2', ChildProcess>();
  private client?: HoldClient;

  private constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly opts: NatPairOptions,
  ) {}

  get vipOut(): string {
    return this.lab.segmentAddress(0, 100);
  }

  get vipIn(): string {
    return this.lab.segmentAddress(1, 100);
  }

  /** The conntrackd configuration file of director `d`. */
  ctConf(d: 'd1' | 'd2'): string {
    return path.join(this.dir, `conntrackd-${d}.conf`);
  }

  static async create(opts: NatPairOptions): Promise<NatPair> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-natpair-'));
    let lab: Lab;
    try {
      lab = await Lab.create({ hosts: ['client', 'd1', 'd2', 'rs1', 'rs2'], segments: 2 });
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const p = new NatPair(lab, dir, opts);
    try {
      await p.build();
    } catch (e) {
      await p.destroy();
      throw e;
    }
    return p;
  }

  private async build(): Promise<void> {
    const { lab } = this;
    // Every lab host is on both segments: the client only outside, the real servers only inside,
    // so that their traffic has to pass a director.
    await lab.exec('client', 'ip', 'link', 'set', 'eth1', 'down');
    for (const rs of ['rs1', 'rs2']) {
      await lab.exec(rs, 'ip', 'link', 'set', 'eth0', 'down');
      await lab.exec(rs, 'ip', 'route', 'add', 'default', 'via', this.vipIn);
    }
    for (const d of ['d1', 'd2']) {
      for (const [k, v] of [['net.ipv4.ip_forward', '1'], ['net.ipv4.conf.all.send_redirects', '0'], ['net.ipv4.conf.eth0.send_redirects', '0'], ['net.ipv4.conf.eth1.send_redirects', '0'], ['net.netfilter.nf_conntrack_events', '1']]) {
        // nf_conntrack_events: some kernels default to 2, which sends no event for connections
        // tracked before the first listener (conntrackd) came.
        await lab.exec(d, 'sysctl', '-q', '-w', `${k}=${v}`);
      }
    }
    // The sync link: a veth of its own between the directors, as conntrackd's manual advises.
    await lab.exec('d1', 'ip', 'link', 'add', 'ct0', 'type', 'veth', 'peer', 'name', 'ct0', 'netns', lab.host('d2').ns);
    for (const [d, n] of [['d1', 1], ['d2', 2]] as const) {
      await lab.exec(d, 'ip', 'addr', 'add', `${this.syncAddress(n)}/24`, 'dev', 'ct0');
      await lab.exec(d, 'ip', 'link', 'set', 'ct0', 'up');
    }
    const peer = path.join(this.opts.repo, 'dist/src/lab/http-peer.js');
    for (const rs of ['rs1', 'rs2']) {
      // --idle: the servers keep idle connections open (Node closes them after 5 s: a FIN sent
      // across the failover would be a mid-stream pickup of its own and confuse the count).
      const p = lab.spawn(rs, process.execPath, [peer, '--serve', rs, ...this.opts.schedulers.map((_s, k) => String(9001 + k)), '--idle', '300000']);
      await new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        p.once('exit', () => reject(new Error(`${rs}'s server exited`)));
      });
    }
    if (this.opts.conntrackd) for (const d of ['d1', 'd2'] as const) await this.startConntrackd(d);
    const env: NodeJS.ProcessEnv = { KEEPALIVED_TS_CONNTRACKD: '' };
    // d1 first, so that it is the master the client's connections go through.
    this.startD1('d1');
    await waitFor(async () => (await lab.addresses('d1', 'eth1')).includes(`${this.vipIn}/24`), 20_000, 'd1 master');
    // d1 is told by the environment, d2 on the command line: both ways reach the VRRP child.
    this.daemons.set('d2', new Daemon(lab, 'd2', path.join(this.dir, 'd2'), this.keepalivedConf('d2', 100), this.opts.repo, false, env, this.opts.conntrackd ? [`--conntrackd=${this.ctConf('d2')}`] : []));
    // Both directors' pools full (the new master must know both servers), d2 settled as backup.
    const checked = (d: string) => (this.daemons.get(d)!.output.join('\n').match(/TCP_CHECK on service .* succeeded/g) ?? []).length >= 2 * this.opts.schedulers.length;
    await waitFor(() => checked('d1') && checked('d2'), 20_000, 'every real server checked up on both directors');
    await waitFor(() => this.daemons.get('d2')!.output.some((l) => /VRRP_Group\(G\) Syncing instances to BACKUP|Entering BACKUP STATE/.test(l)), 20_000, 'd2 backup');
    if (this.opts.conntrackd) await waitFor(() => this.daemons.get('d2')!.output.some((l) => l.includes('conntrackd backup for')), 10_000, 'd2 ran conntrackd backup');
  }

  /** d1's keepalived-ts, told of its conntrackd by the environment. */
  private startD1(dir: string): void {
    const env = { KEEPALIVED_TS_CONNTRACKD: this.opts.conntrackd ? this.ctConf('d1') : '' };
    this.daemons.set('d1', new Daemon(this.lab, 'd1', path.join(this.dir, dir), this.keepalivedConf('d1', 150), this.opts.repo, false, env));
  }

  /** conntrackd in the foreground (no -d): the lab kills it with the namespace's other processes. */
  private async startConntrackd(d: 'd1' | 'd2'): Promise<void> {
    fs.writeFileSync(this.ctConf(d), this.conntrackdConf(d));
    const c = this.lab.spawn(d, 'conntrackd', ['-C', this.ctConf(d)]);
    this.conntrackds.set(d, c);
    await waitFor(async () => {
      if (c.exitCode !== null) throw new Error(`conntrackd in ${d} exited ${c.exitCode}: ${this.ctLog(d)}`);
      return this.lab.exec(d, 'conntrackd', '-C', this.ctConf(d), '-s').then(() => true, () => false);
    }, 10_000, `conntrackd in ${d} answers`);
  }

  private syncAddress(n: number): string {
    return this.lab.segmentAddress(2, n);
  }

  ctLog(d: 'd1' | 'd2'): string {
    try {
      return fs.readFileSync(path.join(this.dir, `conntrackd-${d}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** What docs/conntrackd.md asks for, per director: FTFW over UDP on ct0, its own socket, lock and log. */
  conntrackdConf(d: 'd1' | 'd2'): string {
    const [me, other] = d === 'd1' ? [1, 2] : [2, 1];
    const own = ['d1', 'd2'].flatMap((h) => [this.lab.segmentAddress(0, h === 'd1' ? 2 : 3), this.lab.segmentAddress(1, h === 'd1' ? 2 : 3)]);
    return `Sync {
  Mode FTFW {
    DisableExternalCache Off
  }
  UDP {
    IPv4_address ${this.syncAddress(me)}
    IPv4_Destination_Address ${this.syncAddress(other)}
    Port 3780
    Interface ct0
    Checksum on
  }
}
General {
  LockFile ${path.join(this.dir, `conntrackd-${d}.lock`)}
  LogFile ${path.join(this.dir, `conntrackd-${d}.log`)}
  Syslog off
  UNIX {
    Path ${path.join(this.dir, `conntrackd-${d}.ctl`)}
  }
  Filter From Userspace {
    Protocol Accept {
      TCP
      UDP
    }
    Address Ignore {
      IPv4_address 127.0.0.1
      IPv4_address ${this.syncAddress(0)}/24
${own.map((a) => `      IPv4_address ${a}`).join('\n')}
    }
  }
}
`;
  }

  keepalivedConf(d: string, priority: number): string {
    const inst = (name: string, ifname: string, vrid: number, vip: string) => `vrrp_instance ${name} {
  state BACKUP
  interface ${ifname}
  virtual_router_id ${vrid}
  version 3
  priority ${priority}
  advert_int 0.5
  virtual_ipaddress {
    ${vip}/24
  }
}
`;
    // Each service its own server port: the client may use one source port towards two services,
    // and two connections then alike on the server's side would clash in conntrack.
    const rs = (h: string, k: number) => `  real_server ${this.lab.segmentAddress(1, h === 'rs1' ? 4 : 5)} ${9001 + k} {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
`;
    const vs = this.opts.schedulers.map((s, k) => `virtual_server ${this.vipOut} ${8001 + k} {
  delay_loop 1
  lb_algo ${s}
  lb_kind NAT
  protocol TCP
${rs('rs1', k)}${rs('rs2', k)}}
`).join('');
    return `global_defs {
  router_id natpair_${d}
}
vrrp_sync_group G {
  group {
    VI_OUT
    VI_IN
  }
}
${inst('VI_OUT', 'eth0', 51, this.vipOut)}${inst('VI_IN', 'eth1', 52, this.vipIn)}${vs}`;
  }

  /** The virtual servers' ports, in the order of `schedulers`. */
  get ports(): string[] {
    return this.opts.schedulers.map((_s, k) => String(8001 + k));
  }

  /** Opens COUNT connections to each virtual server; pair.first and pair.round() read the first client opened. */
  async connect(): Promise<HoldClient> {
    const c = await HoldClient.open(this.lab, this.opts.repo, 'client', this.vipOut, this.ports, this.opts.count);
    this.client ??= c;
    return c;
  }

  /** Who answered each connection of the first client when it opened, by scheduler. */
  get first(): Record<string, string[]> {
    return this.byScheduler(this.client?.first ?? {});
  }

  /** One more request on every connection of `client` (default: the first); the outcome per scheduler. */
  async round(order: 'reverse' | 'forward' | 'shuffle', client = this.client!): Promise<Record<string, ServiceOutcome>> {
    return this.byScheduler(await client.round(order));
  }

  private byScheduler<T>(byPort: Record<string, T>): Record<string, T> {
    return Object.fromEntries(this.opts.schedulers.flatMap((s, k) => (String(8001 + k) in byPort ? [[s, byPort[String(8001 + k)]!]] : [])));
  }

  /** States of the old master that the backup's conntrackd holds in its external cache. */
  async externalEntries(): Promise<number> {
    const out = await this.lab.exec('d2', 'conntrackd', '-C', this.ctConf('d2'), '-e');
    return out.split('\n').filter((l) => l.includes(`dst=${this.vipOut}`)).length;
  }

  /**
   * SIGKILL of the master's daemon; resolves once the backup holds both VIPs, the client and the
   * servers heard its gratuitous ARPs and (waitCommit) it ran conntrackd's primary commands.
   */
  async failover(waitCommit = true): Promise<number> {
    const t0 = Date.now();
    await this.daemons.get('d1')!.kill('SIGKILL');
    await this.takenOver('d2', waitCommit);
    return Date.now() - t0;
  }

  /**
   * d1 comes back as after a reboot: its conntrackd killed (its stale lock removed, as
   * primary-backup.sh does), its conntrack table flushed and the VIPs its crash left removed; then
   * conntrackd and keepalived-ts start afresh. d1 enters BACKUP (conntrackd -t -n: a full resync
   * from d2), and with the higher priority takes the VIPs back (preemption) and commits.
   */
  async rebootD1(): Promise<number> {
    const t0 = Date.now();
    const ct = this.conntrackds.get('d1');
    if (ct && ct.exitCode === null && ct.signalCode === null) {
      const exited = new Promise((r) => ct.once('exit', r));
      ct.kill('SIGKILL');
      await exited;
      fs.rmSync(path.join(this.dir, 'conntrackd-d1.lock'), { force: true });
    }
    await this.lab.exec('d1', 'conntrack', '-F').catch(() => undefined);
    for (const [ifname, vip] of [['eth0', this.vipOut], ['eth1', this.vipIn]] as const) {
      await this.lab.exec('d1', 'ip', 'addr', 'del', `${vip}/24`, 'dev', ifname).catch(() => undefined);
    }
    if (this.opts.conntrackd) await this.startConntrackd('d1');
    this.startD1('d1-again');
    await this.takenOver('d1', true);
    return Date.now() - t0;
  }

  /**
   * Resolves once `host` holds both VIPs, the client and the servers heard its gratuitous ARPs
   * and (waitCommit) it ran conntrackd's primary commands.
   */
  private async takenOver(host: 'd1' | 'd2', waitCommit: boolean): Promise<void> {
    const d = this.daemons.get(host)!;
    const mac = async (ifname: string) => (JSON.parse(await this.lab.exec(host, 'ip', '-j', 'link', 'show', 'dev', ifname)) as Array<{ address: string }>)[0]!.address;
    const [outMac, inMac] = [await mac('eth0'), await mac('eth1')];
    const neighIs = async (h: string, vip: string, want: string) => (JSON.parse(await this.lab.exec(h, 'ip', '-j', 'neigh', 'show', 'to', vip)) as Array<{ lladdr?: string }>).some((n) => n.lladdr === want);
    await waitFor(async () => (await this.lab.addresses(host, 'eth0')).includes(`${this.vipOut}/24`) && (await this.lab.addresses(host, 'eth1')).includes(`${this.vipIn}/24`), 15_000, `${host} holds both VIPs`);
    // The gratuitous ARPs reached the client and the real servers (a killed master still has the VIPs).
    await waitFor(async () => (await neighIs('client', this.vipOut, outMac)) && (await neighIs('rs1', this.vipIn, inMac)) && (await neighIs('rs2', this.vipIn, inMac)), 10_000, `the client and the servers use ${host}`);
    // waitCommit false: the clients speak as soon as the network points at the new master,
    // before conntrackd may have committed (the window a real failover has).
    if (this.opts.conntrackd && waitCommit) await waitFor(() => d.output.some((l) => l.includes('conntrackd primary for')), 15_000, `${host} ran conntrackd primary`);
  }

  output(): string {
    return [...this.daemons].map(([d, x]) => `--- ${d}\n${x.output.join('\n')}`).join('\n') +
      (this.opts.conntrackd ? `\n--- conntrackd d1\n${this.ctLog('d1')}\n--- conntrackd d2\n${this.ctLog('d2')}` : '');
  }

  async destroy(): Promise<void> {
    for (const d of this.daemons.values()) await d.kill('SIGKILL').catch(() => undefined);
    await this.lab.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
