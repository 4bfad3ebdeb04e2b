/**
 * The active/backup comparison for bench/scale-out: a VRRP pair (VRRPv3 at 100 ms, bench/failover's
 * fast case) carrying the same DR mh virtual server, three real servers and a client on one segment.
 * The master is lost as a scale-out director is (its cable pulled, then keepalived-ts SIGKILLed)
 * under the same probe, so the two rows of the table measure the same thing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Daemon } from '../src/lab/daemon.js';
import { Lab } from '../src/lab/lab.js';
import { lossUnderProbe, peer, repo, waitFor, type Loss } from './scale-out-rig.js';

const SERVERS = ['rs1', 'rs2', 'rs3'];

function config(vip: string, priority: number, servers: string[]): string {
  const rs = servers.map((ip) => `  real_server ${ip} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n`).join('');
  return `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  version 3
  priority ${priority}
  advert_int 0.1
  virtual_ipaddress { ${vip}/24 }
}
virtual_server ${vip} 80 {
  delay_loop 1
  lb_algo mh
  lb_kind DR
  protocol TCP
${rs}}
`;
}

export async function lossOnPair(): Promise<Loss> {
  const lab = await Lab.create({ hosts: ['d1', 'd2', ...SERVERS, 'cl'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bench-pair-'));
  const daemons: Daemon[] = [];
  try {
    const vip = lab.spareAddress(100);
    const servers = SERVERS.map((s) => lab.host(s).address);
    for (const rs of SERVERS) {
      await lab.exec(rs, process.execPath, path.join(repo, 'bin/keepalived-ts'), 'realserver', 'start', '--vip', vip, '--state', path.join(dir, `${rs}-realserver.json`));
      const p = lab.spawn(rs, process.execPath, [peer, '--serve', rs, '80']);
      await new Promise<void>((resolve, reject) => {
        p.stdout!.once('data', () => resolve());
        p.once('exit', () => reject(new Error(`${rs} backend exited`)));
      });
    }
    const d1 = new Daemon(lab, 'd1', path.join(dir, 'd1'), config(vip, 150, servers), repo);
    const d2 = new Daemon(lab, 'd2', path.join(dir, 'd2'), config(vip, 100, servers), repo);
    daemons.push(d1, d2);
    await waitFor('d1 master', async () => (await lab.addresses('d1')).includes(`${vip}/24`), 20_000);
    // Both data planes with the whole pool (the backup's too: it must forward from its first packet).
    const table = (h: string) => lab.exec(h, 'nft', 'list', 'map', 'netdev', 'keepalived_ts_dr', 'fresh_0').catch(() => '');
    await waitFor('both directors\' DR tables', async () => {
      const [a, b] = await Promise.all([table('d1'), table('d2')]);
      return a !== '' && a === b && SERVERS.every((s) => a.includes(lab.host(s).mac));
    }, 30_000);
    return await lossUnderProbe(lab, 'cl', `http://${vip}/`, async () => {
      await lab.cable('d1', false);
      const down = Date.now();
      await d1.kill('SIGKILL');
      await waitFor('d2 takes the VIP', async () => (await lab.addresses('d2')).includes(`${vip}/24`), 10_000);
      return `VIP on the backup ${Date.now() - down} ms after the link`;
    }, async () => true);
  } finally {
    for (const d of daemons) await d.kill('SIGKILL').catch(() => undefined);
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
