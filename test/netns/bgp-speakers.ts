/**
 * Real routing daemons in lab hosts, for the scale-out tests: FRR (zebra, bgpd, bfdd) and BIRD 2,
 * each instance with its own sockets, pid files and logs under a directory of the test's, started
 * in the foreground through Lab.spawn (so Lab.destroy() kills what a failed test leaves) and
 * stopped by their own PIDs. The configurations are the ones the README shows a user.
 *
 * FRR: `-N <unique name>` keeps the instance apart from the host's; `--vty_socket`, `-i`, `-z`
 * and `--bfdctl` put everything in the instance's directory, which belongs to user frr (the
 * daemons drop to it). The configuration is applied with `vtysh --vty_socket DIR -f FILE` once
 * every daemon's vty socket is there. BIRD: `-s` (control socket) and `-P` (pid file) of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lab } from '../../src/lab/lab.js';
import { stop } from '../../src/lab/process.js';

async function until(what: string, pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * BFD as both daemons run it here: 300 ms both ways, 3 missed = down (900 ms, FRR's default).
 * 100 ms x 3 flapped every session at once on this shared 2-core machine, where a process may
 * wait half a second for a CPU.
 */
export const BFD_INTERVAL_MS = 300;
export const BFD_MULTIPLIER = 3;

export interface Speaker {
  readonly kind: 'frr' | 'bird';
  readonly procs: readonly ChildProcess[];
  /** A show command (vtysh -c / birdc), its output. */
  show(command: string): string;
  /** SIGKILL to every process of the speaker (a crash). */
  kill(): void;
  /** Its log files' tails, for a failure message. */
  logs(): string;
  /** Its log files, whole. */
  fullLog(): string;
  /**
   * Stops it (SIGTERM, SIGKILL after 3 s) and removes what FRR leaves outside the test's directory:
   * /var/run/frr/NAME and each daemon's crash-log buffers, /var/tmp/frr/DAEMON.PID (a SIGKILLed
   * daemon never removes its own).
   */
  stop(): Promise<void>;
}

function frrUser(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('chown', ['-R', 'frr:frr', dir]);
  fs.chmodSync(dir, 0o755);
}

/** FRR in `host`: zebra, bgpd and bfdd, then `config` applied by vtysh. */
export async function startFrr(lab: Lab, host: string, dir: string, name: string, config: string): Promise<Speaker> {
  frrUser(dir);
  // The directory above must let user frr through.
  fs.chmodSync(path.dirname(dir), 0o755);
  const common = ['-N', name, '-F', 'datacenter', '-P', '0', '--vty_socket', dir, '-z', path.join(dir, 'zserv.api')];
  const procs: ChildProcess[] = [];
  const start = (daemon: string, extra: string[] = []) => {
    procs.push(lab.spawn(host, `/usr/lib/frr/${daemon}`, [...common, '-i', path.join(dir, `${daemon}.pid`), '--log', `file:${path.join(dir, `${daemon}.log`)}`, ...extra], { stdio: 'ignore' }));
  };
  start('zebra');
  await until(`zebra in ${host}`, () => fs.existsSync(path.join(dir, 'zserv.api')) && fs.existsSync(path.join(dir, 'zebra.vty')), 10_000);
  start('bgpd');
  start('bfdd', ['--bfdctl', path.join(dir, 'bfdd.sock')]);
  await until(`bgpd and bfdd in ${host}`, () => fs.existsSync(path.join(dir, 'bgpd.vty')) && fs.existsSync(path.join(dir, 'bfdd.vty')), 10_000);
  const conf = path.join(dir, 'frr.conf');
  fs.writeFileSync(conf, config);
  await lab.exec(host, 'vtysh', '--vty_socket', dir, '-f', conf);
  return {
    kind: 'frr',
    procs,
    show: (command) => lab.execSync(host, 'vtysh', '--vty_socket', dir, '-c', command),
    kill: () => procs.forEach((p) => p.kill('SIGKILL')),
    logs: () => ['zebra', 'bgpd', 'bfdd'].map((d) => `${host} ${d}: ${tail(path.join(dir, `${d}.log`))}`).join('\n'),
    fullLog: () => ['zebra', 'bgpd', 'bfdd'].map((d) => tail(path.join(dir, `${d}.log`), Infinity)).join('\n'),
    stop: async () => {
      await Promise.all(procs.map((p) => stop(p, 3000)));
      const daemons = ['zebra', 'bgpd', 'bfdd'];
      procs.forEach((p, i) => fs.rmSync(`/var/tmp/frr/${daemons[i]}.${p.pid}`, { recursive: true, force: true }));
      fs.rmSync(`/var/run/frr/${name}`, { recursive: true, force: true });
    },
  };
}

