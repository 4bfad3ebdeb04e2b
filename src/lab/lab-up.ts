/**
 * `keepalived-ts lab up`: builds seed 004's lab (lab-topology.ts), sets web1 and web2 up as DR
 * real servers (`keepalived-ts realserver start`: the VIP on lo, arp_ignore 1, arp_announce 2) with
 * a web server answering its name, starts keepalived-ts on lb1 and lb2, each with its own -p -r -c
 * pid files, TMPDIR and --http status page, and waits until lb1 holds the VIP and the client gets
 * answers through it. The state file is written as each piece comes to exist, so `down` can undo a
 * half-made lab; `up` on a finished lab only prints it again; a failed `up` removes what it made.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { labDown, type LabOut } from './lab-down.js';
import { isAlive, LabError, readState, writeNewFile, writeState, type DaemonRecord, type LabPlace, type LabState, type WebRecord } from './lab-state.js';
import {
  binPath, buildNetwork, CHECK_BOUND_S, DIRECTORS, directorConfig, HOSTS, httpPeer, listNamespaces, NET, spawnDetached, STATUS_PORT, VIP, vipHolders, WEBS,
} from './lab-topology.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await sleep(100);
  }
}

/** Starts a host's web server (http-peer.ts --serve NAME 80), detached; resolves with its pid once it listens. */
export async function startWeb(ns: string, name: string, log: string): Promise<number> {
  const readies = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l === 'ready').length : 0);
  const before = readies();
  const pid = spawnDetached(ns, process.execPath, [httpPeer, '--serve', name, '80'], log);
  if (!(await waitUntil(() => readies() > before || !isAlive(pid), 10_000)) || !isAlive(pid)) throw new LabError(`${name}'s web server did not start (see ${log})`);
  return pid;
}

function startDaemon(ns: string, host: string, dir: string): DaemonRecord {
  const tmpdir = path.join(dir, 'tmp');
  fs.mkdirSync(tmpdir, { mode: 0o700 });
  const config = path.join(dir, 'keepalived.conf');
  writeNewFile(config, directorConfig(host));
  const address = HOSTS.find(([h]) => h === host)![1];
  const rec = {
    config, tmpdir, log: path.join(dir, 'keepalived.log'), http: `${NET}${address}:${STATUS_PORT}`,
    pidFile: path.join(dir, 'keepalived.pid'), vrrpPidFile: path.join(dir, 'vrrp.pid'), checkersPidFile: path.join(dir, 'checkers.pid'),
  };
  // -n -l -G: in the foreground (our detached child), logging to its own file, not the host's syslog.
  const args = [binPath, '-n', '-l', '-G', '-D', '-f', config, '-p', rec.pidFile, '-r', rec.vrrpPidFile, '-c', rec.checkersPidFile, '--http', rec.http];
  return { ...rec, pid: spawnDetached(ns, process.execPath, args, rec.log, { TMPDIR: tmpdir }) };
}

/** What is missing from a recorded lab, if anything. */
async function problems(s: LabState): Promise<string[]> {
  const have = new Set(await listNamespaces());
  const p = s.namespaces.filter((n) => !have.has(n)).map((n) => `namespace ${n} is gone`);
  for (const [h, d] of Object.entries(s.daemons)) if (!isAlive(d.pid)) p.push(`${h}'s keepalived-ts (pid ${d.pid}) is not running`);
  if (!s.complete) p.push('the `up` that made it did not finish');
  return p;
}

