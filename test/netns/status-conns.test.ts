/**
 * /metrics' node_ipvs_backend_connections_active and _inactive from a running director
 * (dataplane-rig.ts, NAT with the nftables data plane, --http): a connection held open through
 * the VIP counts as active on the real server that took it, finished ones as inactive
 * (TIME_WAIT), as node_exporter's IPVS collector shows them. Before, these series never appeared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rig, skip, waitFor, type Rig } from './dataplane-rig.js';

const PORT = 9652;

async function series(r: Rig, name: string): Promise<Map<string, number>> {
  const text = await r.lab.exec('director', 'curl', '-sf', '--max-time', '5', `http://127.0.0.1:${PORT}/metrics`);
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{.*remote_address="([^"]+)".*\\} (\\d+)$`, 'gm'))) out.set(m[1]!, Number(m[2]));
  return out;
}

test('/metrics counts the NAT connections per real server: held open as active, finished as inactive', { skip, timeout: 90_000 }, async () => {
  await rig('NAT', async (r) => {
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 40_000);
    const done = await r.requests(6);
    assert.equal(done.errors, 0);
    // One request held open for 20 s: an ESTABLISHED connection through the VIP.
    const held = r.lab.spawn('client', 'curl', ['-s', '--max-time', '30', `http://${r.vip}/slow?ms=20000`]);
    try {
      let active = new Map<string, number>();
      await waitFor('an active connection in /metrics', async () => {
        active = await series(r, 'node_ipvs_backend_connections_active');
        return [...active.values()].reduce((a, b) => a + b, 0) === 1;
      }, 15_000);
      assert.equal(active.size, 2, 'a series for each real server');
      const inactive = await series(r, 'node_ipvs_backend_connections_inactive');
      assert.equal([...inactive.values()].reduce((a, b) => a + b, 0), 6, `the 6 finished requests, in TIME_WAIT: ${[...inactive]}`);
    } finally {
      held.kill('SIGKILL');
    }
  }, '', [1, 3], undefined, undefined, { env: { KEEPALIVED_TS_HTTP: `127.0.0.1:${PORT}` } });
});
