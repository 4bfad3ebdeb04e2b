/**
 * The scale-out lab of test/netns/scale-out-bgp.test.ts, for bench/scale-out: a router r0 running
 * FRR with ECMP on the L4 hash and BFD to every director; three DR directors running keepalived-ts
 * (mh, --bgp-table) with BIRD (d1, d2) and FRR (d3) as their speakers; three real servers with the
 * VIP on lo; a client cl on a link of its own behind the router. Lifted from the test (which stays
 * untouched so that the branches merge) and reduced to what the bench needs; the speakers come
 * from the test's helpers.
 *
 * Each director's forwarding rate is capped, so that the directors and not this 2-core machine are
 * the bottleneck, in one of two ways (`Cap`):
 * - `htb`: a token bucket (an htb class; this kernel has no sch_prio to put a tbf beside an unshaped band) on its
 *   eth0 for the packets it forwards to the real servers (they leave there, still addressed to the
 *   VIP), `rate` kbit/s with a 40-packet queue: a slower link, which TCP adapts to;
 * - `nft`: an nftables limit, packets to the VIP over `rate` a second dropped. Drops make TCP back
 *   off (a lost SYN waits 1 s, then 3 s), so throughput falls far below the cap, and furthest with
 *   one director: it overstates scale-out (see bench/README.md).
 * Either way a table `ktbench` in front of its data plane (netdev ingress, priority -500, before
 * keepalived-ts's DR table) counts the SYNs to the VIP it lets through (the new connections it
 * carries), and the packets it dropped.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../src/lab/daemon.js';
import { Lab, sh } from '../src/lab/lab.js';
import { BFD_INTERVAL_MS, directorBird, directorFrr, routerFrr, startBird, startFrr, type Speaker } from '../test/netns/bgp-speakers.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const peer = path.join(repo, 'dist/src/lab/http-peer.js');
export const DIRECTORS = ['d1', 'd2', 'd3'] as const;
export const SERVERS = ['rs1', 'rs2', 'rs3'] as const;
export type Director = (typeof DIRECTORS)[number];
const ROUTER_AS = 65000;

export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Cap { kind: 'htb' | 'nft'; rate: number }

/**
 * The speakers' configurations with BFD at `ms` both ways instead of the test's 300 ms (x 3 still):
 * the test's helpers are shared with the test, so the bench rewrites their output, not them.
 */
function bfdAt(config: string, ms: number): string {
  return config.replace(new RegExp(`(receive-interval|transmit-interval|min rx interval|min tx interval) ${BFD_INTERVAL_MS}\\b`, 'g'), `$1 ${ms}`);
}

export function describeCap(c: Cap): string {
  return c.kind === 'htb'
    ? `tc htb ${c.rate.toLocaleString('en-US')} kbit/s for what each director forwards (40-packet queue)`
    : `nftables limit ${c.rate.toLocaleString('en-US')} packets/s to the VIP per director, drop over it`;
}

export class ScaleOutRig {
  readonly addr: Record<string, string> = {};
  readonly daemons = new Map<Director, Daemon>();
  readonly speakers = new Map<string, Speaker>();
  private readonly backends: ChildProcess[] = [];
  vip = '';
  clientIp = '';

  private constructor(readonly lab: Lab, readonly dir: string, readonly cap: Cap, readonly bfdMs: number) {}

