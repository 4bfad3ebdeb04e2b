/** `keepalived-ts lvs -c`: which conntrack entries are a NAT service's, and their IPVS state names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionRows } from '../../src/cli/lvs.js';
import type { StateService } from '../../src/cli/lvs-kernel.js';
import type { ConntrackEntry } from '../../src/os/conntrack.js';

const nat: StateService = { index: 0, key: 'a', protocol: 'TCP', ip: 'fd00::100', port: 80, scheduler: 'rr', method: 'NAT', ops: false, dests: [{ ip: 'fd00::3', port: 8080, weight: 1 }] };
const udp: StateService = { ...nat, index: 1, protocol: 'UDP', ip: '10.0.0.100', port: 53, dests: [{ ip: '10.0.0.3', port: 53, weight: 1 }] };
const fwm: StateService = { index: 2, key: 'f', protocol: 'TCP', fwmark: 5, scheduler: 'rr', method: 'NAT', ops: false, dests: [{ ip: '10.0.0.4', port: 0, weight: 1 }] };
const dr: StateService = { ...udp, index: 3, protocol: 'TCP', port: 443, method: 'DR' };

const entry = (over: Partial<ConntrackEntry>): ConntrackEntry => ({ protocol: 'tcp', expires: 100, state: 'ESTABLISHED', client: '10.0.0.9', clientPort: 40000, vip: '10.0.0.100', vport: 53, server: '10.0.0.3', serverPort: 53, ...over });

test('entries of NAT services only, by VIP:port and protocol, or by server for a fwmark service; IPVS state names', () => {
  const rows = connectionRows([
    entry({ protocol: 'udp', state: undefined }),
    entry({ state: 'SYN_SENT2' }), // TCP to a UDP service's port: not its
    entry({ vip: 'fd00:0::100', vport: 80, client: 'fd00::9', server: 'fd00::3', serverPort: 8080, state: 'SYN_SENT2' }),
    entry({ vip: '10.0.0.200', vport: 8443, server: '10.0.0.4', serverPort: 8443, state: 'TIME_WAIT' }),
    entry({ vport: 443, server: '10.0.0.3', serverPort: 443 }), // the DR service: no connection entries here
  ], [nat, udp, fwm, dr]);
  assert.deepEqual(rows.map((r) => `${r.protocol} ${r.state} ${r.virtual.address}:${r.virtual.port} ${r.destination.address}:${r.destination.port}`), [
    'UDP UDP 10.0.0.100:53 10.0.0.3:53',
    'TCP SYN_SENT fd00:0::100:80 fd00::3:8080',
    'TCP TIME_WAIT 10.0.0.200:8443 10.0.0.4:8443',
  ]);
});
