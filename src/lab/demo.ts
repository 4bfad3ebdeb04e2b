/**
 * The main job for now: seed 000's HA pair, run by keepalived-ts in a lab of network namespaces.
 * The seed's two keepalived.conf files are used as written, except that the lab's interface
 * (eth0) and subnet (10.x.y.0/24) replace ens32 and 192.168.100.0/24. A client pings the VIP
 * while the master dies, comes back and stops.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from './daemon.js';
import { Lab, labUnavailable } from './lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seeds = path.join(repo, 'test/fixtures/seeds');

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

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) throw new Error(`the demo ${why}`);
  const lab = await Lab.create({ hosts: ['lvs-server1', 'lvs-server2', 'client'] });
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
  try {
    say(`lab ${lab.id}: lvs-server1 ${lab.host('lvs-server1').address}, lvs-server2 ${lab.host('lvs-server2').address}, client ${lab.host('client').address}, VIP ${vip}`);
    const s1 = start('lvs-server1', '000-lvs-server1.conf');
    start('lvs-server2', '000-lvs-server2.conf');
    await waitFor(async () => (await holder(lab, vip)) !== 'nobody', 15_000, 'a master');
    say(`VIP held by ${await holder(lab, vip)} (state MASTER, priority 150 beats 100); client reaches it: ${await reachable(lab, vip)}`);

    say('lvs-server1 fails hard: keepalived-ts killed with SIGKILL and its cable pulled');
    const t0 = Date.now();
    await Promise.all([lab.cable('lvs-server1', false), s1.kill('SIGKILL')]);
    const crashed = new Set(['lvs-server1']);
    await waitFor(async () => (await holder(lab, vip, crashed)) === 'lvs-server2', 15_000, 'lvs-server2 takes over');
    say(`VIP moved to lvs-server2 after ${Date.now() - t0} ms (bound: 3 x 1 s + skew 0.61 s); client reaches it: ${await reachable(lab, vip)}`);

    say('lvs-server1 comes back');
    await lab.cable('lvs-server1', true);
    // The old VIP is still configured on the crashed machine's interface; Keepalived removes
    // leftovers at start-up, and so does keepalived-ts.
    start('lvs-server1', '000-lvs-server1.conf');
    await waitFor(async () => !(await lab.addresses('lvs-server2')).includes(`${vip}/24`), 15_000, 'preemption');
    await waitFor(async () => (await holder(lab, vip)) === 'lvs-server1', 15_000, 'lvs-server1 master');
    say(`lvs-server1 preempted: VIP on ${await holder(lab, vip)}; client reaches it: ${await reachable(lab, vip)}`);

    say('stopping both (SIGTERM: the master sends priority 0 and releases the VIP)');
    for (const d of daemons) await d.kill('SIGTERM');
    say(`VIP held by ${await holder(lab, vip)} after stop`);
    say('log of lvs-server2:');
    for (const line of daemons[1]!.output) console.log(`    ${line}`);
  } finally {
    for (const d of daemons) await d.kill('SIGKILL');
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
