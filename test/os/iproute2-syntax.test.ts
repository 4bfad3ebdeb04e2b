/**
 * The model's addresses, routes and rules as iproute2 lines (os/iproute2-syntax.ts), from the
 * samples Keepalived ships and from lines that use every option; plus the pure parsers of what
 * `ip` prints (batch errors, `ip -j addr show`). The lines are run against a real
 * kernel in test/netns/net-config.test.ts.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { parseAddrShow } from '../../src/os/ip-command.js';
import { addressArgs, batchLine, routeArgs, ruleArgs } from '../../src/os/iproute2-syntax.js';
import { parseBatchErrors } from '../../src/os/net-config.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const samples = path.resolve(here, '../../../test/fixtures/keepalived-samples');

const sample = (name: string) => loadConfig(path.join(samples, `keepalived.conf.${name}`), { configId: 'x' }).config;
const load = (text: string) => loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' }).config;
const block = (kw: string, lines: string[]) => `${kw} {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;
const line = (args: string[]) => args.join(' ');

test('sample static_ipaddress: VIPs default to the instance interface as /32, scope kept', () => {
  const c = sample('vrrp.static_ipaddress');
  assert.deepEqual(
    c.static_ipaddress.map((a) => line(addressArgs(a, 'eth9', 'add'))),
    ['addr add 192.168.200.16/32 dev eth0 scope link', 'addr add 192.168.200.17/32 dev eth1 scope link', 'addr add 192.168.200.18/32 dev eth2'],
  );
  const vips = c.vrrp_instance[0]!.virtual_ipaddress;
  assert.deepEqual(vips.map((a) => line(addressArgs(a, 'eth0', 'add'))), ['addr add 192.168.200.20/32 dev eth0']);
  assert.deepEqual(vips.map((a) => line(addressArgs(a, 'eth0', 'del'))), ['addr del 192.168.200.20/32 dev eth0']);
});

test('sample routes: prepend with protocol keepalived, table, gateway, blackhole, "or" as nexthops', () => {
  const c = sample('vrrp.routes');
  assert.deepEqual(c.static_routes.map((r) => line(routeArgs(r, 'add'))), [
    'route prepend 192.168.209.0/24 table 254 proto 18 scope global via 192.168.200.254 dev eth0 src 192.168.100.1',
    'route prepend 192.168.210.0/24 table 254 proto 18 scope global via 192.168.200.254 dev eth0',
    'route prepend 192.168.211.0/24 table 254 proto 18 scope global via 192.168.200.254 dev eth0',
    'route prepend 192.168.212.0/24 table 254 proto 18 scope site dev eth3',
    'route prepend 192.168.213.0/24 table 254 proto 18 scope link dev eth1',
  ]);
  const v = c.vrrp_instance[0]!.virtual_routes.map((r) => line(routeArgs(r, 'add')));
  assert.equal(v[4], 'route prepend 192.168.113.0/24 table 254 proto 18 scope global nexthop via 192.168.100.252 nexthop via 192.168.100.253');
  assert.equal(v[5], 'route prepend blackhole 192.168.113.1/32 table 254 proto 18 scope global');
  assert.equal(v[6], 'route prepend 0.0.0.0/0 table 100 proto 18 scope global via 192.168.0.1');
  assert.equal(line(routeArgs(c.vrrp_instance[0]!.virtual_routes[5]!, 'del')), 'route del blackhole 192.168.113.1/32 table 254 proto 18');
});

test('sample rules: from/to with table and the preference Keepalived assigned', () => {
  const c = sample('vrrp.rules');
  const lines = [...c.static_rules, ...c.vrrp_instance[0]!.virtual_rules].map((r) => line(ruleArgs(r, 'add')));
  // "to 192.168.100./24" is not an address: Keepalived and the model drop those lines.
  assert.deepEqual(lines, [
    'rule add from 192.168.100.0/24 pref 16384 protocol 18 table 1',
    'rule add from 192.168.200.0/24 pref 16383 protocol 18 table 2',
  ]);
});

test('addresses: every option, IPv6 nodad unless -nodad, preferred_lft for IPv6 only', () => {
  const c = load(
    block('static_ipaddress', [
      '10.0.0.1/24 dev eth0 brd + scope host label eth0:1 home mngtmpaddr noprefixroute autojoin',
      '10.0.0.3 dev eth0 peer 10.0.0.4',
      'fd00::1 dev eth0',
      'fd00::2/64 dev eth0 -nodad preferred_lft 30',
    ]),
  );
  assert.deepEqual(c.static_ipaddress.map((a) => line(addressArgs(a, 'x', 'add'))), [
    'addr add 10.0.0.1/24 dev eth0 brd 10.0.0.255 label eth0:1 scope host home mngtmpaddr noprefixroute autojoin',
    'addr add local 10.0.0.3 peer 10.0.0.4/32 dev eth0',
    'addr add fd00::1/128 dev eth0 nodad preferred_lft 0 valid_lft forever',
    'addr add fd00::2/64 dev eth0 preferred_lft 30 valid_lft forever',
  ]);
  assert.deepEqual(c.static_ipaddress.map((a) => line(addressArgs(a, 'x', 'del'))), [
    'addr del 10.0.0.1/24 dev eth0',
    'addr del local 10.0.0.3 peer 10.0.0.4/32 dev eth0',
    'addr del fd00::1/128 dev eth0',
    'addr del fd00::2/64 dev eth0',
  ]);
});

test('routes: metrics with lock and units, type, tos, IPv6 from/pref/expires, nexthops with encap', () => {
  const c = load(
    block('static_routes', [
      'unreachable 10.5.0.0/16 table 200 metric 7 tos 0x10 no_track',
      '10.6.0.0/16 via 10.0.0.1 dev eth0 onlink mtu lock 1400 advmss 1360 rtt 100ms rttvar 0.05s rto_min 20ms cwnd lock 10 initcwnd 12 initrwnd 13 hoplimit 60 window 1000 reordering 3 ssthresh 5 features ecn quickack 1 congctl lock reno fastopen_no_cookie 1 realms 1/2 append',
      'fd01::/64 from fd00::/8 dev eth0 pref high expires 60 protocol 18 add',
      '10.7.0.0/16 no_track nexthop via 10.0.0.1 dev eth0 weight 2 onlink nexthop via 10.0.0.2 dev eth1 encap mpls 100/200',
      '10.8.0.0/16 dev eth0 encap ip id 42 dst 10.0.0.9 ttl 8 tos 4 vrf blue',
    ]),
  );
  assert.deepEqual(c.static_routes.map((r) => line(routeArgs(r, 'add'))), [
    'route prepend unreachable 10.5.0.0/16 tos 0x10 table 200 proto 18 scope global metric 7',
    'route append 10.6.0.0/16 table 254 proto 18 scope global via 10.0.0.1 dev eth0 onlink realms 1/2 mtu lock 1400 hoplimit 60 advmss 1360 rtt 100ms rttvar 50ms rto_min 20ms reordering 3 window 1000 cwnd lock 10 ssthresh 5 initcwnd 12 initrwnd 13 features ecn quickack 1 congctl lock reno fastopen_no_cookie 1',
    'route add fd01::/64 from fd00::/8 table 254 proto 18 scope global dev eth0 expires 60 pref high',
    'route prepend 10.7.0.0/16 table 254 proto 18 scope global nexthop via 10.0.0.1 dev eth0 weight 2 onlink nexthop encap mpls 100/200 via 10.0.0.2 dev eth1',
    'route prepend 10.8.0.0/16 vrf blue encap ip id 42 dst 10.0.0.9 tos 0x4 ttl 8 proto 18 scope global dev eth0',
  ]);
  assert.equal(
    line(routeArgs(c.static_routes[1]!, 'del')),
    'route del 10.6.0.0/16 table 254 proto 18 via 10.0.0.1 dev eth0 onlink realms 1/2',
    'a delete names the route, not its metrics',
  );
});

test('rules: selectors, actions, table options', () => {
  const c = load(
    block('static_rules', [
      'not from 10.1.0.0/16 to all fwmark 0x10/0xff tos 0x08 iif eth0 oif eth1 preference 100 table 5 suppress_prefixlength 0',
      'from all preference 90 goto 100',
      'to 10.2.0.0/16 preference 80 blackhole',
      'preference 70 l3mdev',
      'from fd00::/8 preference 60 nop uidrange 10-20 ipproto tcp sport 1-2 dport 3-4 tunnel-id 7',
      'fwmark 3 preference 50 table 9 realms 3 suppress_ifgroup 4',
    ]),
  );
  assert.deepEqual(c.static_rules.map((r) => line(ruleArgs(r, 'add'))), [
    'rule add not from 10.1.0.0/16 to all tos 0x8 fwmark 0x10/0xff iif eth0 oif eth1 pref 100 protocol 18 table 5 suppress_prefixlength 0',
    'rule add from all pref 90 protocol 18 goto 100',
    'rule add to 10.2.0.0/16 pref 80 protocol 18 blackhole',
    'rule add pref 70 protocol 18 l3mdev',
    'rule add from fd00::/8 tun_id 7 uidrange 10-20 ipproto 6 sport 1-2 dport 3-4 pref 60 protocol 18 nop',
    'rule add fwmark 0x3 pref 50 protocol 18 table 9 realms 3 suppress_ifgroup 4',
  ]);
  assert.equal(c.static_rules[4]!.family, 'inet6', 'the family travels beside the line (ip -6)');
});

test('batch lines: plain words as they are, others quoted so iproute2 reads one word', () => {
  assert.equal(batchLine(['addr', 'add', '10.0.0.1/32', 'dev', 'eth0.5@x']), 'addr add 10.0.0.1/32 dev eth0.5@x');
  assert.equal(batchLine(['label', '#c', 'a"b\\']), 'label "#c" "a\\"b\\\\"');
  assert.throws(() => batchLine(['a\nroute flush all']), /line break/);
});

test('batch errors: each message goes to the line iproute2 names', () => {
  const stderr =
    'Error: ipv4: Address already assigned.\nCommand failed -:2\nRTNETLINK answers: No such process\nCommand failed -:3\n' +
    'Cannot find device "nope"\nCommand failed -:5\n';
  assert.deepEqual(parseBatchErrors(stderr, ['a', 'b', 'c', 'd', 'e']), {
    failures: [
      { line: 2, command: 'b', message: 'Error: ipv4: Address already assigned.' },
      { line: 3, command: 'c', message: 'RTNETLINK answers: No such process' },
      { line: 5, command: 'e', message: 'Cannot find device "nope"' },
    ],
    trailing: '',
  });
  // A line iproute2 cannot parse stops it with a message and no "Command failed".
  assert.equal(parseBatchErrors('Error: any valid prefix is expected rather than "x".\n', ['a']).trailing, 'Error: any valid prefix is expected rather than "x".');
});

test('ip -j addr show: up needs UP and carrier; primaries and link-local first', () => {
  const json = JSON.stringify([
    {
      ifindex: 3, ifname: 'v0', flags: ['BROADCAST', 'UP', 'LOWER_UP'], operstate: 'UP', address: '06:0b:d2:96:92:a5',
      addr_info: [
        { family: 'inet', local: '10.0.0.2', prefixlen: 24, secondary: true },
        { family: 'inet', local: '10.0.0.1', prefixlen: 24 },
        { family: 'inet6', local: 'fd00::1', prefixlen: 64, scope: 'global' },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
      ],
    },
    { ifindex: 4, ifname: 'v1', flags: ['NO-CARRIER', 'UP'], operstate: 'LOWERLAYERDOWN', address: 'aa:bb:cc:dd:ee:ff' },
    { ifindex: 5, ifname: 'v2', flags: ['BROADCAST'], operstate: 'DOWN' },
  ]);
  assert.deepEqual(parseAddrShow(json), [
    { name: 'v0', index: 3, up: true, mac: '06:0b:d2:96:92:a5', ipv4: ['10.0.0.1/24', '10.0.0.2/24'], ipv6: ['fe80::1/64', 'fd00::1/64'] },
    { name: 'v1', index: 4, up: false, mac: 'aa:bb:cc:dd:ee:ff', ipv4: [], ipv6: [] },
    { name: 'v2', index: 5, up: false, mac: '', ipv4: [], ipv6: [] },
  ]);
});
