/**
 * Seed 004's network ("Keepalived & LVS: a highly available web service") as `keepalived-ts lab`
 * builds it: the article's hosts and addresses, 192.168.88.x moved to 10.254.4.x inside the lab
 * (lb1 .8 MASTER 150, lb2 .9 BACKUP 100, web1 .10, web2 .11, client .2, VIP .100), each host a
 * network namespace named <prefix><host> on one bridge in <prefix>sw, its switch port named after
 * it. The directors' keepalived.conf follows the seed's (VRRP instance HA_WebServer, vrid 18, PASS
 * auth; virtual_server VIP 80, wlc, DR, HTTP_GET on / for 200, connect_timeout 1, delay_loop 6)
 * with the priorities of a MASTER/BACKUP pair. Unlike Lab (lab.ts), whose names are per process
 * and whose processes die with it, these names are fixed and the processes run detached: they
 * outlive the command and are found again through lab.json (lab-state.ts).
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { isAlive, type LabState } from './lab-state.js';

const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const binPath = path.join(repoRoot, 'bin/keepalived-ts');
export const httpPeer = path.join(repoRoot, 'dist/src/lab/http-peer.js');

export const NET = '10.254.4.';
export const VIP = `${NET}100`;
export const STATUS_PORT = 8080;
/** In the order they are made; the address is the article's last octet. */
export const HOSTS: ReadonlyArray<readonly [string, number]> = [['lb1', 8], ['lb2', 9], ['web1', 10], ['web2', 11], ['client', 2]];
export const DIRECTORS: Readonly<Record<string, { state: 'MASTER' | 'BACKUP'; priority: number }>> = {
  lb1: { state: 'MASTER', priority: 150 },
  lb2: { state: 'BACKUP', priority: 100 },
};
export const WEBS = ['web1', 'web2'] as const;
/** HTTP_GET's bound to take a dead server out: delay_loop 6 + connect_timeout 1 x (retry 1 + 1) + delay_before_retry 3 x retry 1. */
export const CHECK_BOUND_S = 11;

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function listNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n);
}

export function directorConfig(host: string): string {
  const d = DIRECTORS[host]!;
  const real = (name: string, n: number) => `    real_server ${NET}${n} 80 {
        ! ${name}
        weight 3
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
        }
    }
`;
  return `! keepalived-ts lab: ${host}, seed 004's keepalived.conf in the lab's addresses
global_defs {
    router_id LVS_${host.toUpperCase()}
}

vrrp_instance HA_WebServer {
    state ${d.state}
    interface eth0
    virtual_router_id 18
    garp_master_refresh 10
    garp_master_refresh_repeat 2
    priority ${d.priority}
    advert_int 1

    authentication {
        auth_type PASS
        auth_pass 123456
    }

    virtual_ipaddress {
        ${VIP}/24
    }
}

virtual_server ${VIP} 80 {
    delay_loop 6
    lb_algo wlc
    lb_kind DR
    protocol TCP

${real('web1', 10)}
${real('web2', 11)}}
`;
}

/** The switch and a namespace per host; `made` hears each namespace as soon as it exists (for the state file). */
export async function buildNetwork(prefix: string, made: (ns: string) => void): Promise<void> {
  const sw = `${prefix}sw`;
  await ip('netns', 'add', sw);
  made(sw);
  await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', sw, 'link', 'set', 'br0', 'up');
  for (const [host, n] of HOSTS) {
    const ns = `${prefix}${host}`;
    await ip('netns', 'add', ns);
    made(ns);
    await ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', host, 'netns', sw);
    await ip('-n', sw, 'link', 'set', host, 'master', 'br0');
    await ip('-n', sw, 'link', 'set', host, 'up');
    await ip('-n', ns, 'addr', 'add', `${NET}${n}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
}

/**
 * Starts `cmd args` in a namespace, detached (its own session, output appended to `log`), so it
 * outlives this process. `ip netns exec` execs the command: the pid is the command's own.
 */
export function spawnDetached(ns: string, cmd: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): number {
  const fd = fs.openSync(log, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    if (child.pid === undefined) throw new Error(`could not start ${cmd} in ${ns}`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** Which namespace a process is in (`ip netns identify`), if one of the named ones. */
export async function namespaceOf(pid: number): Promise<string | undefined> {
  try {
    return (await ip('netns', 'identify', String(pid))).trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}

export async function pidsIn(ns: string): Promise<number[]> {
  try {
    return (await ip('netns', 'pids', ns)).split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every one is gone (or after the SIGKILL's grace). */
export async function killAll(pids: readonly number[], graceMs = 3000): Promise<void> {
  const signal = (s: NodeJS.Signals, p: number) => {
    try {
      process.kill(p, s);
    } catch {
      /* gone already */
    }
  };
  for (const p of pids) signal('SIGTERM', p);
  const gone = async (ms: number) => {
    const end = Date.now() + ms;
    while (pids.some(isAlive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  };
  await gone(graceMs);
  for (const p of pids.filter(isAlive)) signal('SIGKILL', p);
  await gone(2000);
}

/** The addresses on a host's eth0 (empty if the namespace is gone). */
export async function addressesOf(ns: string): Promise<string[]> {
  try {
    const out = JSON.parse(await ip('-n', ns, '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    return out.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  } catch {
    return [];
  }
}

/** Whether a host's switch port is up (its cable plugged in). */
export async function portUp(switchNs: string, port: string): Promise<boolean> {
  try {
    const [l] = JSON.parse(await ip('-n', switchNs, '-j', 'link', 'show', 'dev', port)) as Array<{ flags: string[] }>;
    return l?.flags.includes('UP') ?? false;
  } catch {
    return false;
  }
}

export const hostDir = (dir: string, host: string) => path.join(dir, host);

/** Who holds the VIP: directors with it on eth0 and their cable in (a pulled one is off the wire). */
export async function vipHolders(s: LabState): Promise<string[]> {
  const held: string[] = [];
  for (const h of Object.keys(s.daemons)) {
    if ((await addressesOf(s.hosts[h]!.ns)).includes(`${s.vip}/24`) && (await portUp(s.switchNs, s.hosts[h]!.port))) held.push(h);
  }
  return held;
}
