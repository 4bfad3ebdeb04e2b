/**
 * Unicast VRRP as seed 002 has it (unicast_src_ip + unicast_peer, VRRPv2 with PASS, `state
 * MASTER` on the higher priority): adverts go to the peer's address only, never to 224.0.0.18,
 * and failover works as with multicast.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'client'] }, (lab) => (v = lab));

function config(state: 'MASTER' | 'BACKUP', priority: number, me: string, peer: string, vip: string): string {
  return `${globalDefs(`proxy_${priority}`)}
vrrp_instance YN_API_GATEWAY {
  state ${state}
  interface eth0
  virtual_router_id 101
  priority ${priority}
  advert_int 1
  unicast_src_ip ${me}
  unicast_peer {
    ${peer}
  }
  authentication {
    auth_type PASS
    auth_pass testpass
  }
  virtual_ipaddress {
    ${vip}
  }
}
`;
}

test('unicast pair (seed 002): adverts go to the peer only, none to 224.0.0.18; the backup takes over on a crash', { skip, timeout: 60_000 }, async (t) => {
  const { lab } = v;
  const a1 = lab.host('d1').address;
  const a2 = lab.host('d2').address;
  const vipAddr = lab.spareAddress(105);
  const vip = `${vipAddr}/24`;
  const d1 = v.start('d1', config('MASTER', 200, a1, a2, vip));
  v.start('d2', config('BACKUP', 199, a2, a1, vip));
  await v.waitHolder('d1', ['d1', 'd2'], vip, 15_000);
  await v.reaches('client', vipAddr, 'd1');

  // The peer gets d1's adverts addressed to it; nobody on the segment sees a multicast advert.
  const [atPeer, multicast] = await Promise.all([
    v.capture('d2', 'ip proto 112', 4, 2),
    v.capture('client', 'ip proto 112 and dst 224.0.0.18', 3),
  ]);
  assert.ok(atPeer.length >= 1, 'd2 receives adverts');
  for (const l of atPeer) assert.match(l, new RegExp(`${a1.replaceAll('.', '\\.')} > ${a2.replaceAll('.', '\\.')}: VRRPv2, Advertisement, vrid 101, prio 200`), l);
  assert.deepEqual(multicast, [], 'no advert goes to 224.0.0.18');
  assert.ok(!(await v.holds('d2', vip)), `d2 stays backup:\n${v.output()}`);

  const t0 = Date.now();
  await Promise.all([d1.kill('SIGKILL'), lab.cable('d1', false)]);
  await waitFor(() => v.holds('d2', vip), 10_000, 'd2 takes the VIP');
  t.diagnostic(`unicast takeover after crash: ${Date.now() - t0} ms`);
  await v.reaches('client', vipAddr, 'd2');
  // As master, d2 sends to d1 only: still nothing multicast.
  assert.deepEqual(await v.capture('client', 'ip proto 112 and dst 224.0.0.18', 2), [], 'no advert goes to 224.0.0.18 from d2');
});
