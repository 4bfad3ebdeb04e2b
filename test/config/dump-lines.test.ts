/**
 * -d (--dump-conf): the resolved model in the log at start, one line per top-level block.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDumpLines } from '../../src/config/dump-lines.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';

test('one line per block, named, as compact JSON without source positions', () => {
  const file = '/etc/keepalived/keepalived.conf';
  const text = `global_defs {
  router_id r1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.10/24
  }
}
virtual_server 10.0.0.10 80 {
  protocol TCP
  real_server 10.0.0.2 80 {
  }
}
`;
  const { config } = loadConfig(file, { fs: memoryConfigFs({ [file]: text }), configId: 'h' });
  const lines = configDumpLines(config);
  assert.equal(lines[0], '------< keepalived-ts configuration (-d) >------');
  const vi = lines.find((l) => l.startsWith('vrrp_instance VI_1: '));
  assert.ok(vi, lines.join('\n'));
  assert.equal(JSON.parse(vi.slice('vrrp_instance VI_1: '.length)).virtual_router_id, 51);
  assert.ok(lines.some((l) => l.startsWith('virtual_server 10.0.0.10 80: ')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('global_defs: ') && l.includes('"router_id":"r1"')));
  assert.ok(lines.every((l) => !l.includes('"pos"')));
});
