/** `keepalived-ts lvs` prints ipvsadm's layouts byte for byte (shared/reference/keepalived-observability.md). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConnections, formatIpvsadm, largeNumber, sortLikeIpvsadm, type Counters, type ServiceView } from '../../src/lb/ipvsadm-format.js';

const zero: Counters = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };

const svc: ServiceView = {
  protocol: 'TCP', address: '10.66.0.100', port: 80, scheduler: 'wlc', persistent: 50, stats: { conns: 17, inPkts: 120, outPkts: 0, inBytes: 8000, outBytes: 0 }, rate: zero,
  dests: [{ address: '10.66.1.10', port: 80, forward: 'Route', weight: 1, activeConns: 5, inactConns: 12, stats: { conns: 17, inPkts: 120, outPkts: 0, inBytes: 8000, outBytes: 0 }, rate: zero }],
};

test('ipvsadm -L -n: the header, the service with its flags, the destination row as printf pads it', () => {
  assert.equal(
    formatIpvsadm([svc]),
    'IP Virtual Server version 1.2.1 (size=4096)\n' +
      'Prot LocalAddress:Port Scheduler Flags\n' +
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      'TCP  10.66.0.100:80 wlc persistent 50\n' +
      '  -> 10.66.1.10:80                Route   1      5          12        \n',
  );
});

test('fwmark services, IPv6 brackets, masks and ops', () => {
  const text = formatIpvsadm([
    { ...svc, address: undefined, port: undefined, fwmark: 5, persistent: 300, mask: '255.255.255.0', dests: [] },
    { ...svc, protocol: 'UDP', address: 'fd00::1', port: 53, persistent: undefined, ops: true, dests: [{ ...svc.dests[0]!, address: 'fd00::2', port: 53, forward: 'Masq' }] },
  ]);
  const lines = text.split('\n');
  assert.equal(lines[3], 'FWM  5 wlc persistent 300 mask 255.255.255.0');
  assert.equal(lines[4], 'UDP  [fd00::1]:53 wlc ops');
  assert.equal(lines[5], '  -> [fd00::2]:53                 Masq    1      5          12        ');
});

test('--stats: 33-column names, 9-column numbers, the destination header line', () => {
  const lines = formatIpvsadm([svc], 'stats').split('\n');
  assert.equal(lines[1], 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes');
  assert.equal(lines[2], '  -> RemoteAddress:Port');
  assert.equal(lines[3], 'TCP  10.66.0.100:80                     17      120        0     8000        0');
  assert.equal(lines[4], '  -> 10.66.1.10:80                      17      120        0     8000        0');
  assert.equal(formatIpvsadm([svc], 'rate').split('\n')[1], 'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS');
});

test('large numbers abbreviate from 10^8 as ipvsadm does, unless exact', () => {
  assert.equal(largeNumber(99_999_999), ' 99999999');
  assert.equal(largeNumber(100_000_000), '  100000K');
  assert.equal(largeNumber(1_500_000_000), '    1500M');
  assert.equal(largeNumber(250_000_000_000), '     250G');
  assert.equal(largeNumber(123_000_000_000_000), '     123T');
  assert.equal(largeNumber(1_500_000_000, true), ' 1500000000');
  assert.equal(largeNumber(7, true), '        7');
});

test('the mask shows on persistent services only, and never the host mask', () => {
  const line = (over: Partial<ServiceView>) => formatIpvsadm([{ ...svc, dests: [], ...over }]).split('\n')[3];
  // ipvsadm prints the netmask inside its persistence branch: a service without persistence has none.
  assert.equal(line({ persistent: undefined, mask: '255.255.255.0' }), 'TCP  10.66.0.100:80 wlc');
  assert.equal(line({ persistent: 50, mask: '255.255.255.255' }), 'TCP  10.66.0.100:80 wlc persistent 50');
  assert.equal(line({ persistent: 50, mask: '255.255.0.0' }), 'TCP  10.66.0.100:80 wlc persistent 50 mask 255.255.0.0');
  assert.equal(line({ address: 'fd00::1', persistent: 50, mask: '128' }), 'TCP  [fd00::1]:80 wlc persistent 50');
  assert.equal(line({ address: 'fd00::1', persistent: 50, mask: '64' }), 'TCP  [fd00::1]:80 wlc persistent 50 mask 64');
});

test('an IPv6 fwmark service says so: FWM  1 IPv6', () => {
  const fwm = { ...svc, address: undefined, port: undefined, fwmark: 1, persistent: undefined, scheduler: 'rr', stats: zero, dests: [] };
  assert.equal(formatIpvsadm([{ ...fwm, ipv6: true }]).split('\n')[3], 'FWM  1 IPv6 rr');
  assert.equal(formatIpvsadm([fwm]).split('\n')[3], 'FWM  1 rr');
  assert.equal(formatIpvsadm([{ ...fwm, ipv6: true }], 'stats').split('\n')[3], 'FWM  1 IPv6'.padEnd(33) + '        0'.repeat(5));
});

test('-L -n -c: ipvsadm connection entries, expiry as mm:ss, IPv6 in brackets', () => {
  const row = { protocol: 'TCP', expires: 231, state: 'ESTABLISHED', source: { address: '192.168.56.1', port: 56954 }, virtual: { address: '192.168.56.200', port: 80 }, destination: { address: '192.168.56.102', port: 80 } };
  assert.equal(
    formatConnections([row, { ...row, expires: 118, state: 'FIN_WAIT', source: { address: '192.168.56.1', port: 57322 } }]),
    'IPVS connection entries\n' +
      'pro expire state       source             virtual            destination\n' +
      'TCP 03:51  ESTABLISHED 192.168.56.1:56954 192.168.56.200:80  192.168.56.102:80\n' +
      'TCP 01:58  FIN_WAIT    192.168.56.1:57322 192.168.56.200:80  192.168.56.102:80\n',
  );
  const v6 = formatConnections([{ ...row, protocol: 'UDP', expires: 7201, state: 'UDP', source: { address: 'fd00::9', port: 5353 }, virtual: { address: 'fd00::1', port: 53 }, destination: { address: 'fd00::2', port: 53 } }]);
  assert.equal(v6.split('\n')[2], 'UDP 120:01 UDP         [fd00::9]:5353     [fd00::1]:53       [fd00::2]:53');
  assert.equal(formatConnections([]), 'IPVS connection entries\npro expire state       source             virtual            destination\n');
});

test('one service (-t/-u/-f): the column titles without the version line, as list_service() prints', () => {
  const lines = formatIpvsadm([svc], 'plain', { header: false }).split('\n');
  assert.equal(lines[0], 'Prot LocalAddress:Port Scheduler Flags');
  assert.equal(lines[2], 'TCP  10.66.0.100:80 wlc persistent 50');
});

test('--rate: a destination\'s CPS, InPPS and OutPPS are never abbreviated, its InBPS and OutBPS are', () => {
  const big = { conns: 123_456_789, inPkts: 100_000_000, outPkts: 0, inBytes: 250_000_000, outBytes: 0 };
  const lines = formatIpvsadm([{ ...svc, rate: big, dests: [{ ...svc.dests[0]!, rate: big }] }], 'rate').split('\n');
  assert.equal(lines[3], 'TCP  10.66.0.100:80'.padEnd(33) + '  123456K  100000K        0  250000K        0');
  assert.equal(lines[4], '  -> 10.66.1.10:80'.padEnd(33) + ' 123456789 100000000        0  250000K        0');
});

test('services and destinations in ipvsadm\'s order: address services before marks, IPv4 first, TCP before UDP, then address and port', () => {
  const d = (address: string, port: number) => ({ ...svc.dests[0]!, address, port });
  const order = sortLikeIpvsadm([
    { ...svc, address: undefined, port: undefined, fwmark: 2, dests: [] },
    { ...svc, address: undefined, port: undefined, fwmark: 1, dests: [] },
    { ...svc, address: 'fd00::1', port: 80, dests: [] },
    { ...svc, protocol: 'UDP', address: '10.0.0.1', port: 53, dests: [] },
    { ...svc, address: '10.0.0.10', port: 80, dests: [d('10.0.1.20', 80), d('10.0.1.3', 81), d('10.0.1.3', 80)] },
    { ...svc, address: '10.0.0.9', port: 443, dests: [] },
    { ...svc, address: '10.0.0.9', port: 80, dests: [] },
  ]);
  assert.deepEqual(order.map((s) => s.fwmark ?? `${s.protocol} ${s.address}:${s.port}`), ['TCP 10.0.0.9:80', 'TCP 10.0.0.9:443', 'TCP 10.0.0.10:80', 'UDP 10.0.0.1:53', 'TCP fd00::1:80', 1, 2]);
  assert.deepEqual(order[2]!.dests.map((x) => `${x.address}:${x.port}`), ['10.0.1.3:80', '10.0.1.3:81', '10.0.1.20:80']);
});
