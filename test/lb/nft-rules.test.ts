/**
 * The nftables ruleset builder, without a kernel: what each scheduler and method becomes, and
 * that nft itself accepts the result (`nft -c`, a dry run, when nft is installed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { JHASH_SEED } from '../../src/lb/dataplane/nft-match.js';
import { drainStep } from '../../src/lb/dataplane/dr-drain.js';
import { drUpdate, freshSlots } from '../../src/lb/dataplane/nft-dr.js';
import { natUpdate } from '../../src/lb/dataplane/nft-nat.js';
import { buildRuleset, drTableScript, removalScript, tableNames } from '../../src/lb/dataplane/nft-rules.js';
import type { ServicePool } from '../../src/lb/dataplane/types.js';
import { load } from '../config/lvs-helpers.js';

function pools(vsBody: string, entries: Array<[string, number, number]>, head = '10.0.0.100 80'): ServicePool[] {
  const rs = head.includes(':') ? 'fd00:1::a' : '10.0.1.10'; // of the virtual server's family, or the loader drops it
  const r = load(`virtual_server ${head} {\n protocol TCP\n ${vsBody}\n real_server ${rs} 8080 {\n }\n}\n`);
  const vs = r.config.virtual_server[0]!;
  assert.ok(vs, JSON.stringify(r.diagnostics));
  return [{ key: 'vs', vs, entries: entries.map(([ip, port, weight], k) => ({ ip, port, weight, server: k })) }];
}

const nftCheck = (script: string) => spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });
const haveNft = spawnSync('nft', ['--version']).status === 0 && process.getuid?.() === 0;

test('NAT wrr: numgen inc over the weights, one DNAT chain per server, reject when none is left', () => {
  const r = buildRuleset({ pools: pools('lb_algo wrr\n lb_kind NAT', [['10.0.1.10', 8080, 1], ['10.0.1.11', 8080, 3], ['10.0.1.12', 8080, 0]]), dr: new Map() });
  assert.deepEqual(r.problems, []);
  assert.match(r.script, /ip daddr 10\.0\.0\.100 tcp dport 80 jump vs_0/);
  assert.match(r.script, /numgen inc mod 4 vmap \{ 0 : jump rs_0_0, 1-3 : jump rs_0_1 \}/);
  assert.match(r.script, /chain rs_0_1 \{\n    meta l4proto tcp counter dnat ip to 10\.0\.1\.11:8080/);
  assert.doesNotMatch(r.script, /jump rs_0_2/, 'weight 0 takes no new connections');
  const empty = buildRuleset({ pools: pools('lb_algo wrr\n lb_kind NAT', [['10.0.1.10', 8080, 0]]), dr: new Map() });
  assert.match(empty.script, /add rule inet keepalived_ts vs_0 reject\n/);
  assert.doesNotMatch(empty.script, /vmap/);
  if (haveNft) assert.equal(nftCheck(r.script).status, 0, nftCheck(r.script).stderr);
});

test('NAT schedulers: sh hashes the source with a fixed seed, rr ignores weights, fo takes the highest', () => {
  const e: Array<[string, number, number]> = [['10.0.1.10', 80, 2], ['10.0.1.11', 80, 5]];
  assert.match(buildRuleset({ pools: pools('lb_algo sh\n lb_kind NAT', e), dr: new Map() }).script, new RegExp(`jhash ip saddr mod 7 seed ${JHASH_SEED} vmap`));
  assert.match(buildRuleset({ pools: pools('lb_algo rr\n lb_kind NAT', e), dr: new Map() }).script, /numgen inc mod 2 vmap \{ 0 : jump rs_0_0, 1 : jump rs_0_1 \}/);
  assert.match(buildRuleset({ pools: pools('lb_algo fo\n lb_kind NAT', e), dr: new Map() }).script, /numgen random mod 1 vmap \{ 0 : jump rs_0_1 \}/);
  const mh = buildRuleset({ pools: pools('lb_algo mh\n lb_kind NAT', e), dr: new Map() });
  assert.match(mh.script, /jhash ip saddr \. tcp sport mod 1021 seed/);
  if (haveNft) assert.equal(nftCheck(mh.script).status, 0, nftCheck(mh.script).stderr);
});

test('persistence: a timed set per server keyed by the masked client address, looked up first', () => {
  const r = buildRuleset({ pools: pools('lb_algo wlc\n lb_kind NAT\n persistence_timeout 50\n persistence_granularity 255.255.255.0', [['10.0.1.10', 80, 1], ['10.0.1.11', 80, 1]]), dr: new Map() });
  assert.match(r.script, /set persist_0_1 \{ type ipv4_addr; flags dynamic,timeout; timeout 50s; \}/);
  assert.match(r.script, /ip saddr & 255\.255\.255\.0 @persist_0_1 update @persist_0_1 \{ ip saddr & 255\.255\.255\.0 \} dnat ip to 10\.0\.1\.11:80/);
  if (haveNft) assert.equal(nftCheck(r.script).status, 0, nftCheck(r.script).stderr);
});

test('DR: MAC rewrite through named Maglev maps; SYNs only to servers taking new connections; unresolved servers reported', () => {
  const dr = new Map([['10.0.1.10', { dev: 'eth0', ownMac: '02:00:00:00:00:01', mac: '02:00:00:00:00:0a' }], ['10.0.1.11', { dev: 'eth0', ownMac: '02:00:00:00:00:01', mac: '02:00:00:00:00:0b' }]]);
  const r = buildRuleset({ pools: pools('lb_algo mh\n lb_kind DR', [['10.0.1.10', 80, 0], ['10.0.1.11', 80, 1], ['10.0.1.12', 80, 1]]), dr });
  assert.deepEqual(r.problems, ['VS vs: no neighbour entry (MAC) for real server 10.0.1.12 yet - left out']);
  assert.match(r.script, /meta pkttype host ip daddr 10\.0\.0\.100 tcp dport 80 jump svc_0\n/);
  const rules = r.script.split('\n').filter((l) => l.startsWith('add rule netdev keepalived_ts_dr svc_0 ')).map((l) => l.slice('add rule netdev keepalived_ts_dr svc_0 '.length));
  assert.match(rules[0]!, new RegExp(`^tcp flags & \\(syn \\| ack\\) == syn ether daddr set jhash ip saddr \\. tcp sport mod 1021 seed ${JHASH_SEED} map @fresh_0 ether saddr set 02:00:00:00:00:01 fwd to "eth0"$`));
  assert.match(rules[2]!, /^ether daddr set jhash .* map @held_0 /, 'the rest of a connection: the held table');
  assert.doesNotMatch(rules.join('\n'), /@flows_0/, 'nothing is recorded when nothing drains');
  // Not draining: both maps hold the same table, without the weight-0 server.
  for (const m of ['fresh_0', 'held_0']) {
    const line = r.script.split('\n').find((l) => l.startsWith(`add element netdev keepalived_ts_dr ${m} `))!;
    assert.equal(line.match(/ : 02:00:00:00:00:0b/g)?.length, 1021, 'every slot to the one server taking connections');
    assert.doesNotMatch(line, /02:00:00:00:00:0a/);
  }
  if (haveNft) {
    const c = nftCheck(r.script.replaceAll('"eth0"', '"lo"').replace('ingress_eth0', 'ingress_lo'));
    assert.equal(c.status, 0, c.stderr);
  }
});

test('DR drain: a change keeps the old table for older connections and records new ones; only the changed maps are rewritten', () => {
  const dr = new Map(['10', '11', '12'].map((x) => [`10.0.1.${x}`, { dev: 'lo', ownMac: '02:00:00:00:00:01', mac: `02:00:00:00:00:${x}` }]));
  const before = pools('lb_algo mh\n lb_kind DR', [['10.0.1.10', 80, 1], ['10.0.1.11', 80, 1], ['10.0.1.12', 80, 1]]);
  const after = pools('lb_algo mh\n lb_kind DR', [['10.0.1.10', 80, 1], ['10.0.1.11', 80, 1], ['10.0.1.12', 80, 0]]);
  const s0 = drainStep(undefined, freshSlots(before[0]!, dr), 0, 300_000);
  const s1 = drainStep(s0, freshSlots(after[0]!, dr), 1000, 300_000);
  const r0 = buildRuleset({ pools: before, dr, drain: new Map([['vs', s0]]) });
  const r1 = buildRuleset({ pools: after, dr, drain: new Map([['vs', s1]]) });
  assert.equal(r1.dr!.shape, r0.dr!.shape, 'a weight change keeps the rules');
  assert.ok(r1.dr!.contents[0]!.draining);
  assert.equal(r1.dr!.contents[0]!.held, r0.dr!.contents[0]!.fresh, 'held is the table before the change');
  assert.doesNotMatch(r1.dr!.contents[0]!.fresh, /02:00:00:00:00:12/);
  const update = drUpdate('keepalived_ts_dr', r1.dr!, r0.dr!);
  const head = (u: string) => u.split('\n').filter(Boolean).map((l) => (l.startsWith('add rule') ? l.split(' ').slice(0, 5).join(' ') : l.split(' {')[0]));
  assert.deepEqual(head(update), [
    'flush map netdev keepalived_ts_dr fresh_0',
    'add element netdev keepalived_ts_dr fresh_0',
    'flush chain netdev keepalived_ts_dr svc_0',
    ...Array(5).fill('add rule netdev keepalived_ts_dr svc_0'),
  ]);
  // While draining: SYNs are recorded, recorded flows follow their record before the held table.
  assert.match(update, /svc_0 tcp flags & \(syn \| ack\) == syn ether daddr set jhash .* map @fresh_0 update @flows_0 \{ ip saddr \. tcp sport : ether daddr \} ether saddr set/);
  assert.match(update, /svc_0 ether daddr set ip saddr \. tcp sport map @flows_0 update @flows_0 /);
  // The window ends: held catches up, records go.
  const s2 = drainStep(s1, freshSlots(after[0]!, dr), 301_001, 300_000);
  const r2 = buildRuleset({ pools: after, dr, drain: new Map([['vs', s2]]) });
  assert.deepEqual(head(drUpdate('keepalived_ts_dr', r2.dr!, r1.dr!)), [
    'flush map netdev keepalived_ts_dr held_0',
    'add element netdev keepalived_ts_dr held_0',
    'flush chain netdev keepalived_ts_dr svc_0',
    ...Array(4).fill('add rule netdev keepalived_ts_dr svc_0'),
    'flush map netdev keepalived_ts_dr flows_0',
  ]);
  if (haveNft) {
    // nft accepts both tables (the update itself runs on a live table in test/netns/dataplane).
    for (const r of [r0, r1]) {
      const c = nftCheck(drTableScript('keepalived_ts_dr', r.dr!));
      assert.equal(c.status, 0, c.stderr);
    }
  }
});

test('DR drain over IPv6: flows are recorded under a 64-bit hash pair (nft 1.0.6 aborts on an IPv6 address . port map update); with persistence, by address', () => {
  const dr = new Map(['a', 'b'].map((x) => [`fd00:1::${x}`, { dev: 'lo', ownMac: '02:00:00:00:00:01', mac: `02:00:00:00:00:0${x}` }]));
  for (const [extra, key] of [['', /update @flows_0 \{ jhash ip6 saddr \. tcp sport mod 4294967295 seed 0x6b747321 \. jhash ip6 saddr \. tcp sport mod 4294967295 seed 0x6b747332 : ether daddr \}/], ['\n persistence_timeout 60', /update @flows_0 \{ ip6 saddr : ether daddr \}/]] as const) {
    const before = pools(`lb_algo mh\n lb_kind DR${extra}`, [['fd00:1::a', 80, 1], ['fd00:1::b', 80, 1]], 'fd00:1::100 80');
    const after = pools(`lb_algo mh\n lb_kind DR${extra}`, [['fd00:1::a', 80, 1], ['fd00:1::b', 80, 0]], 'fd00:1::100 80');
    const s0 = drainStep(undefined, freshSlots(before[0]!, dr), 0, 300_000);
    const s1 = drainStep(s0, freshSlots(after[0]!, dr), 1000, 300_000);
    const r1 = buildRuleset({ pools: after, dr, drain: new Map([['vs', s1]]) });
    const script = drTableScript('keepalived_ts_dr', r1.dr!);
    assert.match(script, key);
    if (haveNft) {
      const c = nftCheck(script);
      assert.equal(c.status, 0, c.stderr);
    }
  }
});

test('tables carry Keepalived\'s instance name, so two daemons in one namespace keep apart', () => {
  assert.deepEqual(tableNames(), { nat: 'keepalived_ts', dr: 'keepalived_ts_dr' });
  assert.deepEqual(tableNames('web-1'), { nat: 'keepalived_ts_web_1', dr: 'keepalived_ts_dr_web_1' });
  const r = buildRuleset({ pools: pools('lb_algo rr\n lb_kind NAT', [['10.0.1.10', 80, 1]]), dr: new Map(), names: tableNames('b') });
  assert.deepEqual(r.tables, ['inet keepalived_ts_b']);
});

test('TUN is reported, never silently ignored; fwmark services match the mark', () => {
  const tun = buildRuleset({ pools: pools('lb_algo rr\n lb_kind TUN', [['10.0.1.10', 80, 1]]), dr: new Map() });
  assert.match(tun.problems[0]!, /lb_kind TUN needs an ipip\/gre tunnel device/);
  assert.equal(tun.script, '');
  const fwm = buildRuleset({ pools: pools('lb_algo rr\n lb_kind NAT', [['10.0.1.10', 0, 1]], 'fwmark 5'), dr: new Map() });
  assert.match(fwm.script, /meta mark 5 jump vs_0/);
  if (haveNft) assert.equal(nftCheck(fwm.script).status, 0, nftCheck(fwm.script).stderr);
  assert.match(removalScript(['inet keepalived_ts']), /delete table inet keepalived_ts/);
});

test('virtual_server_group: one dispatch rule per address range and mark, into the same scheduler', () => {
  const r = load('virtual_server_group web {\n 10.0.0.100-105 80\n 10.0.0.200 8080\n fwmark 7\n}\nvirtual_server group web {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.1.10 80 {\n }\n}\n');
  const vs = r.config.virtual_server[0]!;
  const group = r.config.virtual_server_group[0]!;
  const rules = buildRuleset({ pools: [{ key: '[web]:0', vs, group, entries: [{ ip: '10.0.1.10', port: 80, weight: 1, server: 0 }] }], dr: new Map() });
  assert.deepEqual(rules.problems, []);
  assert.match(rules.script, /ip daddr 10\.0\.0\.100-10\.0\.0\.105 tcp dport 80 jump vs_0/);
  assert.match(rules.script, /ip daddr 10\.0\.0\.200 tcp dport 8080 jump vs_0/);
  assert.match(rules.script, /meta mark 7 jump vs_0/);
  if (haveNft) assert.equal(nftCheck(rules.script).status, 0, nftCheck(rules.script).stderr);
});

test('NAT one-armed: with snat, what the table sent to each real server is masqueraded (srcnat), nothing else', () => {
  const p = pools('lb_algo rr\n lb_kind NAT', [['10.0.1.10', 8080, 1], ['10.0.1.11', 8080, 0]]);
  assert.doesNotMatch(buildRuleset({ pools: p, dr: new Map() }).script, /masquerade/);
  const r = buildRuleset({ pools: p, dr: new Map(), snat: true });
  assert.match(r.script, /chain postrouting \{\n    type nat hook postrouting priority srcnat; policy accept;\n    ip daddr 10\.0\.1\.10 tcp dport 8080 ct status dnat masquerade\n    ip daddr 10\.0\.1\.11 tcp dport 8080 ct status dnat masquerade\n  \}/);
  if (haveNft) assert.equal(nftCheck(r.script).status, 0, nftCheck(r.script).stderr);
});

test('NAT pool changes rewrite the service\'s chain alone: a server leaving and returning changes no shape', () => {
  const before = pools('lb_algo wrr\n lb_kind NAT', [['10.0.1.10', 8080, 1], ['10.0.1.11', 8080, 3]]);
  const gone = pools('lb_algo wrr\n lb_kind NAT', [['10.0.1.11', 8080, 3]]);
  // The data plane keeps every server a service has had (nft.ts), in order.
  const servers = new Map([['vs', [{ ip: '10.0.1.10', port: 8080 }, { ip: '10.0.1.11', port: 8080 }]]]);
  const r0 = buildRuleset({ pools: before, dr: new Map(), servers });
  const r1 = buildRuleset({ pools: gone, dr: new Map(), servers });
  assert.equal(r1.nat!.shape, r0.nat!.shape);
  const update = natUpdate('keepalived_ts', r1.nat!, r0.nat!);
  assert.equal(update, 'flush chain inet keepalived_ts vs_0\nadd rule inet keepalived_ts vs_0 numgen inc mod 3 vmap { 0-2 : jump rs_0_1 }\nadd rule inet keepalived_ts vs_0 reject\n');
  assert.equal(natUpdate('keepalived_ts', r1.nat!, r1.nat!), '', 'nothing changed, nothing sent');
  if (haveNft) assert.equal(nftCheck(r1.script).status, 0, nftCheck(r1.script).stderr);
});

test('one odd entry cannot fail the transaction: zone ids are dropped from IPv6 addresses, weights past 2^32 are scaled down', () => {
  const ll = buildRuleset({ pools: pools('lb_algo wrr\n lb_kind NAT', [['fe80::1%eth0', 8080, 1], ['fd00:1::b', 8080, 1]], 'fe80::100%eth0 80'), dr: new Map() });
  assert.doesNotMatch(ll.script, /%/);
  assert.match(ll.script, /dnat ip6 to \[fe80::1\]:8080/);
  assert.match(ll.script, /ip6 daddr fe80::100 tcp dport 80 jump vs_0/);
  assert.equal(ll.problems.length, 2, ll.problems.join('\n'));
  assert.match(ll.problems[1]!, /zone id of real server fe80::1%eth0/);
  if (haveNft) assert.equal(nftCheck(ll.script).status, 0, nftCheck(ll.script).stderr);
  const max = 2 ** 31 - 1;
  const heavy = buildRuleset({ pools: pools('lb_algo wrr\n lb_kind NAT', [['10.0.1.10', 8080, max], ['10.0.1.11', 8080, max], ['10.0.1.12', 8080, max], ['10.0.1.13', 8080, 1]]), dr: new Map() });
  const mod = Number(/numgen inc mod (\d+)/.exec(heavy.script)?.[1]);
  assert.ok(mod > 0 && mod <= 0xffffffff, `mod ${mod}`);
  assert.match(heavy.script, /jump rs_0_3/, 'the light server keeps a share');
  if (haveNft) assert.equal(nftCheck(heavy.script).status, 0, nftCheck(heavy.script).stderr);
});
