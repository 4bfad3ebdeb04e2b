/**
 * Gratuitous ARP and unsolicited neighbour advertisements (src/os/announce.ts): the frames
 * against what Keepalived 2.2.7 sent on a veth (captured with tcpdump -xx), then real announces
 * between namespaces, seen by tcpdump and by the peer's neighbour table.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { garpFrame, naMessage } from '../../src/os/announce.js';
import { addressBytes } from '../../src/base/addr.js';
import { Lab, hasTcpdump, labUnavailable, type LabHost } from '../../src/lab/lab.js';
import { Lines, Peer } from '../../src/lab/process.js';

const VRRP_PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'vrrp-peer.js');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MAC = hex('3a50 23fe 9e15');

// Keepalived 2.2.7 on eth0 (MAC 3a:50:23:fe:9e:15) becoming master for 10.9.0.100.
const KEEPALIVED_GARP = hex(`
  ffff ffff ffff 3a50 23fe 9e15 0806 0001
  0800 0604 0001 3a50 23fe 9e15 0a09 0064
  ffff ffff ffff 0a09 0064`);
// Its unsolicited NA for fd00::64: the ICMPv6 message after the IPv6 header (checksum 5f72).
const KEEPALIVED_NA = hex(`
  8800 5f72 2000 0000 fd00 0000 0000 0000
  0000 0000 0000 0064 0201 3a50 23fe 9e15`);

test('a gratuitous ARP is byte for byte the frame Keepalived sends', () => {
  assert.deepEqual(garpFrame(MAC, addressBytes('10.9.0.100')), KEEPALIVED_GARP);
});

test('an unsolicited NA is the message Keepalived sends, the checksum left to the kernel', () => {
  const expected = Buffer.from(KEEPALIVED_NA);
  expected.writeUInt16BE(0, 2);
  assert.deepEqual(naMessage(addressBytes('fd00::64'), MAC, false), expected);
  // RFC 4861 4.4: R set when the sender is a router.
  assert.equal(naMessage(addressBytes('fd00::64'), MAC, true)[4], 0xa0);
});

describe('announcing addresses between namespaces', { skip: labUnavailable() || (!hasTcpdump() && 'tcpdump is not installed') }, () => {
  let lab: Lab;
  let a: LabHost;
  let b: LabHost;
  let peer: Peer;
  let dump: Lines;

  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'], subnet: [9, 0], ipv6: true, prefix6: 'fd00::', multicastSnooping: false });
    [a, b] = [lab.host('a'), lab.host('b')];
    // The VIP is on A (as the master adds it before announcing); fd00::65 is not, on purpose.
    lab.execSync('a', 'ip', '-6', 'addr', 'add', 'fd00::64/64', 'dev', 'eth0', 'nodad');
    // Stale entries on B with a wrong MAC: the announcements must move them to A's.
    lab.execSync('b', 'ip', 'neigh', 'add', '10.9.0.100', 'lladdr', '02:00:00:00:00:01', 'dev', 'eth0', 'nud', 'stale');
    lab.execSync('b', 'ip', '-6', 'neigh', 'add', 'fd00::64', 'lladdr', '02:00:00:00:00:01', 'dev', 'eth0', 'nud', 'stale');
    const td = lab.spawn('b', 'tcpdump', ['-nn', '-v', '-e', '-l', '-i', 'eth0', 'arp or icmp6[0] == 136']);
    dump = new Lines(td.stdout!);
    await new Lines(td.stderr!).wait((l) => l.includes('listening on'), 5000, 'tcpdump to listen');
    peer = await Peer.start(lab, 'a', VRRP_PEER);
    await peer.request({ op: 'announce', ifname: 'eth0', addresses: ['10.9.0.100', 'fd00::64', 'fd00::65/64'] }, 'announced');
    await dump.wait((l) => l.includes('tgt is fd00::65'), 3000, 'the last NA in tcpdump');
  });
  after(() => lab?.destroy());

  test("gratuitous ARP: broadcast from A's MAC, sender IP = target IP = the VIP", () => {
    const arp = `${a.mac} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), ` +
      'Request who-has 10.9.0.100 (ff:ff:ff:ff:ff:ff) tell 10.9.0.100, length 28';
    assert.ok(dump.all.some((l) => l.includes(arp)), dump.all.join('\n'));
    assert.match(lab.execSync('b', 'ip', 'neigh', 'show', '10.9.0.100', 'dev', 'eth0'), new RegExp(`lladdr ${a.mac}`));
  });

  test('unsolicited NA: to ff02::1 from the VIP, hop limit 255, override, target link-layer address', () => {
    const i = dump.all.findIndex((l) => l.includes('tgt is fd00::64'));
    assert.ok(i >= 0, dump.all.join('\n'));
    assert.match(dump.all[i]!, new RegExp(`^\\S+ ${a.mac} > 33:33:00:00:00:01, .*\\(hlim 255, next-header ICMPv6 \\(58\\) payload length: 32\\) fd00::64 > ff02::1: \\[icmp6 sum ok\\] ICMP6, neighbor advertisement, length 32, tgt is fd00::64, Flags \\[override\\]`));
    assert.match(dump.all[i + 1]!, new RegExp(`destination link-address option \\(2\\), length 8 \\(1\\): ${a.mac}`));
    assert.match(lab.execSync('b', 'ip', '-6', 'neigh', 'show', 'fd00::64', 'dev', 'eth0'), new RegExp(`lladdr ${a.mac}`));
  });

  test('an address not (yet) on the interface is announced from the link-local address', () => {
    const na = dump.all.find((l) => l.includes('tgt is fd00::65'));
    assert.match(na ?? '', new RegExp(`${a.linkLocal} > ff02::1: \\[icmp6 sum ok\\] .*Flags \\[override\\]`));
  });

  test('on a forwarding interface the NA says router', async () => {
    lab.execSync('a', 'sysctl', '-q', '-w', 'net.ipv6.conf.eth0.forwarding=1');
    const from = dump.all.length;
    // The flag is read again by prepare() or after 5 s (Keepalived's gna_router check): prepare.
    await peer.request({ op: 'announce', ifname: 'eth0', addresses: ['fd00::64'], prepare: 'inet6' }, 'announced');
    await dump.wait((l) => l.includes('tgt is fd00::64, Flags [router, override]'), 3000, 'a router NA', from);
  });

  test('a missing interface is an error naming it; nothing is sent', async () => {
    await assert.rejects(peer.request({ op: 'announce', ifname: 'nonesuch0', addresses: ['10.9.0.100'] }, 'announced'), /nonesuch0: no such interface/);
  });
});
