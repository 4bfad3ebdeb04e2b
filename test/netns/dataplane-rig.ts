/**
 * The data-plane rig of the namespace tests (dataplane.test.ts, lvs-command.test.ts): client ->
 * director -> two real servers in network namespaces, the director running `keepalived-ts -C`
 * (health checkers + the data plane) as seeds 000, 003 and 004 build it; the lab and the
 * temporary directory are removed when the body ends.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable, type LabHost } from '../../src/lab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../../..');
export const peer = path.join(repo, 'dist/src/lab/http-peer.js');
export const skip = labUnavailable() ?? false;

export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Rig {
  lab: Lab;
  vip: string;
  /** The temporary directory holding keepalived.conf and the pid files (c.pid: the checker process). */
  dir: string;
  out: () => string;
  backend(name: 'rs1' | 'rs2'): Promise<ChildProcess>;
  /** Kills a real server's HTTP server (by its PID: namespaces share the PID space). */
  stop(name: 'rs1' | 'rs2'): void;
  /** Sends a signal to a real server's HTTP server (SIGUSR1: it hangs, see http-peer.ts). */
  signal(name: 'rs1' | 'rs2', sig: NodeJS.Signals): void;
  requests(n: number): Promise<{ by: Record<string, number>; errors: number }>;
  tables(): Promise<string>;
  /** Rewrites the configuration and sends SIGHUP. */
  reload(vsExtra: string, weights: [number, number]): void;
  /** One request on its own connection, to PATH. */
  get(urlPath: string): Promise<string>;
  /** COUNT keep-alive sessions asking ROUNDS times EVERY_MS apart (http-peer --sessions), started now. */
  sessions(count: number, rounds: number, everyMs: number): Promise<{ by: Record<string, number>; errors: number; switched: number }>;
  /** `keepalived-ts lvs ARGS` run on the director. */
  lvs(...args: string[]): Promise<string>;
  daemon: ChildProcess;
}

/** A real server as the rig configures it: TCP_CHECK with a 4 s bound (1 + 1 x 2 + 1 x 1), or `checker`. */
export function realServer(ip: string, port: number, weight: number, checker?: string): string {
  return `  real_server ${ip} ${port} {\n    weight ${weight}\n${checker ?? '    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n'}  }\n`;
}

export async function rig(kind: 'NAT' | 'DR' | 'PROXY', body: (r: Rig) => Promise<void>, vsExtra = '', weights: [number, number] = [1, 3], algo?: string, head?: string, opts: { env?: Record<string, string>; oneArmed?: boolean; preamble?: string; checker?: string } = {}): Promise<void> {
  const lab = await Lab.create({ hosts: ['client', 'director', 'rs1', 'rs2'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-dp-'));
  try {
    const vip = lab.spareAddress(100);
    const [client, director, rs1, rs2] = ['client', 'director', 'rs1', 'rs2'].map((h) => lab.host(h));
    await lab.exec('director', 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0');
    for (const h of ['rs1', 'rs2']) {
      if (kind === 'PROXY') continue; // the proxy connects from its own address: nothing to route
      if (kind === 'NAT') {
        await lab.exec('director', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
        for (const k of ['all', 'eth0']) await lab.exec('director', 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.send_redirects=0`);
        // One-armed: the servers answer the client directly unless the director masquerades.
        if (!opts.oneArmed) await lab.exec(h, 'ip', 'route', 'add', `${client!.address}/32`, 'via', director!.address);
      } else {
        // The seeds' real-server set-up: the VIP on lo, never answered for by ARP.
        await lab.exec(h, 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'lo');
        for (const k of ['all', 'eth0']) {
          await lab.exec(h, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_ignore=1`);
          await lab.exec(h, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_announce=2`);
        }
      }
    }
    const backend = async (name: 'rs1' | 'rs2') => {
      const p = lab.spawn(name, process.execPath, [peer, '--serve', name, '80', '8080']);
      await new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        p.once('exit', () => reject(new Error(`${name} backend exited`)));
      });
      return p;
    };
    const backends = { rs1: await backend('rs1'), rs2: await backend('rs2') };
    const port = kind === 'DR' ? 80 : 8080;
    const conf = path.join(dir, 'keepalived.conf');
    const write = (extra: string, w: [number, number]) => fs.writeFileSync(conf, `${opts.preamble?.replaceAll('__VIP__', vip).replaceAll('__VIP2__', lab.spareAddress(101)).replaceAll('__RS1__', rs1!.address) ?? ''}virtual_server ${head ?? `${vip} 80`} {
  delay_loop 1
  lb_algo ${algo ?? (kind === 'DR' ? 'mh' : 'wrr')}
  lb_kind ${kind === 'DR' ? 'DR' : 'NAT'}
  protocol TCP
  ${extra}
${[rs1!, rs2!].map((h, i) => realServer(h.address, port, w[i]!, opts.checker)).join('')}}
`);
    write(vsExtra.replaceAll('__RS1__', rs1!.address), weights);
    let out = '';
    const daemon = lab.spawn('director', process.execPath, [path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-D', '-C', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid')], { env: { ...process.env, TMPDIR: dir, ...(kind === 'PROXY' ? { KEEPALIVED_TS_DATAPLANE: 'proxy' } : {}), ...opts.env } });
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const r: Rig = {
      lab, vip, dir, daemon, out: () => out,
      backend: async (name) => (backends[name] = await backend(name)),
      stop: (name) => void backends[name].kill('SIGKILL'),
      signal: (name, sig) => void backends[name].kill(sig),
      requests: async (n) => JSON.parse(await lab.exec('client', process.execPath, peer, '--requests', `http://${vip}/`, String(n))) as { by: Record<string, number>; errors: number },
      tables: () => lab.exec('director', 'nft', 'list', 'tables'),
      reload: (extra, w) => {
        write(extra, w);
        daemon.kill('SIGHUP');
      },
      sessions: async (count, rounds, everyMs) => JSON.parse(await lab.exec('client', process.execPath, peer, '--sessions', `http://${vip}/`, String(count), String(rounds), String(everyMs))) as { by: Record<string, number>; errors: number; switched: number },
      get: (urlPath) => lab.exec('client', 'curl', '-s', '--max-time', '10', `http://${vip}${urlPath}`),
      lvs: (...args) => lab.exec('director', process.execPath, path.join(repo, 'bin/keepalived-ts'), 'lvs', '--checkers-pid', path.join(dir, 'c.pid'), ...args),
    };
    await body(r);
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

