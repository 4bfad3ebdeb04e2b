/**
 * keepalived-ts on the wire: two daemons and a client on one segment of network namespaces.
 * The client must reach the VIP after each failover (ping), not only see the address move.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable } from '../../src/lab/lab.js';
import { Daemon, waitFor } from '../../src/lab/daemon.js';

const skip = labUnavailable();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let lab: Lab;
let dir: string;
const daemons: Daemon[] = [];

before(async () => {
  if (skip) return;
  lab = await Lab.create({ hosts: ['d1', 'd2', 'client'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-failover-'));
});

after(async () => {
  for (const d of daemons) await d.kill('SIGKILL');
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function config(priority: number, vip: string, extra = ''): string {
  return `global_defs { router_id test_${priority} }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
  authentication { auth_type PASS
    auth_pass 1111 }
  virtual_ipaddress { ${vip}/24 }
  ${extra}
}
`;
}

async function ping(from: string, to: string): Promise<boolean> {
  try {
    await lab.exec(from, 'ping', '-c', '1', '-W', '1', to);
    return true;
  } catch {
    return false;
  }
}

test('election, hard crash of the master, preemption on return: the client reaches the VIP each time', { skip, timeout: 90_000 }, async () => {
  const vip = lab.spareAddress(100);
  const start = (host: string, prio: number) => {
    const d = new Daemon(lab, host, path.join(dir, host), config(prio, vip), repo);
    daemons.push(d);
    return d;
  };
  const d1 = start('d1', 150);
  const d2 = start('d2', 100);
  await waitFor(async () => (await lab.addresses('d1')).includes(`${vip}/24`), 15_000, 'd1 holds the VIP');
  assert.ok(!(await lab.addresses('d2')).includes(`${vip}/24`));
  assert.ok(await ping('client', vip), 'client reaches the VIP on d1');

  await d1.kill('SIGKILL');
  await waitFor(async () => (await lab.addresses('d2')).includes(`${vip}/24`), 15_000, 'd2 takes the VIP');
  await waitFor(() => ping('client', vip), 10_000, 'client reaches the VIP on d2');

  const d1b = start('d1', 150);
  await waitFor(async () => (await lab.addresses('d1')).includes(`${vip}/24`), 15_000, 'd1 preempts');
  await waitFor(async () => !(await lab.addresses('d2')).includes(`${vip}/24`), 10_000, 'd2 releases the VIP');
  await waitFor(() => ping('client', vip), 10_000, 'client reaches the VIP on d1 again');

  // SIGTERM: the master resigns with priority 0 and removes its address.
  await d1b.kill('SIGTERM');
  assert.ok(!(await lab.addresses('d1')).includes(`${vip}/24`), 'a stopped master leaves no VIP behind');
  await waitFor(async () => (await lab.addresses('d2')).includes(`${vip}/24`), 5_000, 'd2 takes over after priority 0');
  await d2.kill('SIGTERM');
});
