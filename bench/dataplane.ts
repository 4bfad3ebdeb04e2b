/**
 * bench/dataplane (root, by hand: `npm run bench:dataplane`): wrk from a client namespace against
 * two real servers behind a director, all in one lab and one run, best of `--runs`:
 *
 *   direct      the client to one real server (no director): the ceiling
 *   nft-hand    the minimal hand-written nftables DNAT for the same service: the kernel's own limit
 *   kts-nat     keepalived-ts -C, lb_kind NAT (its nftables ruleset)
 *   dr-hand     a minimal hand-written netdev DR rule
 *   kts-dr      keepalived-ts -C, lb_kind DR
 *   haproxy     HAProxy (Debian) in TCP mode on the director
 *   kts-proxy   keepalived-ts -C with the userspace proxy (relay loops, the default), served at
 *               the same time as HAProxy on another port, the two measured in turns
 *   kts-streams the same with KEEPALIVED_TS_PROXY_ENGINE=streams (Node's sockets and pipes)
 *
 * `--proxy`: only direct, haproxy and the two proxies; `--dr`: only direct and the DR paths.
 *
 * Requests/s with keep-alive and new connections/s (Connection: close), printed with the ratios
 * the goals are stated in: NAT and DR against the hand-written rules, the proxy against HAProxy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable, sh } from '../src/lab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const peer = path.join(repo, 'dist/src/lab/http-peer.js');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const PROXY_ONLY = args.includes('--proxy');
/** `--dr`: only direct and the two DR paths. */
const DR_ONLY = args.includes('--dr');
const SECONDS = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;

async function wrk(lab: Lab, url: string, close: boolean, runs = RUNS): Promise<number> {
  let best = 0;
  for (let i = 0; i < runs; i++) {
    const out = await lab.exec('client', 'wrk', '-t', '2', '-c', '32', '-d', `${SECONDS}s`, ...(close ? ['-H', 'Connection: close'] : []), url);
    if (args.includes('--verbose')) process.stderr.write(out);
    const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
    const errors = /Non-2xx|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    if (errors && errors[1] && Number(errors[1]) + Number(errors[4]) > 0) process.stderr.write(`  (${url}: ${errors[0]})\n`);
    best = Math.max(best, m ? Number(m[1]) : 0);
  }
  return best;
}

