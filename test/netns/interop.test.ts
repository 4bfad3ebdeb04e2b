/**
 * Interoperability with the real Keepalived (Debian's package): keepalived-ts and keepalived in
 * one VRID, each as master and as backup, VRRPv2 with PASS and VRRPv3, multicast and unicast.
 * They must elect the right master and take over from each other.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const skip = labUnavailable() ?? (fs.existsSync('/usr/sbin/keepalived') ? undefined : 'keepalived is not installed');

let lab: Lab;
let dir: string;
const daemons: Daemon[] = [];

before(async () => {
  if (skip) return;
  lab = await Lab.create({ hosts: ['ours', 'theirs'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-interop-'));
});

after(async () => {
  for (const d of daemons) await d.kill('SIGKILL');
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Variant {
  readonly name: string;
  readonly version: 2 | 3;
  readonly unicast: boolean;
}

function config(v: Variant, priority: number, vip: string, me: string, peer: string): string {
  return `global_defs { router_id interop_${priority} }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 61
  version ${v.version}
  priority ${priority}
  advert_int 1
  ${v.version === 2 ? 'authentication { auth_type PASS\n    auth_pass interop1 }' : ''}
  ${v.unicast ? `unicast_src_ip ${me}\n  unicast_peer { ${peer} }` : ''}
  virtual_ipaddress { ${vip}/24 }
}
`;
}

const VARIANTS: Variant[] = [
  { name: 'v2 PASS multicast', version: 2, unicast: false },
  { name: 'v3 multicast', version: 3, unicast: false },
  { name: 'v3 unicast', version: 3, unicast: true },
  { name: 'v2 PASS unicast', version: 2, unicast: true },
];

for (const v of VARIANTS) {
  for (const oursIsHigher of [true, false]) {
    test(`${v.name}: ${oursIsHigher ? 'keepalived-ts master, keepalived backup' : 'keepalived master, keepalived-ts backup'}; the backup takes over`, { skip, timeout: 60_000 }, async () => {
      const vip = lab.spareAddress(oursIsHigher ? 110 : 120);
      const ours = lab.host('ours').address;
      const theirs = lab.host('theirs').address;
      const sub = path.join(dir, `${v.version}${v.unicast ? 'u' : 'm'}${oursIsHigher ? 'a' : 'b'}`);
      const a = new Daemon(lab, 'ours', path.join(sub, 'ours'), config(v, oursIsHigher ? 150 : 100, vip, ours, theirs), repo);
      const b = new Daemon(lab, 'theirs', path.join(sub, 'theirs'), config(v, oursIsHigher ? 100 : 150, vip, theirs, ours), repo, true);
      daemons.push(a, b);
      const [master, backup, masterHost, backupHost] = oursIsHigher ? [a, b, 'ours', 'theirs'] : [b, a, 'theirs', 'ours'];
      await waitFor(async () => (await lab.addresses(masterHost)).includes(`${vip}/24`), 15_000, `${masterHost} becomes master`);
      // Both must agree: after a few more adverts the backup still does not hold the VIP.
      await new Promise((r) => setTimeout(r, 3_000));
      assert.ok(!(await lab.addresses(backupHost)).includes(`${vip}/24`), `${backupHost} must stay backup:\n${backup.output.join('\n')}`);
      await master.kill('SIGKILL');
      await waitFor(async () => (await lab.addresses(backupHost)).includes(`${vip}/24`), 15_000, `${backupHost} takes over`);
      await backup.kill('SIGTERM');
      await waitFor(async () => !(await lab.addresses(backupHost)).includes(`${vip}/24`), 5_000, `${backupHost} releases the VIP on stop`);
    });
  }
}
