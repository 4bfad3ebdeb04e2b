/**
 * Address, route and rule lines (keepalived.conf(5) "Static routes/addresses/rules"). Messages
 * and lines are those `keepalived -t` (2.2.7) gives for the same input, unless a comment says why not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';

function load(text: string) {
  const { config, diagnostics } = loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
  return { config, diags: diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.severity}: ${d.message}`) };
}

const block = (kw: string, lines: string[]) => `${kw} {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;

test('address: every option lands in its own field, defaults present', () => {
  const { config, diags } = load(
    block('static_ipaddress', [
      '10.0.0.1/24 dev eth0 brd + scope link label eth0:1 home -nodad mngtmpaddr noprefixroute autojoin no_track',
      '10.0.0.2/24 dev eth0 brd -',
      '10.0.0.3 dev eth0 peer 10.0.0.4 preferred_lft 30',
      '2001:db8:0::1 dev eth0',
      '2001:db8::2/64 dev eth0',
    ]),
  );
  assert.deepEqual(diags, []);
  const [a, b, c, d, e] = config.static_ipaddress;
  assert.deepEqual({ ...a, pos: undefined }, {
    pos: undefined, address: '10.0.0.1', prefixlen: 24, family: 'inet', dev: 'eth0', scope: 253,
    broadcast: '10.0.0.255', label: 'eth0:1', home: true, nodad: true, mngtmpaddr: true, noprefixroute: true,
    autojoin: true, no_track: true, use_vmac: false, preferred_lft: 'forever',
  });
  assert.equal(a!.pos.line, 2);
  assert.equal(b!.broadcast, '10.0.0.0');
  assert.equal(c!.peer, '10.0.0.4');
  assert.equal(c!.preferred_lft, 30);
  assert.equal(d!.address, '2001:db8::1', 'IPv6 kept in compressed form');
  assert.equal(d!.preferred_lft, 0, 'a /128 is deprecated by default, as Keepalived');
  assert.equal(e!.preferred_lft, 'forever');
});

test('address: bad input is reported at its line with Keepalived wording', () => {
  const { config, diags } = load(
    block('static_ipaddress', [
      '10.0.0./24 dev eth0',
      '10.0.0.24/40 dev eth0',
      '10.0.0.3/31 dev eth0 brd +',
      '2001::1/64 dev eth0 brd +',
      '2001::2/64 dev eth0 scope link label x',
      '10.0.0.5/24 dev eth0 peer 10.0.0.7',
      '10.0.0.8 dev eth0 peer 2001::5',
      '10.0.0.12 dev eth0 peer 10.0.0.13 brd 10.0.0.255',
      '10.0.0.17 dev eth0 bogus',
      '10.0.0.18 dev eth0 label abcdefghijklmnop',
      '10.0.0.19 dev eth0 scope bogus',
      '10.0.0.20 dev eth0 dev eth1',
      '10.0.0.21 dev eth0 use_vmac',
      '10.0.0.23 dev eth0 brd 1.2.3',
      '10.0.0.27 dev eth0 scope',
      '10.0.0.28 dev eth0 preferred_lft x',
    ]),
  );
  assert.deepEqual(diags, [
    '2 error: VRRP parsed invalid IP 10.0.0./24. skipping IP...',
    '3 warning: Invalid address prefix len 40 for address 10.0.0.24/40 - using 32',
    '4 warning: Address prefix length 31 too long for broadcast',
    '5 error: VRRP is trying to assign a broadcast + to the IPv6 address 2001::1/64 !!?? WTF... skipping VIP...',
    '6 warning: Cannot specify scope for IPv6 addresses (2001::2/64) - ignoring scope',
    '6 warning: Cannot specify label for IPv6 addresses (2001::2/64) - ignoring label',
    '7 warning: Cannot specify address prefix when specifying peer address - ignoring',
    '8 warning: Peer address 2001::5 does not match address family',
    '9 warning: Cannot specify broadcast and peer addresses - ignoring broadcast address',
    "10 warning: Unknown configuration entry 'bogus' for ip address - ignoring",
    '11 error: Address label abcdefghijklmnop is longer than maximum length 15 - removing address',
    "12 warning: Invalid scope 'bogus' specified for 10.0.0.19 - ignoring",
    '13 error: Cannot specify ipaddress device more than once for 10.0.0.20',
    "14 warning: Unknown configuration entry 'use_vmac' for ip address - ignoring",
    '15 error: VRRP is trying to assign invalid broadcast 1.2.3. skipping VIP...',
    '16 error: No scope parameter specified for 10.0.0.27',
    '17 warning: preferred_lft x is invalid',
  ]);
  assert.deepEqual(
    config.static_ipaddress.map((a) => a.pos.line),
    [3, 4, 6, 7, 8, 9, 10, 12, 14, 17],
  );
  assert.equal(config.static_ipaddress[0]!.prefixlen, 32);
  assert.equal(config.static_ipaddress[3]!.prefixlen, 32, 'with a peer the prefix is the host length');
});

test('route: full grammar', () => {
  const { config, diags } = load(
    block('static_routes', [
      'src 192.168.100.1 to 192.168.109.0/24 via 192.168.200.254 dev eth1 table 100 metric 5 scope link tos 0x10 onlink',
      '192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev wlan0 onlink weight 1 nexthop via 192.168.101.2 dev wlan0 weight 2',
      'blackhole 192.168.114.0/24 dev lo no_track protocol bird',
      '2001:470:69e9:1:2::4 dev p33p1.2 table 6909 protocol bird no_track mtu lock 1000 hoplimit 100 advmss 101 rtt 102 rttvar 3s rto_min 50ms initcwnd 109 append features ecn fastopen_no_cookie 1 pref high expires 10',
      'default via 10.0.0.1 dev eth0 realms 3/4 encap ip id 5 dst 1.2.3.4 ttl 3',
      'inet6 default via 2001::1 dev eth0 add',
    ]),
  );
  // Only the route's own dev counts for tracking, not the nexthops' (as Keepalived).
  assert.deepEqual(diags, ['3 warning: Warning - cannot track route 192.168.100.0/24 with no interface specified, not tracking']);
  const [a, b, c, d, e, f] = config.static_routes;
  assert.deepEqual(a!.to, { address: '192.168.109.0', prefixlen: 24, family: 'inet' });
  assert.equal(a!.src, '192.168.100.1');
  assert.equal(a!.via, '192.168.200.254');
  assert.deepEqual([a!.table, a!.metric, a!.scope, a!.tos, a!.onlink, a!.protocol, a!.type, a!.install], [100, 5, 253, 16, true, 18, 'unicast', 'prepend']);
  assert.deepEqual(b!.nexthop, [
    { via: '192.168.101.1', dev: 'wlan0', onlink: true, weight: 1 },
    { via: '192.168.101.2', dev: 'wlan0', onlink: false, weight: 2 },
  ]);
  assert.equal(b!.table, 6909);
  assert.deepEqual([c!.type, c!.no_track, c!.protocol], ['blackhole', true, 12]);
  assert.equal(d!.family, 'inet6');
  assert.deepEqual(d!.lock, ['mtu']);
  assert.deepEqual([d!.mtu, d!.hoplimit, d!.advmss, d!.initcwnd, d!.pref, d!.expires], [1000, 100, 101, 109, 1, 10]);
  assert.equal(d!.rtt, 102 / 8 / 1000, 'raw rtt is in the kernel unit of 1/8 ms');
  assert.deepEqual([d!.rttvar, d!.rto_min, d!.install, d!.fastopen_no_cookie], [3, 0.05, 'append', true]);
  assert.deepEqual(d!.features, ['ecn']);
  assert.deepEqual(e!.to, { address: '0.0.0.0', prefixlen: 0, family: 'inet' });
  assert.equal(e!.realms, 3 * 65536 + 4);
  assert.deepEqual(e!.encap, { type: 'ip', id: '5', dst: '1.2.3.4', ttl: 3 });
  assert.deepEqual([f!.family, f!.to.address, f!.install], ['inet6', '::', 'add']);
});

test('route: bad input, deprecated words and tracking', () => {
  const { config, diags } = load(
    block('static_routes', [
      '10.1.0.0/16 dev eth0 protocol bird',
      '10.2.0.0/16 dev eth0 table small',
      '10.3.0.0/16 dev eth0 protocol foo',
      '10.4.0.0/16 dev eth0 scope bogus',
      'to throw 10.6.0.0/16 dev eth0',
      '10.7.0.0/16 via 2001::1 dev eth0',
      'dev eth0',
      '10.12.0.0/16 dev eth0 via 10.0.0.1 or 10.0.0.2 nexthop via 10.0.0.3',
      'from 10.0.0.0/8 10.15.0.0/16 dev eth0',
      '10.17.0.0/16 dev eth0 hoplimit 300',
      '10.20.0.0/16 dev eth0 features foo',
      '10.21.0.0/16 dev eth0 nexthop via 10.0.0.1 dev eth0 bogus',
      '10.0.0.0/8 inet6 dev eth0',
      '10.3.0.0/16 dev eth0 expires 3',
      '10.3.0.0/16 dev eth0 nexthop via 10.0.0.1 weight 0',
      '10.3.0.0/16 dev eth0 nexthop via 2001::1',
      '192.168.112.0/24 via 192.168.100.254',
      '192.168.113.0/24 via 192.168.100.252 or 192.168.100.253 dev eth0',
      '0.0.0.0/0 gw 192.168.0.1 dev eth0 table 100',
      '10.16.0.0/16 dev eth0 metric',
    ]),
  );
  assert.deepEqual(diags, [
    '2 warning: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol',
    '3 error: Routing table small not found for route',
    '4 error: Protocol foo not found or invalid for route',
    '5 error: Scope bogus not found or invalid for route',
    '6 error: VRRP parsed invalid IP throw. skipping IP...',
    '6 error: unknown route keyword throw',
    '7 error: Cannot mix IPv4 and IPv6 addresses for route',
    '8 error: Route must have a destination',
    '9 warning: "or" for routes is deprecated. Please use "nexthop"',
    '9 warning: Cannot specify nexthops with "or" route',
    '9 error: Route has trailing nonsense - nexthop',
    '10 error: route from address only supported with IPv6 (10.0.0.0/8)',
    '11 error: Invalid hoplimit 300 specified for route',
    '12 warning: feature foo not supported',
    '13 error: Route has trailing nonsense after nexthops - bogus',
    '14 error: inet6 specified for IPv4 route',
    '15 error: expires is only valid for IPv6',
    '16 error: Invalid weight 0 specified for route',
    '17 error: Address family mismatch for next hop',
    '18 warning: Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking',
    '19 warning: "or" for routes is deprecated. Please use "nexthop"',
    '20 warning: "gw" for routes is deprecated. Please use "via"',
    "21 error: Configuration line starting '10.16.0.0/16' is missing a parameter after keyword 'metric'",
  ]);
  assert.deepEqual(config.static_routes.map((r) => r.pos.line), [2, 12, 18, 19, 20]);
  const [bird, , untracked, or, gw] = config.static_routes;
  assert.equal(bird!.protocol, 18);
  assert.equal(untracked!.no_track, true);
  assert.deepEqual(or!.nexthop, [
    { via: '192.168.100.252', onlink: false },
    { via: '192.168.100.253', onlink: false },
  ]);
  assert.equal(or!.via, undefined);
  assert.deepEqual([gw!.via, gw!.table, gw!.to.prefixlen], ['192.168.0.1', 100, 0]);
});

test('route: inet6 names the family of the word after it (the manual, not 2.2.7)', () => {
  // Keepalived 2.2.7 skips the word after inet/inet6 and says "Route must have a destination".
  const { config, diags } = load(block('static_routes', ['inet6 default dev eth0', 'inet6 10.8.0.0/16 dev eth0']));
  assert.deepEqual(diags, ['3 error: Cannot mix IPv4 and IPv6 addresses for route (10.8.0.0/16)']);
  assert.deepEqual(config.static_routes[0]!.to, { address: '::', prefixlen: 0, family: 'inet6' });
});

test('rule: full grammar', () => {
  const { config, diags } = load(
    block('static_rules', [
      'from 192.168.28.0/24 to 192.168.29.0/26 table 7 iif p33p1 oif wlan0 tos 22 fwmark 24/12 preference 39 realms 30/20',
      'to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999 priority 5',
      'to 1:2:3:4:6:6:7:0/112 l3mdev protocol 18 ipproto UDP sport 10-20 dport 20-30 order 0x10',
      'from all goto 40 preference 30 not',
      'from all type unreachable preference 7 no_track',
      'from all nop preference 8 suppress_prefixlength 3 lookup main',
    ]),
  );
  assert.deepEqual(diags, ['7 error: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule']);
  const [a, b, c, d, e] = config.static_rules;
  assert.deepEqual([a!.from, a!.to], [
    { address: '192.168.28.0', prefixlen: 24, family: 'inet' },
    { address: '192.168.29.0', prefixlen: 26, family: 'inet' },
  ]);
  assert.deepEqual([a!.action, a!.table, a!.iif, a!.oif, a!.tos, a!.fwmark, a!.fwmask, a!.preference, a!.realms], ['table', 7, 'p33p1', 'wlan0', 0x22, 24, 12, 39, 30 * 65536 + 20]);
  assert.deepEqual([b!.family, b!.uidrange, b!.preference], ['inet6', { start: 10000, end: 19999 }, 5]);
  assert.deepEqual([c!.l3mdev, c!.action, c!.ipproto, c!.sport, c!.dport, c!.preference], [true, 'table', 17, { start: 10, end: 20 }, { start: 20, end: 30 }, 16]);
  assert.deepEqual([d!.action, d!.goto, d!.not, d!.from?.address], ['goto', 40, true, '0.0.0.0']);
  assert.deepEqual([e!.action, e!.no_track, e!.protocol], ['unreachable', true, 18]);
});

test('rule: preferences are assigned per family across the configuration', () => {
  const { config, diags } = load(
    block('static_rules', ['from 10.0.0.0/8 table 5', 'from 2001::/16 table 5', 'from 10.1.0.0/16 table 5', 'from 10.2.0.0/16 table 5 preference 9']),
  );
  assert.deepEqual(diags, [
    '2 warning: Rule has no preference specified - setting to 16384. This is probably not what you want.',
    '3 warning: Rule has no preference specified - setting to 16384. This is probably not what you want.',
    '4 warning: Rule has no preference specified - setting to 16383. This is probably not what you want.',
  ]);
  assert.deepEqual(config.static_rules.map((r) => r.preference), [16384, 16384, 16383, 9]);
});

test('rule: bad input', () => {
  const { config, diags } = load(
    block('static_rules', [
      'to 10.0.0.0/8 from 2001::/16 table 5 preference 3',
      'from 10.0.0.0/8 prio 3',
      'from 10.0.0.0/8 table 0 order 3',
      'from 10.0.0.0/8 goto 3 preference 5',
      'from 10.0.0.0/8 goto 30',
      'from all throw preference 7',
      'from all l3mdev table 4 preference 7',
      'from all realms 3 blackhole preference 7',
      'from all table 3 protocol 4 preference 7',
      'from all table 3 uidrange 10 preference 7',
      'from all table 3 fwmark -1 preference 7',
      'from all table 3 ipproto udp ip_proto udp preference 8',
      'from all table 3 dport 30 preference 8',
      'from all preference 8',
      'from all table 3 preference x',
      'from 192.168.100./24 table 1 preference 4',
    ]),
  );
  assert.deepEqual(diags, [
    '2 error: rule specification has mixed IPv4 and IPv6',
    '3 error: Unknown rule option prio',
    '4 error: Table 0 is not valid',
    '5 error: Invalid rule - preference 5 >= goto target 3',
    '6 error: Invalid rule - goto target 30 specified without preference',
    '7 error: Invalid rule action throw',
    '8 error: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule',
    '9 error: suppressor/realm specified for non table action - skipping',
    '10 warning: Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol',
    '11 error: Invalid uidrange 10 specified',
    '12 error: Invalid rule fwmark -1 specified',
    '13 error: Unknown rule option ip_proto',
    '14 warning: invalid dport range 30',
    '15 error: No action specified for rule - ignoring',
    '16 error: Invalid rule preference x specified',
    '17 error: VRRP parsed invalid IP 192.168.100./24. skipping IP...',
    '17 error: Invalid rule from address 192.168.100./24',
  ]);
  assert.deepEqual(config.static_rules.map((r) => r.pos.line), [10, 14]);
});
