/**
 * The announcement decision of --bgp-table (lb/announce.ts): which virtual server addresses a
 * director offers the routers, from quorum, VRRP FAULT and shutdown; and the route changes that
 * take the table there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPrefix, parseBgpTable, routeChanges, wantedPrefixes, type AnnounceInput } from '../../src/lb/announce.js';

const input = (o: Partial<AnnounceInput>): AnnounceInput => ({ services: [], instances: [], vrrpStates: {}, stopping: false, ...o });

test('an address is announced while one of its virtual servers has quorum', () => {
  const services = [
    { ip: '10.0.0.10', quorumUp: true },
    { ip: '10.0.0.10', quorumUp: false }, // port 443 of the same address, its pool down
    { ip: '10.0.0.11', quorumUp: false },
    { ip: 'fd00::10', quorumUp: true },
    { quorumUp: true }, // a fwmark service names no prefix
  ];
  assert.deepEqual(wantedPrefixes(input({ services })), ['10.0.0.10/32', 'fd00::10/128']);
});

test('nothing is announced while stopping', () => {
  assert.deepEqual(wantedPrefixes(input({ services: [{ ip: '10.0.0.10', quorumUp: true }], stopping: true })), []);
});

test('a VRRP instance in FAULT withdraws the addresses it holds; other states and unknown instances do not', () => {
  const services = [{ ip: '10.0.0.10', quorumUp: true }, { ip: '10.0.0.11', quorumUp: true }];
  const instances = [{ name: 'VI_1', addresses: ['10.0.0.10'] }, { name: 'VI_2', addresses: ['10.0.0.11'] }];
  assert.deepEqual(wantedPrefixes(input({ services, instances, vrrpStates: { VI_1: 'FAULT', VI_2: 'BACKUP' } })), ['10.0.0.11/32']);
  assert.deepEqual(wantedPrefixes(input({ services, instances, vrrpStates: {} })), ['10.0.0.10/32', '10.0.0.11/32']);
  assert.deepEqual(wantedPrefixes(input({ services, instances, vrrpStates: { VI_1: 'MASTER', VI_2: 'FAULT' } })), ['10.0.0.10/32']);
});

test('host prefixes: brackets, zone ids and case do not matter', () => {
  assert.equal(hostPrefix('[FD00::A]'), 'fd00::a/128');
  assert.equal(hostPrefix('fe80::1%eth0'), 'fe80::1/128');
  assert.equal(hostPrefix('10.1.2.3'), '10.1.2.3/32');
});

test('route changes: add what is missing, remove what is left over (a stale route of an earlier run too)', () => {
  assert.deepEqual(routeChanges(['10.0.0.9/32', '10.0.0.10/32'], ['10.0.0.10/32', '10.0.0.11/32']), { add: ['10.0.0.11/32'], remove: ['10.0.0.9/32'] });
  assert.deepEqual(routeChanges([], []), { add: [], remove: [] });
});

test('--bgp-table takes a table number 1-252', () => {
  assert.equal(parseBgpTable(undefined), undefined);
  assert.equal(parseBgpTable('100'), 100);
  for (const bad of ['0', '253', '254', 'main', '-1', '1.5']) assert.ok(parseBgpTable(bad) instanceof Error, bad);
});

test('a virtual_server_group announces its entries as the fewest covering prefixes, split around faulted addresses', () => {
  const group = { quorumUp: true, ranges: [
    { from: '10.0.0.100', to: '10.0.0.103', family: 'inet' as const },
    { from: '10.0.0.110', to: '10.0.0.110', family: 'inet' as const },
    { from: '10.0.0.1', to: '10.0.0.6', family: 'inet' as const },
    { from: 'fd00::', to: 'fd00::ffff', family: 'inet6' as const },
  ] };
  assert.deepEqual(wantedPrefixes(input({ services: [group] })), ['10.0.0.1/32', '10.0.0.100/30', '10.0.0.110/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32', 'fd00::/112']);
  const instances = [{ name: 'VI_1', addresses: ['10.0.0.101'] }, { name: 'VI_2', addresses: ['fd00::8'] }];
  assert.deepEqual(wantedPrefixes(input({ services: [group], instances, vrrpStates: { VI_1: 'FAULT', VI_2: 'FAULT' } })).filter((p) => p.startsWith('10.0.0.10')), ['10.0.0.100/32', '10.0.0.102/31']);
  const v6 = wantedPrefixes(input({ services: [group], instances, vrrpStates: { VI_2: 'FAULT' } })).filter((p) => p.includes(':'));
  assert.deepEqual(v6, ['fd00::/125', 'fd00::10/124', 'fd00::100/120', 'fd00::1000/116', 'fd00::20/123', 'fd00::200/119', 'fd00::2000/115', 'fd00::4000/114', 'fd00::40/122', 'fd00::400/118', 'fd00::8000/113', 'fd00::80/121', 'fd00::800/117', 'fd00::9/128', 'fd00::a/127', 'fd00::c/126'].sort(), 'fd00::8 left out: 0-7, 9, a-b, c-f, then each power of two up to ffff');
  assert.deepEqual(wantedPrefixes(input({ services: [{ ...group, quorumUp: false }] })), [], 'no quorum, nothing');
});
