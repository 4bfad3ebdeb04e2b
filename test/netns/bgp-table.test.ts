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

test('a VRRP instance in FAULT withdraws its address from the BGP table; out of FAULT it is announced again', { skip: labUnavailable() ?? false, timeout: 60_000 }, async () => {
  const lab = await Lab.create({ hosts: ['d1', 'rs1'], segments: 2 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-bgpt-'));
  try {
    const vip = lab.segmentAddress(1, 100);
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
virtual_server ${vip} 80 {
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
    const table = async () => (await lab.exec('d1', 'ip', 'route', 'show', 'table', '77', 'proto', 'keepalived').catch(() => '')).trim();
    const diag = () => d.output.slice(-15).join('\n');
    await waitFor(async () => (await table()) === `blackhole ${vip}` && d.output.some((l) => /Entering MASTER STATE/.test(l)), 20_000, `the VIP in table 77 and VI_1 master\n${diag()}`);
    await lab.cable('d1', false, 1);
    await waitFor(async () => (await table()) === '', 10_000, `the VIP withdrawn in FAULT\n${diag()}`);
    assert.ok(d.output.some((l) => /Entering FAULT STATE/.test(l)), diag());
    assert.ok(!d.output.some((l) => /Lost quorum/.test(l)), 'the pool kept its quorum');
    await lab.cable('d1', true, 1);
    await waitFor(async () => (await table()) === `blackhole ${vip}`, 20_000, `the VIP back after FAULT\n${diag()}`);
    await d.kill('SIGTERM');
    assert.equal(await table(), '', 'nothing left at shutdown');
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