/** BIRD 2 in `host`, in the foreground with its own control socket. */
export async function startBird(lab: Lab, host: string, dir: string, config: string): Promise<Speaker> {
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'bird.conf');
  const ctl = path.join(dir, 'bird.ctl');
  fs.writeFileSync(conf, config);
  const out = fs.openSync(path.join(dir, 'bird.log'), 'a');
  const p = lab.spawn(host, 'bird', ['-f', '-c', conf, '-s', ctl, '-P', path.join(dir, 'bird.pid')], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  await until(`bird in ${host}`, () => fs.existsSync(ctl), 10_000);
  return {
    kind: 'bird',
    procs: [p],
    show: (command) => lab.execSync(host, 'birdc', '-s', ctl, ...command.split(' ')),
    kill: () => void p.kill('SIGKILL'),
    logs: () => `${host} bird: ${tail(path.join(dir, 'bird.log'))}`,
    fullLog: () => tail(path.join(dir, 'bird.log'), Infinity),
    stop: () => stop(p, 3000),
  };
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const bfdFrr = `bfd
 profile fast
  detect-multiplier ${BFD_MULTIPLIER}
  receive-interval ${BFD_INTERVAL_MS}
  transmit-interval ${BFD_INTERVAL_MS}
`;

/**
 * The upstream router: one eBGP session per director (any AS: `remote-as external`), paths of
 * different ASes merged into one ECMP route (`multipath-relax`), BFD on every session.
 */
export function routerFrr(o: { id: string; as: number; directors: readonly string[] }): string {
  return `frr defaults datacenter
${bfdFrr}router bgp ${o.as}
 bgp router-id ${o.id}
 no bgp ebgp-requires-policy
 bgp bestpath as-path multipath-relax
 neighbor LB peer-group
 neighbor LB remote-as external
 neighbor LB bfd profile fast
 neighbor LB timers connect 1
${o.directors.map((d) => ` neighbor ${d} peer-group LB\n`).join('')} address-family ipv4 unicast
  maximum-paths 16
`;
}

/**
 * A director's FRR: table N imported into zebra and redistributed into BGP, /32s only, origin IGP
 * (BIRD sends IGP too: paths with different origins would not be merged).
 */
export function directorFrr(o: { id: string; as: number; router: string; routerAs: number; table: number }): string {
  return `frr defaults datacenter
ip import-table ${o.table}
ip prefix-list VIPS seq 5 permit 0.0.0.0/0 ge 32
route-map VIPS permit 10
 match ip address prefix-list VIPS
 set origin igp
${bfdFrr}router bgp ${o.as}
 bgp router-id ${o.id}
 no bgp ebgp-requires-policy
 neighbor ${o.router} remote-as ${o.routerAs}
 neighbor ${o.router} bfd profile fast
 neighbor ${o.router} timers connect 1
 address-family ipv4 unicast
  redistribute table ${o.table} route-map VIPS
`;
}

/** A director's BIRD: table N learned into its own BIRD table, exported by BGP (/32s only). */
export function directorBird(o: { id: string; as: number; router: string; routerAs: number; table: number }): string {
  return `router id ${o.id};
ipv4 table vips;
protocol device { scan time 10; }
protocol kernel keepalived_ts {
  kernel table ${o.table};
  learn;
  ipv4 { table vips; import all; export none; };
}
protocol bfd {
  interface "eth0" { min rx interval ${BFD_INTERVAL_MS} ms; min tx interval ${BFD_INTERVAL_MS} ms; multiplier ${BFD_MULTIPLIER}; };
}
protocol bgp upstream {
  local ${o.id} as ${o.as};
  neighbor ${o.router} as ${o.routerAs};
  hold time 9; keepalive time 3;
  connect retry time 1; error wait time 1, 5;
  bfd on;
  ipv4 { table vips; import none; export where net ~ [ 0.0.0.0/0{32,32} ]; };
}
`;
}
