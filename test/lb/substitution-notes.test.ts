/**
 * What is configured is what runs, or the operator is told: `-t` and the checker process's log
 * carry a note at each virtual server whose lb_algo the nftables data plane replaces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { dataPlaneOf, substitutionNotes } from '../../src/lb/scheduler-in-force.js';

const conf = (kind: string, algo: string) => `virtual_server 10.0.0.1 80 {
  lb_algo ${algo}
  lb_kind ${kind}
  protocol TCP
  real_server 10.0.0.2 80 {
  }
}
`;
const load = (text: string) => loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }) }).config;

test('DR with another lb_algo than mh: a note at the virtual server, naming Maglev', () => {
  const notes = substitutionNotes(load(conf('DR', 'wrr')), 'nft');
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.severity, 'note');
  assert.equal(notes[0]!.pos?.line, 1);
  assert.match(notes[0]!.message, /lb_algo wrr runs as mh \(Maglev\)/);
  assert.deepEqual(substitutionNotes(load(conf('DR', 'mh')), 'nft'), []);
});

test('NAT: exact schedulers say nothing, substitutes are named; the proxy and no data plane say nothing', () => {
  assert.deepEqual(substitutionNotes(load(conf('NAT', 'wrr')), 'nft'), []);
  assert.match(substitutionNotes(load(conf('NAT', 'ovf')), 'nft')[0]!.message, /lb_algo ovf runs as fo/);
  assert.deepEqual(substitutionNotes(load(conf('DR', 'wrr')), 'proxy'), []);
  assert.deepEqual(substitutionNotes(load(conf('DR', 'wrr')), 'none'), []);
  assert.equal(dataPlaneOf({}), 'nft');
  assert.equal(dataPlaneOf({ KEEPALIVED_TS_DATAPLANE: 'proxy' }), 'proxy');
});
