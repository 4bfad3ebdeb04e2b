/** Planning the DR real server's side (lb/realserver.ts): what start changes, what stop gives back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostAddress, planStart, planStop, realserverStatus, RealserverError, type RealserverHostState, type RealserverStep } from '../../src/lb/realserver.js';

const fresh: RealserverHostState = {
  addresses: ['127.0.0.1/8', '::1/128'],
  sysctls: { 'net/ipv4/conf/all/arp_ignore': '0', 'net/ipv4/conf/all/arp_announce': '0', 'net/ipv4/conf/lo/arp_ignore': '0', 'net/ipv4/conf/lo/arp_announce': '0' },
};

/** The host after `steps`, as the os edge would leave it. */
function apply(host: RealserverHostState, steps: readonly RealserverStep[]): RealserverHostState {
  let addresses = [...host.addresses];
  const sysctls = { ...host.sysctls };
  for (const s of steps) {
    if (s.kind === 'addr-add') addresses.push(s.address);
    else if (s.kind === 'addr-del') addresses = addresses.filter((a) => a !== s.address);
    else sysctls[s.key] = s.value;
  }
  return { addresses, sysctls };
}

test('host addresses: /32 for IPv4, /128 for IPv6 in canonical text', () => {
  assert.equal(hostAddress('10.0.0.100'), '10.0.0.100/32');
  assert.equal(hostAddress('FD00:0::0001'), 'fd00::1/128');
  assert.throws(() => hostAddress('www.example.com'), RealserverError);
});

test('start on a fresh host: each VIP on lo, arp_ignore=1 and arp_announce=2 on all and lo, the old values recorded', () => {
  const p = planStart(['10.0.0.100', 'fd00::100'], 'lo', fresh);
  assert.deepEqual(p.steps, [
    { kind: 'addr-add', address: '10.0.0.100/32', dev: 'lo' },
    { kind: 'addr-add', address: 'fd00::100/128', dev: 'lo' },
    { kind: 'sysctl', key: 'net/ipv4/conf/all/arp_ignore', value: '1' },
    { kind: 'sysctl', key: 'net/ipv4/conf/all/arp_announce', value: '2' },
    { kind: 'sysctl', key: 'net/ipv4/conf/lo/arp_ignore', value: '1' },
    { kind: 'sysctl', key: 'net/ipv4/conf/lo/arp_announce', value: '2' },
  ]);
  assert.deepEqual(p.record, {
    dev: 'lo', added: ['10.0.0.100/32', 'fd00::100/128'],
    previous: { 'net/ipv4/conf/all/arp_ignore': '0', 'net/ipv4/conf/all/arp_announce': '0', 'net/ipv4/conf/lo/arp_ignore': '0', 'net/ipv4/conf/lo/arp_announce': '0' },
  });
});

test('start twice: the second plans nothing and keeps the first record', () => {
  const first = planStart(['10.0.0.100'], 'lo', fresh);
  const second = planStart(['10.0.0.100'], 'lo', apply(fresh, first.steps), first.record);
  assert.deepEqual(second.steps, []);
  assert.deepEqual(second.record, first.record);
});

test('what is in place already is neither changed nor recorded, so stop leaves it', () => {
  const host = { addresses: [...fresh.addresses, '10.0.0.100/32'], sysctls: { ...fresh.sysctls, 'net/ipv4/conf/all/arp_ignore': '1' } };
  const p = planStart(['10.0.0.100'], 'lo', host);
  assert.equal(p.steps.length, 3);
  assert.deepEqual(p.record!.added, []);
  assert.equal('net/ipv4/conf/all/arp_ignore' in p.record!.previous, false);
  const stop = planStop(apply(host, p.steps), p.record);
  assert.deepEqual(apply(apply(host, p.steps), stop.steps), host);
});

test('a VIP on the device with another prefix is left alone, and said so', () => {
  const host = { ...fresh, addresses: [...fresh.addresses, '10.0.0.100/24'] };
  const p = planStart(['10.0.0.100'], 'lo', host);
  assert.equal(p.steps.filter((s) => s.kind === 'addr-add').length, 0);
  assert.match(p.notes[0]!, /10\.0\.0\.100\/24 is on lo already/);
  assert.equal(realserverStatus(['10.0.0.100'], 'lo', apply(host, p.steps))[0]!.inPlace, false);
});

test('stop undoes exactly what start did: back to the host before', () => {
  const start = planStart(['10.0.0.100', 'fd00::100'], 'lo', fresh);
  const up = apply(fresh, start.steps);
  const stop = planStop(up, start.record);
  assert.deepEqual(apply(up, stop.steps), { addresses: fresh.addresses, sysctls: fresh.sysctls });
  assert.equal(stop.record, undefined);
  assert.deepEqual(planStop(fresh, undefined).steps, []);
});

test('stop leaves a sysctl someone changed since start; stop --vip keeps the rest recorded', () => {
  const start = planStart(['10.0.0.100', '10.0.0.101'], 'lo', fresh);
  const up = apply(fresh, start.steps);
  const changed = { ...up, sysctls: { ...up.sysctls, 'net/ipv4/conf/lo/arp_announce': '1' } };
  const stop = planStop(changed, start.record);
  assert.equal(stop.steps.some((s) => s.kind === 'sysctl' && s.key === 'net/ipv4/conf/lo/arp_announce'), false);
  assert.match(stop.notes.join('\n'), /net\.ipv4\.conf\.lo\.arp_announce is 1 now/);

  const one = planStop(up, start.record, ['10.0.0.100']);
  assert.deepEqual(one.steps, [{ kind: 'addr-del', address: '10.0.0.100/32', dev: 'lo' }]);
  assert.deepEqual(one.record, { ...start.record!, added: ['10.0.0.101/32'] });
});

test('status: every item with whether it is in place', () => {
  const before = realserverStatus(['10.0.0.100'], 'lo', fresh);
  assert.deepEqual(before.map((i) => i.inPlace), [false, false, false, false, false]);
  assert.equal(before[1]!.what, 'net.ipv4.conf.all.arp_ignore = 1 (is 0)');
  const up = apply(fresh, planStart(['10.0.0.100'], 'lo', fresh).steps);
  const after = realserverStatus(['10.0.0.100'], 'lo', up);
  assert.ok(after.every((i) => i.inPlace));
  assert.equal(after[0]!.what, '10.0.0.100/32 on lo');
});

test('another --dev than the recorded start is refused', () => {
  const start = planStart(['10.0.0.100'], 'lo', fresh);
  assert.throws(() => planStart(['10.0.0.100'], 'dummy0', fresh, start.record), /stop it first/);
});
