/**
 * The status's connection counts (daemon/status/conn-counts.ts): read from conntrack when a
 * status request comes, one read shared by the requests that come during it, only with the
 * nftables data plane and virtual servers with an address; the counts reach the LVS part and
 * /metrics' node_ipvs_backend_connections_active / _inactive (never populated before: the
 * checker child passed no counts to lvsPart).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { lvsPart, CheckResults, withConnections } from '../../src/daemon/status/check-status.js';
import { connectionKey, StatusConnections, STATUS_READ_BOUNDS } from '../../src/daemon/status/conn-counts.js';
import { formatMetrics } from '../../src/daemon/status/metrics.js';
import type { ConnectionCounts, ReadBounds } from '../../src/os/conntrack.js';

const CONF = `virtual_server 10.1.1.100 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.1.1.4 8080 {
  }
  real_server 10.1.1.5 8080 {
  }
}
virtual_server fd00:0:0::0100 443 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server fd00::4 8443 {
  }
}
virtual_server 10.1.1.101 80 {
  lb_algo rr
  lb_kind DR
  real_server 10.1.1.6 80 {
  }
}
virtual_server fwmark 7 {
  lb_algo rr
  lb_kind DR
  real_server 10.1.1.6 0 {
  }
}
`;
const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': CONF }), configId: 'x' });

function reader(counts: ConnectionCounts | undefined) {
  const asked: ReadBounds[] = [];
  const read = (b: ReadBounds) => {
    asked.push(b);
    return new Promise<ConnectionCounts | undefined>((r) => setTimeout(() => r(counts), 20));
  };
  return { read, asked };
}

test('one bounded read per request, shared by the requests during it, for the virtual addresses in canonical form', async () => {
  const r = reader(new Map());
  const sc = new StatusConnections(r.read);
  await Promise.all([sc.counts(config, 'nft'), sc.counts(config, 'nft'), sc.counts(config, 'nft')]);
  assert.equal(r.asked.length, 1, 'three requests at once: one read');
  assert.deepEqual([...r.asked[0]!.vips!].sort(), ['10.1.1.100', '10.1.1.101', 'fd00::100']);
  assert.equal(r.asked[0]!.timeoutMs, STATUS_READ_BOUNDS.timeoutMs);
  assert.ok(STATUS_READ_BOUNDS.timeoutMs < 1000, 'within the parent\'s 1 s wait for the parts');
  await sc.counts(config, 'nft');
  assert.equal(r.asked.length, 2, 'the next request reads again: counts are never older than the request');
});

test('no read for the proxy or no data plane, nor for a configuration without addressed virtual servers; a failed read gives no counts', async () => {
  const r = reader(new Map());
  const sc = new StatusConnections(r.read);
  assert.equal(await sc.counts(config, 'proxy'), undefined);
  assert.equal(await sc.counts(config, 'none'), undefined);
  const { config: fwmarkOnly } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': 'virtual_server fwmark 7 {\n lb_kind DR\n real_server 10.1.1.6 0 {\n }\n}\n' }), configId: 'x' });
  assert.equal(await sc.counts(fwmarkOnly, 'nft'), undefined);
  assert.equal(r.asked.length, 0);
  const failing = new StatusConnections(() => Promise.reject(new Error('no conntrack')));
  assert.equal(await failing.counts(config, 'nft'), undefined);
});

test('the counts reach the LVS part and /metrics (node_ipvs_backend_connections_active and _inactive)', async () => {
  const counts: ConnectionCounts = new Map([
    [connectionKey('10.1.1.100', 80, '10.1.1.4', 8080), [3, 7]],
    // conntrack prints fd00::100; the configuration spells it fd00:0:0::0100.
    ['fd00::100|443|fd00::4|8443', [1, 0]],
  ]);
  const sc = new StatusConnections(reader(counts).read);
  const conns = await sc.counts(config, 'nft');
  const runtime = {
    poolState: (v: number) => ({ quorumUp: true, sorryAlive: false, rs: config.virtual_server[v]!.real_server.map((rs) => ({ alive: true, weight: rs.weight, failed: 0 })) }),
  } as unknown as Parameters<typeof lvsPart>[0]['runtime'];
  assert.ok(conns);
  const lvs = withConnections(lvsPart({ config, runtime, results: new CheckResults(), plane: 'nft' }), conns);
  const rs = lvs.virtualServers[0]!.realServers;
  assert.deepEqual([rs[0]!.activeConns, rs[0]!.inactiveConns], [3, 7]);
  assert.deepEqual([rs[1]!.activeConns, rs[1]!.inactiveConns], [0, 0], 'a NAT server without an entry has no connections');
  assert.equal(lvs.virtualServers[2]!.realServers[0]!.activeConns, undefined, 'DR: nothing in conntrack to count, so no count');
  assert.deepEqual([lvs.virtualServers[1]!.realServers[0]!.activeConns, lvs.virtualServers[1]!.realServers[0]!.inactiveConns], [1, 0]);
  const text = formatMetrics({ pid: 1, version: 'x', startedAt: '', children: [], lvs });
  assert.match(text, /^node_ipvs_backend_connections_active\{local_address="10\.1\.1\.100",local_port="80",remote_address="10\.1\.1\.4",remote_port="8080",proto="TCP",local_mark=""\} 3$/m);
  assert.match(text, /^node_ipvs_backend_connections_inactive\{local_address="10\.1\.1\.100",local_port="80",remote_address="10\.1\.1\.4",remote_port="8080",proto="TCP",local_mark=""\} 7$/m);
  assert.match(text, /^node_ipvs_backend_connections_active\{local_address="fd00:0:0::0100",.*remote_address="fd00::4".*\} 1$/m);
});

test('/metrics says which running child answered the scrape: 1, or 0 when its series are missing from it', () => {
  const text = formatMetrics({ pid: 1, version: 'x', startedAt: '', children: ['VRRP', 'Healthcheck'], unanswered: ['Healthcheck'] });
  assert.match(text, /^keepalived_ts_child_answered\{child="VRRP"\} 1$/m);
  assert.match(text, /^keepalived_ts_child_answered\{child="Healthcheck"\} 0$/m);
  assert.match(text, /^# TYPE keepalived_ts_child_answered gauge$/m);
});