async function daemon(lab: Lab, dir: string, conf: string, env: Record<string, string>): Promise<{ stop(): Promise<void>; out: () => string }> {
  fs.writeFileSync(path.join(dir, 'k.conf'), conf);
  let out = '';
  const d = lab.spawn('director', process.execPath, [path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-C', '-f', path.join(dir, 'k.conf'), '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid')], { env: { ...process.env, ...env } });
  d.stdout!.on('data', (x: Buffer) => (out += x.toString()));
  d.stderr!.on('data', (x: Buffer) => (out += x.toString()));
  const end = Date.now() + 15_000;
  while ((out.match(/succeeded\./g) ?? []).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  return {
    out: () => out,
    stop: async () => {
      d.kill('SIGTERM');
      await new Promise((r) => d.once('exit', r));
    },
  };
}

function vsConf(vip: string, kind: 'NAT' | 'DR', port: number, rs: string[], vsPort = 80): string {
  return `virtual_server ${vip} ${vsPort} {\n delay_loop 5\n lb_algo ${kind === 'DR' ? 'mh' : 'rr'}\n lb_kind ${kind}\n protocol TCP\n` +
    rs.map((ip) => ` real_server ${ip} ${port} {\n  TCP_CHECK {\n   connect_timeout 2\n  }\n }\n`).join('') + '}\n';
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) throw new Error(why);
  const lab = await Lab.create({ hosts: ['client', 'director', 'rs1', 'rs2'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bench-dp-'));
  const procs: ChildProcess[] = [];
  const rows: Array<[string, number, number]> = [];
  /**
   * Two paths served at once on different ports, their runs interleaved (a b a b ...): each run's
   * TIME_WAIT sockets (tens of thousands) weigh on the runs after it for a minute, which measured
   * one after the other favoured whichever path ran first.
   */
  const measurePair = async (a: [string, string], b: [string, string]) => {
    const best = new Map<string, [number, number]>([[a[0], [0, 0]], [b[0], [0, 0]]]);
    for (const close of [false, true]) {
      for (let i = 0; i < RUNS; i++) {
        for (const [name, url] of i % 2 === 0 ? [a, b] : [b, a]) {
          const r = await wrk(lab, url, close, 1);
          const m = best.get(name)!;
          m[close ? 1 : 0] = Math.max(m[close ? 1 : 0], r);
        }
      }
    }
    for (const [name, [ka, nc]] of best) {
      rows.push([name, ka, nc]);
      process.stderr.write(`${name}: ${Math.round(ka)} req/s keep-alive, ${Math.round(nc)} conn/s\n`);
    }
  };
  const measure = async (name: string, url: string) => {
    const ka = await wrk(lab, url, false);
    const nc = await wrk(lab, url, true);
    rows.push([name, ka, nc]);
    process.stderr.write(`${name}: ${Math.round(ka)} req/s keep-alive, ${Math.round(nc)} conn/s\n`);
  };
  try {
    const [client, director, rs1, rs2] = ['client', 'director', 'rs1', 'rs2'].map((h) => lab.host(h)!);
    const vip = lab.spareAddress(100);
    await lab.exec('director', 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0');
    // Tens of thousands of short connections a run: without reuse the client's ports sit in
    // TIME_WAIT and every later path is measured at the rate ports come free (~900/s here).
    await lab.exec('client', 'sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=1');
    await lab.exec('client', 'sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535');
    await lab.exec('director', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    for (const k of ['all', 'eth0']) await lab.exec('director', 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.send_redirects=0`);
    for (const h of ['rs1', 'rs2']) {
      const p = lab.spawn(h, process.execPath, [peer, '--serve', h, '80', '8080']);
      procs.push(p);
      await new Promise((resolve, reject) => {
        p.stdout!.once('data', resolve);
        p.once('exit', () => reject(new Error(`the ${h} server did not start`)));
      });
      await lab.exec(h, 'ip', 'route', 'add', `${client!.address}/32`, 'via', director!.address);
    }
    const rsIps = [rs1!.address, rs2!.address];

    await measure('direct', `http://${rs1!.address}:8080/`);

    if (!PROXY_ONLY && !DR_ONLY) await sh('bash', '-c', `printf '%s\\n' 'table ip hand {' ' chain pre { type nat hook prerouting priority dstnat; ip daddr ${vip} tcp dport 80 dnat to numgen inc mod 2 map { 0 : ${rsIps[0]}, 1 : ${rsIps[1]} } : 8080 ; }' '}' | ip netns exec ${director!.ns} nft -f -`).catch(async () => {
      await sh('ip', 'netns', 'exec', director!.ns, 'nft', `add table ip hand; add chain ip hand pre { type nat hook prerouting priority dstnat; }; add rule ip hand pre ip daddr ${vip} tcp dport 80 dnat ip addr . port to numgen inc mod 2 map { 0 : ${rsIps[0]} . 8080, 1 : ${rsIps[1]} . 8080 }`);
    });
    if (!PROXY_ONLY && !DR_ONLY) {
      await measure('nft-hand', `http://${vip}/`);
      await sh('ip', 'netns', 'exec', director!.ns, 'nft', 'delete', 'table', 'ip', 'hand');
      const d = await daemon(lab, dir, vsConf(vip, 'NAT', 8080, rsIps), {});
      await measure('kts-nat', `http://${vip}/`);
      await d.stop();
    }

    if (!DR_ONLY) {
      const hap = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(hap, `global\n maxconn 4000\ndefaults\n mode tcp\n timeout connect 2s\n timeout client 30s\n timeout server 30s\nlisten vs\n bind ${vip}:80\n balance roundrobin\n server rs1 ${rsIps[0]}:8080\n server rs2 ${rsIps[1]}:8080\n`);
      const h = lab.spawn('director', 'haproxy', ['-f', hap, '-db']);
      h.stderr!.on('data', (x: Buffer) => args.includes('--verbose') && process.stderr.write(`haproxy: ${x}`));
      procs.push(h);
      // The proxy on port 81 beside HAProxy on 80, measured in turns.
      let d = await daemon(lab, dir, vsConf(vip, 'NAT', 8080, rsIps, 81), { KEEPALIVED_TS_DATAPLANE: 'proxy' });
      await measurePair(['haproxy', `http://${vip}/`], ['kts-proxy', `http://${vip}:81/`]);
      h.kill('SIGKILL');
      await d.stop();
      d = await daemon(lab, dir, vsConf(vip, 'NAT', 8080, rsIps), { KEEPALIVED_TS_DATAPLANE: 'proxy', KEEPALIVED_TS_PROXY_ENGINE: 'streams' });
      await measure('kts-streams', `http://${vip}/`);
      await d.stop();
    }
    if (!PROXY_ONLY) {

      // DR: the real servers hold the VIP on lo and answer the client themselves.
      for (const hname of ['rs1', 'rs2']) {
        await lab.exec(hname, 'ip', 'route', 'del', `${client!.address}/32`);
        await lab.exec(hname, 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'lo');
        for (const k of ['all', 'eth0']) {
          await lab.exec(hname, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_ignore=1`);
          await lab.exec(hname, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}.arp_announce=2`);
        }
      }
      const macs = await Promise.all(['rs1', 'rs2'].map(async (x) => (JSON.parse(await lab.exec(x, 'ip', '-j', 'link', 'show', 'eth0')) as Array<{ address: string }>)[0]!.address));
      const own = (JSON.parse(await lab.exec('director', 'ip', '-j', 'link', 'show', 'eth0')) as Array<{ address: string }>)[0]!.address;
      await sh('ip', 'netns', 'exec', director!.ns, 'nft', `add table netdev hand; add chain netdev hand in { type filter hook ingress device "eth0" priority 0; }; add rule netdev hand in ip daddr ${vip} tcp dport 80 ether saddr set ${own} ether daddr set jhash ip saddr . tcp sport mod 2 seed 0x1 map { 0 : ${macs[0]}, 1 : ${macs[1]} } fwd to "eth0"`);
      await measure('dr-hand', `http://${vip}/`);
      await sh('ip', 'netns', 'exec', director!.ns, 'nft', 'delete', 'table', 'netdev', 'hand');

      const d = await daemon(lab, dir, vsConf(vip, 'DR', 80, rsIps), {});
      await measure('kts-dr', `http://${vip}/`);
      await d.stop();
    }
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (rows.length === 0) return;
  const get = (n: string) => rows.find((r) => r[0] === n)!;
  console.log(`\nbest of ${RUNS} x ${SECONDS} s, wrk -t2 -c32 (this machine: ${os.cpus().length} cores, noisy)`);
  console.log(`${'path'.padEnd(10)} ${'req/s (keep-alive)'.padStart(19)} ${'x direct'.padStart(9)} ${'conn/s (close)'.padStart(15)} ${'x direct'.padStart(9)}`);
  const direct = get('direct');
  for (const [n, ka, nc] of rows) console.log(`${n.padEnd(10)} ${Math.round(ka).toString().padStart(19)} ${(ka / direct[1]).toFixed(2).padStart(9)} ${Math.round(nc).toString().padStart(15)} ${(nc / direct[2]).toFixed(2).padStart(9)}`);
  const ratio = (a: string, b: string) => `${(get(a)[1] / get(b)[1]).toFixed(2)} keep-alive, ${(get(a)[2] / get(b)[2]).toFixed(2)} new connections`;
  console.log('');
  if (DR_ONLY) console.log(`kts-dr / dr-hand:   ${ratio('kts-dr', 'dr-hand')}   (goal >= 0.97)`);
  else if (!PROXY_ONLY) {
    console.log(`kts-nat / nft-hand: ${ratio('kts-nat', 'nft-hand')}   (goal >= 0.97)`);
    console.log(`kts-dr / dr-hand:   ${ratio('kts-dr', 'dr-hand')}   (goal >= 0.97)`);
  }
  if (!DR_ONLY) {
    console.log(`kts-proxy / haproxy: ${ratio('kts-proxy', 'haproxy')}   (goal >= 1)`);
    console.log(`kts-streams / haproxy: ${ratio('kts-streams', 'haproxy')}`);
  }
}

await main();