export async function labUp(place: LabPlace, out: LabOut): Promise<number> {
  const existing = readState(place.dir);
  if (existing) {
    const missing = await problems(existing);
    if (missing.length > 0) throw new LabError(`a lab is recorded in ${path.join(place.dir, 'lab.json')}, but ${missing.join('; ')}: run \`keepalived-ts lab down\`, then \`keepalived-ts lab up\``);
    out.stdout('The lab is up already; nothing to do.\n');
    printLab(existing, out);
    return 0;
  }
  const clash = (await listNamespaces()).filter((n) => n.startsWith(place.prefix));
  if (clash.length > 0) {
    throw new LabError(`namespaces ${clash.join(' ')} exist but no lab state does (a crashed lab, or another one with the same prefix): \`keepalived-ts lab down\` removes them, or set KEEPALIVED_TS_LAB_PREFIX to another prefix`);
  }
  let s: LabState = {
    version: 1, prefix: place.prefix, dir: place.dir, vip: VIP, switchNs: `${place.prefix}sw`, namespaces: [], daemons: {}, webs: {},
    hosts: Object.fromEntries(HOSTS.map(([h, n]) => [h, { ns: `${place.prefix}${h}`, address: `${NET}${n}`, port: h }])),
  };
  const save = (next: Partial<LabState>) => writeState(place.dir, (s = { ...s, ...next }));
  save({});
  try {
    out.stdout(`Building seed 004's lab in namespaces ${place.prefix}*...\n`);
    await buildNetwork(place.prefix, (ns) => save({ namespaces: [...s.namespaces, ns] }));
    for (const host of [...WEBS, ...Object.keys(DIRECTORS)]) {
      const dir = path.join(place.dir, host);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { mode: 0o700 });
    }
    for (const web of WEBS) {
      const dir = path.join(place.dir, web);
      const realserverState = path.join(dir, 'realserver.json');
      await run('ip', ['netns', 'exec', s.hosts[web]!.ns, process.execPath, binPath, 'realserver', 'start', '--vip', VIP, '--state', realserverState]);
      const log = path.join(dir, 'web.log');
      const rec: WebRecord = { log, realserverState, pid: await startWeb(s.hosts[web]!.ns, web, log) };
      save({ webs: { ...s.webs, [web]: rec } });
    }
    for (const host of Object.keys(DIRECTORS)) save({ daemons: { ...s.daemons, [host]: startDaemon(s.hosts[host]!.ns, host, path.join(place.dir, host)) } });
    out.stdout('Waiting for lb1 to take the VIP...\n');
    if (!(await waitUntil(async () => (await vipHolders(s)).join() === 'lb1', 20_000))) throw new LabError(`lb1 did not take the VIP within 20 s (see ${s.daemons['lb1']!.log})`);
    const answered = await waitUntil(async () => {
      const r = await run('ip', ['netns', 'exec', s.hosts['client']!.ns, process.execPath, httpPeer, '--requests', `http://${VIP}/`, '20', '--timeout', '1000']).catch(() => undefined);
      const by = r ? (JSON.parse(r.stdout) as { by: Record<string, number> }).by : {};
      return WEBS.every((w) => (by[w] ?? 0) > 0);
    }, 20_000);
    if (!answered) out.stderr('keepalived-ts lab: the client does not get answers from both web servers through the VIP yet; try `keepalived-ts lab status`\n');
    save({ complete: true });
  } catch (e) {
    out.stderr(`keepalived-ts lab: up failed (${(e as Error).message}); removing what it made\n`);
    await labDown(place, { stdout: () => {}, stderr: (t) => out.stderr(t) });
    if (e instanceof LabError) throw e;
    throw new LabError((e as Error).message);
  }
  printLab(s, out);
  return 0;
}

export function printLab(s: LabState, out: LabOut): void {
  const client = `ip netns exec ${s.hosts['client']!.ns}`;
  const lines = [
    '',
    `Seed 004's lab is up: keepalived-ts + LVS DR, a highly available web service (namespaces ${s.prefix}*).`,
    `  VIP        ${s.vip} port 80 (VRRP instance HA_WebServer, vrid 18; virtual server wlc, DR, HTTP_GET every 6 s)`,
  ];
  for (const [host, d] of Object.entries(s.daemons)) {
    const { state, priority } = DIRECTORS[host]!;
    lines.push(`  ${host.padEnd(10)} ${s.hosts[host]!.address.padEnd(12)} ${state} ${priority}; config ${d.config}`);
    lines.push(`  ${''.padEnd(10)} status page http://${d.http}/ (pid file ${d.pidFile}, log ${d.log})`);
  }
  for (const web of WEBS) lines.push(`  ${web.padEnd(10)} ${s.hosts[web]!.address.padEnd(12)} real server (VIP on lo), answers "${web}"; log ${s.webs[web]?.log ?? '-'}`);
  lines.push(`  ${'client'.padEnd(10)} ${s.hosts['client']!.address}`);
  lines.push(
    '',
    'Try:',
    `  ${client} curl -s http://${s.vip}/                    # a page through the VIP`,
    `  ${client} curl -s http://${s.daemons['lb1']!.http}/api/status   # lb1's status (the page / is live in a browser)`,
    `  keepalived-ts status -p ${s.daemons['lb1']!.pidFile}`,
    '  keepalived-ts lab traffic --seconds 20      # who answers, second by second',
    '  keepalived-ts lab fail lb1                  # pull lb1\'s cable: lb2 takes the VIP; `lab heal lb1` plugs it back',
    `  keepalived-ts lab stop web1                 # web1 leaves the pool within ${CHECK_BOUND_S} s; \`lab start web1\` brings it back`,
    '  keepalived-ts lab status                    # hosts, who holds the VIP, each daemon\'s status',
    '  keepalived-ts lab down                      # removes it all',
    '',
  );
  out.stdout(lines.join('\n'));
}
