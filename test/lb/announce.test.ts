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
