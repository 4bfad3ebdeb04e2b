/**
 * Seed 002's article, as its reader runs it: two nginx proxies, the configuration file word for
 * word (unicast, PASS, `vrrp_script chk_nginx { script "killall -0 nginx" weight 2 fall 2 rise 1 }`,
 * priorities 200 and 199), only its addresses, interface and nginx's name made the lab's (both
 * nodes share one process table here, so each node's "nginx" has a name of its own). With nginx up
 * the master advertises 202 and the backup 201; nginx dying on the master takes it to 200, so the
 * backup takes the VIP; nginx back, the master takes it back. The same run with Keepalived 2.2.7
 * on both nodes shows the test asks what Keepalived does.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Daemon } from '../../src/lab/daemon.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { repo, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['proxy101', 'proxy102', 'client'] }, (lab) => (v = lab));

const nginxes: ChildProcess[] = [];
after(() => {
  for (const p of nginxes) p.kill('SIGKILL');
});

const SEED = fs.readFileSync(path.join(repo, 'test/fixtures/seeds/002-proxy101.conf'), 'utf8');

/** The seed's file for one node: its own address, the peer's, the VIP, eth0 and its nginx's name. */
function seedConfig(o: { me: string; peer: string; vip: string; nginx: string; master: boolean }): string {
  let text = SEED.replaceAll('192.168.0.101', '@ME@').replaceAll('192.168.0.102', '@PEER@');
  text = text.replaceAll('@ME@', o.me).replaceAll('@PEER@', o.peer).replaceAll('192.168.0.105', o.vip);
  text = text.replace('interface em1', 'interface eth0').replace('killall -0 nginx', `killall -0 ${o.nginx}`);
  if (!o.master) text = text.replace('state MASTER', 'state BACKUP').replace('priority 200', 'priority 199').replace('router_id proxy101', 'router_id proxy102');
  return text;
}

function startNginx(name: string): ChildProcess {
  const bin = path.join(v.dir, name);
  if (!fs.existsSync(bin)) fs.copyFileSync('/usr/bin/sleep', bin);
  const p = spawn(bin, ['600'], { stdio: 'ignore' });
  nginxes.push(p);
  return p;
}

/** The priority of the next advert from address `from`, as its unicast peer `at` receives it. */
async function advertisedPriority(at: string, from: string): Promise<number | undefined> {
  const lines = await v.capture(at, `proto 112 and src host ${from}`, 2, 1);
  const m = /prio (\d+)/.exec(lines.join('\n'));
  return m ? Number(m[1]) : undefined;
}

for (const impl of ['keepalived-ts', 'keepalived'] as const) {
  const noReference = impl === 'keepalived' && !fs.existsSync('/usr/sbin/keepalived') ? 'keepalived is not installed' : undefined;
  test(`seed 002 with ${impl}: nginx dying on the master moves the VIP to the backup, and back when it returns`, { skip: skip ?? noReference, timeout: 90_000 }, async (t) => {
    const tag = impl === 'keepalived' ? 'k' : 't';
    const [h1, h2] = ['proxy101', 'proxy102'];
    const a1 = v.lab.host(h1).address;
    const a2 = v.lab.host(h2).address;
    const vipAddr = v.lab.spareAddress(impl === 'keepalived' ? 105 : 106);
    const vip = `${vipAddr}/32`;
    // Unicast adverts have no multicast group to keep two runs apart: one pair at a time.
    let nginx1 = startNginx(`nginx${tag}101`);
    startNginx(`nginx${tag}102`);
    const start = (host: string, text: string) => {
      const d = new Daemon(v.lab, host, path.join(v.dir, `${impl}-${host}`), text, repo, impl === 'keepalived');
      v.daemons.push(d);
      return d;
    };
    const d1 = start(h1, seedConfig({ me: a1, peer: a2, vip: vipAddr, nginx: `nginx${tag}101`, master: true }));
    const d2 = start(h2, seedConfig({ me: a2, peer: a1, vip: vipAddr, nginx: `nginx${tag}102`, master: false }));
    try {
      await v.waitHolder(h1, [h1, h2], vip, 20_000);
      await v.reaches('client', vipAddr, h1);
      await waitFor(async () => (await advertisedPriority(h2, a1)) === 202, 10_000, `${h1} advertises 202 (200 + chk_nginx's weight 2)`);

      nginx1.kill('SIGKILL');
      const t0 = Date.now();
      await v.waitHolder(h2, [h1, h2], vip, 15_000);
      t.diagnostic(`${impl}: ${h2} took the VIP ${Date.now() - t0} ms after nginx died on ${h1}`);
      await v.reaches('client', vipAddr, h2);
      assert.equal(await advertisedPriority(h1, a2), 201, `${h2} advertises 201 (199 + 2)`);

      nginx1 = startNginx(`nginx${tag}101`);
      await v.waitHolder(h1, [h1, h2], vip, 15_000);
      await v.reaches('client', vipAddr, h1);
      assert.equal(await advertisedPriority(h2, a1), 202);
    } finally {
      await d1.kill('SIGTERM');
      await d2.kill('SIGTERM');
    }
  });
}
