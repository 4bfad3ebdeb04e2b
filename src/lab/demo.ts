/**
 * The main job: seed 000's lab, run by keepalived-ts in network namespaces. Two directors
 * (lvs-server1/2) with the seed's two keepalived.conf files as written, except that the lab's
 * interface (eth0) and subnet (10.x.y.0/24) replace ens32 and 192.168.100.0/24; two real servers
 * (web1/2 at .12 and .13) set up as the article sets them up (the VIP on lo, arp_ignore 1,
 * arp_announce 2) running a small web server; a client. The client fetches pages through the VIP
 * (LVS DR, round robin) while a real server dies and returns, and while the master director dies,
 * comes back and stops.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from './daemon.js';
import { Lab, labUnavailable } from './lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seeds = path.join(repo, 'test/fixtures/seeds');
const peer = path.join(repo, 'dist/src/lab/http-peer.js');

const say = (m: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

/** Who holds the VIP; a crashed machine still has it configured but is off the wire. */
async function holder(lab: Lab, vip: string, down: ReadonlySet<string> = new Set()): Promise<string> {
  const held: string[] = [];
  for (const h of ['lvs-server1', 'lvs-server2']) if (!down.has(h) && (await lab.addresses(h)).includes(`${vip}/24`)) held.push(h);
  return held.length === 0 ? 'nobody' : held.join(' and ');
}

async function reachable(lab: Lab, vip: string): Promise<boolean> {
  try {
    await lab.exec('client', 'ping', '-c', '1', '-W', '1', vip);
    return true;
  } catch {
    return false;
  }
}

/** `n` page fetches through the VIP, each on a new connection: who answered. */
async function fetches(lab: Lab, vip: string, n: number): Promise<string> {
  const r = JSON.parse(await lab.exec('client', process.execPath, peer, '--requests', `http://${vip}/`, String(n))) as { by: Record<string, number>; errors: number };
  return `${Object.entries(r.by).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'nobody'}${r.errors ? `, ${r.errors} failed` : ''}`;
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) throw new Error(`the demo ${why}`);
  const lab = await Lab.create({ hosts: ['lvs-server1', 'lvs-server2', 'client', 'web1', 'web2'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-demo-'));
  const net = `10.${lab.subnet[0]}.${lab.subnet[1]}.`;
  const vip = `${net}14`;
  const conf = (file: string) => fs.readFileSync(path.join(seeds, file), 'utf8').replaceAll('ens32', 'eth0').replaceAll('192.168.100.', net);
  const daemons: Daemon[] = [];
  const start = (host: string, file: string) => {
    const d = new Daemon(lab, host, path.join(dir, host), conf(file), repo);
    daemons.push(d);
    return d;
  };
  const webs = new Map<string, ChildProcess>();
  const serve = async (host: string) => {
    const p = lab.spawn(host, process.execPath, [peer, '--serve', host, '80']);
    await new Promise((resolve, reject) => {
      p.stdout!.once('data', resolve);
      p.once('exit', () => reject(new Error(`${host}'s web server did not start`)));
    });
    webs.set(host, p);
  };
  try {
    // The real servers as the article sets them up for LVS DR.
    for (const [host, n] of [['web1', 12], ['web2', 13]] as const) {
      await lab.exec(host, 'ip', 'addr', 'add', `${net}${n}/24`, 'dev', 'eth0');
      await lab.exec(host, 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'lo');
      for (const k of ['all', 'eth0', 'lo']) {
        await lab.exec(host, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_ignore=1`);
        await lab.exec(host, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_announce=2`);
      }
      await serve(host);
    }
    say(`lab ${lab.id}: lvs-server1 ${lab.host('lvs-server1').address}, lvs-server2 ${lab.host('lvs-server2').address}, client ${lab.host('client').address}, web1 ${net}12, web2 ${net}13, VIP ${vip}`);
    const s1 = start('lvs-server1', '000-lvs-server1.conf');
    start('lvs-server2', '000-lvs-server2.conf');
    await waitFor(async () => (await holder(lab, vip)) !== 'nobody', 15_000, 'a master');
    say(`VIP held by ${await holder(lab, vip)} (state MASTER, priority 150 beats 100); client reaches it: ${await reachable(lab, vip)}`);
    await waitFor(async () => daemons[0]!.output.filter((l) => /TCP_CHECK on service .* succeeded/.test(l)).length >= 2, 15_000, 'the health checks');
    say(`20 page fetches through the VIP (LVS DR; each flow hashed through the Maglev table): ${await fetches(lab, vip, 20)}`);

    say('web2\'s web server stops');
    webs.get('web2')!.kill('SIGKILL');
    const w0 = Date.now();
    await waitFor(async () => daemons[0]!.output.some((l) => /Removing service \[[\d.]+\.13\]:tcp:80/.test(l)), 20_000, 'web2 removed');
    say(`lvs-server1 took web2 out after ${Date.now() - w0} ms (bound: delay_loop 3 + connect_timeout 3 x 2 + delay_before_retry 1 = 10 s); 20 fetches: ${await fetches(lab, vip, 20)}`);
    await serve('web2');
    await waitFor(async () => daemons[0]!.output.some((l) => /Adding service \[[\d.]+\.13\]:tcp:80/.test(l)), 20_000, 'web2 back');
    await new Promise((r) => setTimeout(r, 300));
    say(`web2 is back in the pool; 20 fetches: ${await fetches(lab, vip, 20)}`);

    say('lvs-server1 fails hard: keepalived-ts killed with SIGKILL and its cable pulled');
    const t0 = Date.now();
    await Promise.all([lab.cable('lvs-server1', false), s1.kill('SIGKILL')]);
    const crashed = new Set(['lvs-server1']);
    await waitFor(async () => (await holder(lab, vip, crashed)) === 'lvs-server2', 15_000, 'lvs-server2 takes over');
    say(`VIP moved to lvs-server2 after ${Date.now() - t0} ms (bound: 3 x 1 s + skew 0.61 s); client reaches it: ${await reachable(lab, vip)}`);
    say(`20 fetches through lvs-server2's table: ${await fetches(lab, vip, 20)}`);

    say('lvs-server1 comes back');
    await lab.cable('lvs-server1', true);
    // The old VIP is still configured on the crashed machine's interface; Keepalived removes
    // leftovers at start-up, and so does keepalived-ts.
    start('lvs-server1', '000-lvs-server1.conf');
    await waitFor(async () => !(await lab.addresses('lvs-server2')).includes(`${vip}/24`), 15_000, 'preemption');
    await waitFor(async () => (await holder(lab, vip)) === 'lvs-server1', 15_000, 'lvs-server1 master');
    say(`lvs-server1 preempted: VIP on ${await holder(lab, vip)}; client reaches it: ${await reachable(lab, vip)}`);
    await waitFor(async () => daemons[2]!.output.filter((l) => /TCP_CHECK on service .* succeeded/.test(l)).length >= 2, 15_000, 'the health checks');
    say(`20 fetches: ${await fetches(lab, vip, 20)}`);

    say('stopping both (SIGTERM: the master sends priority 0 and releases the VIP)');
    for (const d of daemons) await d.kill('SIGTERM');
    say(`VIP held by ${await holder(lab, vip)} after stop`);
    say('log of lvs-server2:');
    for (const line of daemons[1]!.output) console.log(`    ${line}`);
  } finally {
    for (const w of webs.values()) w.kill('SIGKILL');
    for (const d of daemons) await d.kill('SIGKILL');
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