  /** Builds the lab with every director announcing, each capped by `cap`, BFD every `bfdMs`. */
  static async create(cap: Cap, bfdMs = BFD_INTERVAL_MS): Promise<ScaleOutRig> {
    const lab = await Lab.create({ hosts: ['r0', ...DIRECTORS, ...SERVERS, 'cl'] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bench-scale-'));
    fs.chmodSync(dir, 0o755);
    const rig = new ScaleOutRig(lab, dir, cap, bfdMs);
    try {
      await rig.build();
    } catch (e) {
      await rig.destroy();
      throw e;
    }
    return rig;
  }

  private async build(): Promise<void> {
    const lab = this.lab;
    for (const h of lab.hosts.keys()) this.addr[h] = lab.host(h).address;
    this.vip = lab.segmentAddress(2, 10);
    const [r0, cl] = [lab.host('r0'), lab.host('cl')];
    await lab.exec('cl', 'ip', 'link', 'set', 'eth0', 'down');
    await sh('ip', '-n', r0.ns, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth9', 'netns', cl.ns);
    this.clientIp = lab.segmentAddress(1, 2);
    await lab.exec('r0', 'ip', 'addr', 'add', `${lab.segmentAddress(1, 1)}/24`, 'dev', 'eth9');
    await lab.exec('cl', 'ip', 'addr', 'add', `${this.clientIp}/24`, 'dev', 'eth9');
    await lab.exec('r0', 'ip', 'link', 'set', 'eth9', 'up');
    await lab.exec('cl', 'ip', 'link', 'set', 'eth9', 'up');
    await lab.exec('cl', 'ip', 'route', 'add', 'default', 'via', lab.segmentAddress(1, 1));
    // wrk's closed connections leave TIME_WAIT sockets: reuse them (bench/dataplane's reason).
    await lab.exec('cl', 'sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=1');
    await lab.exec('r0', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await lab.exec('r0', 'sysctl', '-q', '-w', 'net.ipv4.fib_multipath_hash_policy=1');
    for (const rs of SERVERS) {
      await lab.exec(rs, process.execPath, path.join(repo, 'bin/keepalived-ts'), 'realserver', 'start', '--vip', this.vip, '--state', path.join(this.dir, `${rs}-realserver.json`));
      await lab.exec(rs, 'ip', 'route', 'add', 'default', 'via', this.addr['r0']!);
      const p = lab.spawn(rs, process.execPath, [peer, '--serve', rs, '80']);
      await new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        p.once('exit', () => reject(new Error(`${rs} backend exited`)));
      });
      this.backends.push(p);
    }
    this.speakers.set('r0', await startFrr(lab, 'r0', path.join(this.dir, 'r0'), `${lab.id}r0`, bfdAt(routerFrr({ id: this.addr['r0']!, as: ROUTER_AS, directors: DIRECTORS.map((d) => this.addr[d]!) }), this.bfdMs)));
    const rsConfig = (ip: string) => `  real_server ${ip} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n`;
    const config = `virtual_server ${this.vip} 80 {\n  delay_loop 1\n  lb_algo mh\n  lb_kind DR\n  protocol TCP\n${SERVERS.map((rs) => rsConfig(this.addr[rs]!)).join('')}}\n`;
    for (const [i, d] of DIRECTORS.entries()) {
      const table = 101 + i;
      const o = { id: this.addr[d]!, as: 65001 + i, router: this.addr['r0']!, routerAs: ROUTER_AS, table };
      this.speakers.set(d, d === 'd3' ? await startFrr(lab, d, path.join(this.dir, `${d}-frr`), `${lab.id}${d}`, bfdAt(directorFrr(o), this.bfdMs)) : await startBird(lab, d, path.join(this.dir, `${d}-bird`), bfdAt(directorBird(o), this.bfdMs)));
      const rule = `meta pkttype host ip daddr ${this.vip} tcp dport 80`;
      fs.writeFileSync(path.join(this.dir, `${d}-bench.nft`), `table netdev ktbench {\n chain c {\n  type filter hook ingress device "eth0" priority -500; policy accept;\n  ${rule} ${this.cap.kind === 'nft' ? `limit rate over ${this.cap.rate}/second ` : ''}counter${this.cap.kind === 'nft' ? ' drop' : ''}\n  ${rule} tcp flags & (syn | ack) == syn counter\n }\n}\n`);
      await lab.exec(d, 'nft', '-f', path.join(this.dir, `${d}-bench.nft`));
      if (this.cap.kind === 'htb') {
        // Only what it forwards (still addressed to the VIP) goes through the bucket: its BFD and
        // BGP packets share the link, and a full bucket dropping them took a director down once.
        const tc = (...a: string[]) => lab.exec(d, 'tc', ...a);
        await tc('qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '20');
        await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${this.cap.rate}kbit`, 'ceil', `${this.cap.rate}kbit`, 'burst', '4kb');
        await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit');
        // About 50 ms of queue at 700 kbit/s (small packets), as a router's would be, not a veth's 1,000.
        await tc('qdisc', 'add', 'dev', 'eth0', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '40');
        await tc('filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${this.vip}/32`, 'flowid', '1:10');
      }
      this.daemons.set(d, new Daemon(lab, d, path.join(this.dir, `${d}-kts`), config, repo, false, {}, ['--bgp-table', String(table)]));
    }
    await waitFor('a path per director on the router', async () => (await this.paths()).length === DIRECTORS.length, 60_000);
    await waitFor('BFD up with every director', () => this.bfdUp().length === DIRECTORS.length, 30_000);
  }

  /** The router's kernel route to the VIP: its gateways, sorted. */
  async paths(): Promise<string[]> {
    const routes = JSON.parse(await this.lab.exec('r0', 'ip', '-j', 'route', 'show', 'exact', `${this.vip}/32`)) as Array<{ gateway?: string; nexthops?: Array<{ gateway: string }> }>;
    const r = routes[0];
    if (!r) return [];
    return (r.nexthops ? r.nexthops.map((n) => n.gateway) : [r.gateway!]).sort();
  }

  via(...ds: Director[]): string[] {
    return ds.map((d) => this.addr[d]!).sort();
  }

  /** The directors the router has a BFD session up with. */
  bfdUp(): string[] {
    const peers = JSON.parse(this.speakers.get('r0')!.show('show bfd peers json')) as Array<{ peer: string; status: string }>;
    return peers.filter((p) => p.status === 'up').map((p) => p.peer).sort();
  }

  /** A director's counters: packets dropped over the cap (by the nft limit or the htb class's queue), SYNs let through. */
  async counters(d: Director): Promise<{ dropped: number; syns: number }> {
    const out = await this.lab.exec(d, 'nft', 'list', 'table', 'netdev', 'ktbench');
    const [first, syns] = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    if (this.cap.kind === 'nft') return { dropped: first!, syns: syns! };
    const tc = await this.lab.exec(d, 'tc', '-s', 'qdisc', 'show', 'dev', 'eth0');
    return { dropped: Number(/qdisc pfifo 10:[^]*?dropped (\d+)/.exec(tc)?.[1] ?? NaN), syns: syns! };
  }

  /** The director a client's connection from `port` goes through, as the router hashes it now. */
  async through(port: number): Promise<string | undefined> {
    const [r] = JSON.parse(await this.lab.exec('r0', 'ip', '-j', 'route', 'get', this.vip, 'from', this.clientIp, 'iif', 'eth9', 'ipproto', 'tcp', 'sport', String(port), 'dport', '80')) as Array<{ gateway?: string }>;
    return r?.gateway;
  }

  async destroy(): Promise<void> {
    for (const k of this.daemons.values()) await k.kill('SIGTERM').catch(() => undefined);
    for (const s of this.speakers.values()) await s.stop().catch(() => undefined);
    await this.lab.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const probe = path.join(repo, 'dist/bench/scale-out-probe.js');

/** What a client saw of a director's loss (bench/scale-out-probe.ts's figures). */
export interface Loss {
  outageMs: number; gapMs: number; failed: number; requests: number;
  kept: number; sessions: number; through: number; sessionStallMs: number; detail: string;
}

/** Runs the probe in `host` against `url`, calls `lose` 2 s in (it returns how the loss was detected); `through` tells whether a session port goes through the lost director. */
export async function lossUnderProbe(lab: Lab, host: string, url: string, lose: () => Promise<string>, through: (port: number) => Promise<boolean>): Promise<Loss> {
  const p = lab.spawn(host, process.execPath, [probe, url, '6', '20', '24', '100']);
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  let err = '';
  p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  await waitFor('the probe\'s sessions', () => out.includes('ready'), 20_000);
  const ports = /ready ([\d,]+)/.exec(out)![1]!.split(',').map(Number);
  let viaLost = 0;
  for (const port of ports) if (await through(port)) viaLost++;
  await new Promise((r) => setTimeout(r, 2000));
  const detail = await lose();
  await done;
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the probe said: ${out}${err}`);
  const r = JSON.parse(line) as { requests: number; failed: number; longestWaitMs: number; longestGapMs: number; sessions: Array<{ broke: string | null; longestMs: number }> };
  return {
    outageMs: r.longestWaitMs, gapMs: r.longestGapMs, failed: r.failed, requests: r.requests,
    kept: r.sessions.filter((s) => !s.broke).length, sessions: r.sessions.length, through: viaLost,
    sessionStallMs: Math.max(...r.sessions.map((s) => s.longestMs)), detail,
  };
}

