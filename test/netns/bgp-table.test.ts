/**
 * --bgp-table with VRRP in the same daemon: the address of a virtual server is withdrawn from the
 * table while the VRRP instance holding it as a virtual_ipaddress is in FAULT, though the pool
 * keeps its quorum, and put back when the instance leaves FAULT. The VRRP child's transitions
 * reach the Healthcheck child through the parent (supervisor.ts relays them). The instance runs
 * on a second segment, so unplugging it faults the instance and leaves the health checks alone.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const peer = path.join(repo, 'dist/src/lab/http-peer.js');

/**
 * One director with VI_1 on its second segment holding `vip` and a DR service (`service`, `__RS__`
 * for the real server); the table holds `announced` while VI_1 is MASTER and `inFault` while it
 * is in FAULT (cable pulled), then `announced` again; nothing at shutdown.
 */
async function faultWithdraws(o: { vipHost: number; service: (seg: (n: number) => string) => string; announced: (seg: (n: number) => string) => string[]; inFault: (seg: (n: number) => string) => string[] }): Promise<void> {
  const lab = await Lab.create({ hosts: ['d1', 'rs1'], segments: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bgpt-'));
  try {
    const seg = (n: number) => lab.segmentAddress(1, n);
    const vip = seg(o.vipHost);
    const rs = lab.host('rs1').address;
    const web = lab.spawn('rs1', process.execPath, [peer, '--serve', 'rs1', '80']);
    await new Promise((r) => web.stdout!.once('data', r));
    const config = `vrrp_instance VI_1 {
  state MASTER
  interface eth1
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${vip}/32
  }
}
${o.service(seg)} {
  delay_loop 1
  lb_algo mh
  lb_kind DR
  protocol TCP
  real_server ${rs} 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
    const d = new Daemon(lab, 'd1', dir, config, repo, false, { KEEPALIVED_TS_DATAPLANE: 'none' }, ['--bgp-table', '77']);
    // A table that never held a route "does not exist": empty.
    // (ip prints a blank after a route with a prefix length: each line is trimmed.)
    const table = async () => (await lab.exec('d1', 'ip', 'route', 'show', 'table', '77', 'proto', 'keepalived').catch(() => '')).split('\n').map((l) => l.trim()).filter((l) => l).join('\n');
    const routes = (l: string[]) => l.map((p) => `blackhole ${p}`).join('\n');
    const diag = () => d.output.slice(-15).join('\n');
    await waitFor(async () => (await table()) === routes(o.announced(seg)) && d.output.some((l) => /Entering MASTER STATE/.test(l)), 20_000, `the addresses in table 77 and VI_1 master`).catch(async (e: Error) => assert.fail(`${e.message}: ${JSON.stringify(await table())}\n${diag()}`));
    await lab.cable('d1', false, 1);
    await waitFor(async () => (await table()) === routes(o.inFault(seg)), 10_000, `VI_1's address withdrawn in FAULT\n${diag()}`);
    assert.ok(d.output.some((l) => /Entering FAULT STATE/.test(l)), diag());
    assert.ok(!d.output.some((l) => /Lost quorum/.test(l)), 'the pool kept its quorum');
    await lab.cable('d1', true, 1);
    await waitFor(async () => (await table()) === routes(o.announced(seg)), 20_000, `the addresses back after FAULT\n${diag()}`);
    await d.kill('SIGTERM');
    assert.equal(await table(), '', 'nothing left at shutdown');
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a VRRP instance in FAULT withdraws its address from the BGP table; out of FAULT it is announced again', { skip: labUnavailable() ?? false, timeout: 60_000 }, () =>
  faultWithdraws({ vipHost: 100, service: (seg) => `virtual_server ${seg(100)} 80`, announced: (seg) => [seg(100)], inFault: () => [] }));

// The kernel lists routes by prefix; a host route without its length.
test('a virtual_server_group is announced as the fewest prefixes covering its entries; a faulted address is cut out of its range', { skip: labUnavailable() ?? false, timeout: 60_000 }, () =>
  faultWithdraws({
    vipHost: 101,
    service: (seg) => `virtual_server_group web {\n  ${seg(100)}-103 80\n  ${seg(110)} 80\n}\nvirtual_server group web`,
    announced: (seg) => [`${seg(100)}/30`, seg(110)],
    inFault: (seg) => [seg(100), `${seg(102)}/31`, seg(110)],
  }));
