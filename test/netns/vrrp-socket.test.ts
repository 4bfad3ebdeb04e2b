/**
 * The raw VRRP socket (src/os/vrrp-socket.ts) with real packets: hosts in network namespaces on
 * a bridge, our socket at both ends, tcpdump as a third opinion and Keepalived 2.2.7 as the peer
 * we must interoperate with. Needs root; skipped otherwise.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openVrrpSocket } from '../../src/os/vrrp-socket.js';
import type { VrrpPacket } from '../../src/os/types.js';
import { decodeAdvertisement, encodeAdvertisement, passAuthData, type Advertisement } from '../../src/vrrp/packet.js';
import { Lab, hasTcpdump, labUnavailable, type LabHost } from '../../src/lab/lab.js';
import { Lines, Peer, stop, type PacketEvent } from '../../src/lab/process.js';

const VRRP_PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'vrrp-peer.js');
const GROUP4 = '224.0.0.18';
const GROUP6 = 'ff02::12';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const micros = (from: bigint, to: bigint) => Number(to - from) / 1000;

function v2(vrid: number, priority = 100): Advertisement {
  return {
    version: 2, vrid, priority, intervalCs: 100, family: 'inet', addresses: ['10.9.0.100'],
    authType: 1, authData: passAuthData('secret12'),
  };
}

function v3(vrid: number, family: 'inet' | 'inet6', address: string): Advertisement {
  return { version: 3, vrid, priority: 100, intervalCs: 100, family, addresses: [address], authType: 0 };
}

describe('VRRP raw sockets between namespaces', { skip: labUnavailable() }, () => {
  let lab: Lab;
  let a: LabHost;
  let b: LabHost;
  let pa: Peer;
  let pb: Peer;

  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'], subnet: [9, 0], ipv6: true, prefix6: 'fd00::', multicastSnooping: false });
    a = lab.host('a');
    b = lab.host('b');
    // A second address on A, to send from per packet.
    lab.execSync('a', 'ip', 'addr', 'add', '10.9.0.201/24', 'dev', 'eth0');
    [pa, pb] = await Promise.all([Peer.start(lab, 'a', VRRP_PEER), Peer.start(lab, 'b', VRRP_PEER)]);
    for (const p of [pa, pb]) {
      await p.request({ op: 'open', family: 'inet', ifname: 'eth0', groups: [GROUP4] }, 'opened');
      await p.request({ op: 'open', family: 'inet6', ifname: 'eth0', groups: [GROUP6] }, 'opened');
    }
  });
  after(() => lab?.destroy());

  /** Sends from A, returns what B received of that vrid and the one-way latency in µs. */
  async function exchange(advert: Advertisement, dst: string, src: string, ttl?: number): Promise<{ p: PacketEvent; us: number }> {
    const bytes = encodeAdvertisement(advert, { src, dst });
    const sent = await pa.request({ op: 'send', hex: hex(bytes), dst, src, ...(ttl ? { ttl } : {}) }, 'sent');
    const p = await pb.packet((q) => q.bytes[1] === advert.vrid, 3000, `vrid ${advert.vrid} at B`);
    assert.deepEqual(p.bytes, bytes, 'the VRRP message arrives unchanged, without the IP header');
    return { p, us: micros(BigInt(sent.t as string), p.t) };
  }

  test('RFC 3768 5.1: an IPv4 v2 advert to 224.0.0.18 arrives with TTL 255 and its addresses', async (t) => {
    const { p, us } = await exchange(v2(11), GROUP4, a.address);
    assert.equal(p.src, a.address);
    assert.equal(p.dst, GROUP4);
    assert.equal(p.ttl, 255);
    assert.equal(p.ifindex, b.ifindex);
    const d = decodeAdvertisement(p.bytes, 'inet', { src: p.src, dst: p.dst });
    assert.ok(d.ok && d.advert.vrid === 11 && d.advert.addresses[0] === '10.9.0.100');
    // The kernel's receive timestamp: it arrived after it was sent and before it was read.
    assert.ok(p.ageUs !== undefined && p.ageUs >= 0 && p.ageUs <= us + 50, `age ${p.ageUs} us, send-to-read ${us.toFixed(0)} us`);
    t.diagnostic(`send-to-receive latency A->B (IPv4 multicast): ${us.toFixed(0)} µs, read ${p.ageUs} µs after arrival`);
  });

  test('RFC 5798 5.1.2: an IPv6 v3 advert to ff02::12 from the link-local address, hop limit 255', async (t) => {
    const { p, us } = await exchange(v3(12, 'inet6', 'fd00::100'), GROUP6, a.linkLocal!);
    assert.equal(p.src, a.linkLocal);
    assert.equal(p.dst, GROUP6);
    assert.equal(p.ttl, 255);
    assert.equal(p.ifindex, b.ifindex);
    // Our checksum, untouched by the kernel, verifies against the addresses B saw.
    assert.ok(decodeAdvertisement(p.bytes, 'inet6', { src: p.src, dst: p.dst }).ok);
    t.diagnostic(`send-to-receive latency A->B (IPv6 multicast): ${us.toFixed(0)} µs`);
  });

  test('unicast_peer: v3 to the peer address, IPv4 and IPv6', async () => {
    const p4 = (await exchange(v3(13, 'inet', '10.9.0.100'), b.address, a.address)).p;
    assert.deepEqual([p4.src, p4.dst, p4.ttl], [a.address, b.address, 255]);
    assert.ok(decodeAdvertisement(p4.bytes, 'inet', { src: p4.src, dst: p4.dst }).ok);
    const p6 = (await exchange(v3(14, 'inet6', 'fd00::100'), b.address6!, a.address6!)).p;
    assert.deepEqual([p6.src, p6.dst, p6.ttl], [a.address6, b.address6, 255]);
    assert.ok(decodeAdvertisement(p6.bytes, 'inet6', { src: p6.src, dst: p6.dst }).ok);
  });

  test('mcast_src_ip: the source address is chosen per send', async () => {
    assert.equal((await exchange(v2(15), GROUP4, '10.9.0.201')).p.src, '10.9.0.201');
    assert.equal((await exchange(v2(16), GROUP4, a.address)).p.src, a.address);
    assert.equal((await exchange(v2(17), b.address, '10.9.0.201')).p.src, '10.9.0.201');
  });

  test('unicast_ttl: the TTL / hop limit given to send() is the one that arrives', async () => {
    assert.equal((await exchange(v3(18, 'inet', '10.9.0.100'), b.address, a.address, 7)).p.ttl, 7);
    assert.equal((await exchange(v3(19, 'inet6', 'fd00::100'), b.address6!, a.address6!, 9)).p.ttl, 9);
    // The next send without a TTL is back to 255: nothing sticks to the socket.
    assert.equal((await exchange(v3(20, 'inet', '10.9.0.100'), b.address, a.address)).p.ttl, 255);
  });

  test('our own multicast adverts do not come back to us', () => {
    assert.deepEqual(pa.packets(), []);
    assert.deepEqual([...pa.errors(), ...pb.errors()], []);
  });

  test('a send after a receive on the same socket goes where it is told (they share its buffers)', async () => {
    const send = async (from: Peer, to: Peer, advert: Advertisement, dst: string, src: string) => {
      await from.request({ op: 'send', hex: hex(encodeAdvertisement(advert, { src, dst })), dst, src }, 'sent');
      return to.packet((q) => q.bytes[1] === advert.vrid, 3000, `vrid ${advert.vrid}`);
    };
    assert.equal((await send(pb, pa, v2(24), GROUP4, b.address)).dst, GROUP4);
    // B's socket receives A's unicast: its buffers then hold A's address and that packet's ancillary data.
    assert.equal((await send(pa, pb, v2(25), b.address, a.address)).dst, b.address);
    const again = await send(pb, pa, v2(26), GROUP4, b.address);
    assert.deepEqual([again.dst, again.src, again.ttl], [GROUP4, b.address, 255]);
  });

  test('latency: 100 adverts one at a time, A->B', async (t) => {
    const us: number[] = [];
    for (let vrid = 100; vrid < 200; vrid++) us.push((await exchange(v2(vrid), GROUP4, a.address)).us);
    us.sort((x, y) => x - y);
    const pct = (q: number) => us[Math.min(us.length - 1, Math.floor(q * us.length))]!.toFixed(0);
    t.diagnostic(`send() to onPacket across the bridge: median ${pct(0.5)} µs, p90 ${pct(0.9)} µs, max ${pct(1)} µs`);
  });

  test('throughput: a burst of adverts A->B', async (t) => {
    const n = 2000;
    const bytes = encodeAdvertisement(v2(21), { src: a.address, dst: GROUP4 });
    // B reopens its socket without reporting each packet, to count at the socket's own pace.
    await pb.request({ op: 'open', family: 'inet', ifname: 'eth0', groups: [GROUP4], quiet: true }, 'opened');
    await pb.request({ op: 'stats', reset: true }, 'stats');
    const burst = await pa.request({ op: 'burst', hex: hex(bytes), dst: GROUP4, src: a.address, count: n }, 'burst', 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const s = await pb.request({ op: 'stats', reset: true }, 'stats');
    const got = s.received as number;
    const sendPps = (burst.sent as number) / (Number(burst.ns as string) / 1e9);
    const rxPps = got > 1 ? (got - 1) / (micros(BigInt(s.first as string), BigInt(s.last as string)) / 1e6) : 0;
    t.diagnostic(
      `sent ${String(burst.sent)} in one synchronous loop (${String(burst.full)} refused) at ${sendPps.toFixed(0)}/s; ` +
        `B received ${got} at ${rxPps.toFixed(0)}/s; any missing overflowed B's default receive buffer`,
    );
    assert.equal(burst.full, 0);
    assert.ok(got > 0 && got <= n);
  });
});

describe('VRRP raw socket on loopback, in this process', { skip: labUnavailable() }, () => {
  test('receives a unicast advert sent to itself and stops on close()', async () => {
    const got: VrrpPacket[] = [];
    const errors: Error[] = [];
    let arrived!: () => void;
    const first = new Promise<void>((r) => (arrived = r));
    const s = openVrrpSocket({
      family: 'inet', ifname: 'lo', groups: [],
      onPacket: (p) => {
        if (p.bytes[1] !== 201) return; // someone else's VRRP on lo
        got.push(p);
        arrived();
      },
      onError: (e) => errors.push(e),
    });
    try {
      const bytes = encodeAdvertisement(v3(201, 'inet', '127.0.0.100'), { src: '127.0.0.1', dst: '127.0.0.1' });
      s.send(bytes, '127.0.0.1', '127.0.0.1', 64);
      await first;
      assert.deepEqual(got[0]!.bytes, bytes);
      assert.equal(got[0]!.ttl, 64);
    } finally {
      s.close();
    }
    s.close(); // twice is harmless
    assert.throws(() => s.send(new Uint8Array(20), '127.0.0.1', '127.0.0.1'), /closed/);
    assert.deepEqual(errors, []);
    // Were the poll handle left open, this test file would never end.
  });

  test('opening on a missing interface fails with the errno', () => {
    assert.throws(
      () => openVrrpSocket({ family: 'inet', ifname: 'kts-nonesuch', groups: [], onPacket: () => {}, onError: () => {} }),
      (e: Error & { code?: string }) => e.code === 'ENODEV' && /kts-nonesuch/.test(e.message),
    );
  });

  test('an address of the wrong family is refused before anything is sent', () => {
    const s = openVrrpSocket({ family: 'inet', ifname: 'lo', groups: [], onPacket: () => {}, onError: () => {} });
    try {
      assert.throws(() => s.send(new Uint8Array(20), '::1', '127.0.0.1'), RangeError);
      assert.throws(() => s.send(new Uint8Array(20), '127.0.0.1', '127.0.0.1', 0), RangeError);
    } finally {
      s.close();
    }
  });
});

const KEEPALIVED = '/usr/sbin/keepalived';

describe('interop: Keepalived 2.2.7 and tcpdump on the same link', {
  skip: labUnavailable() || (!fs.existsSync(KEEPALIVED) && 'Keepalived is not installed') || (!hasTcpdump() && 'tcpdump is not installed'),
}, () => {
  let lab: Lab;
  let dir: string;
  let k: LabHost;
  let o: LabHost;
  let w: LabHost;
  let ours: Peer;
  let keepalived: ChildProcess | undefined;
  let log: Lines;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-vrrp-'));
    lab = await Lab.create({ hosts: ['k', 'o', 'w'], subnet: [9, 0], ipv6: true, prefix6: 'fd00::', multicastSnooping: false });
    [k, o, w] = [lab.host('k'), lab.host('o'), lab.host('w')];
    ours = await Peer.start(lab, 'o', VRRP_PEER);
    await ours.request({ op: 'open', family: 'inet', ifname: 'eth0', groups: [GROUP4] }, 'opened');
  });

  after(async () => {
    if (keepalived) await stopKeepalived(keepalived, path.join(dir, 'vrrp.pid'));
    await lab?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** tcpdump -v on W's link: resolves once it listens; `done()` stops it and returns its lines. */
  async function capture(): Promise<{ lines: Lines; done: () => Promise<string[]> }> {
    const p = lab.spawn('w', 'tcpdump', ['-nn', '-v', '-l', '-i', 'eth0', 'vrrp']);
    const lines = new Lines(p.stdout!);
    await new Lines(p.stderr!).wait((l) => l.includes('listening on'), 5000, 'tcpdump to listen');
    return { lines, done: async () => (await stop(p), lines.all) };
  }

  test('tcpdump decodes our adverts as valid VRRPv2 (and flags a corrupted one)', async () => {
    const cap = await capture();
    const good = encodeAdvertisement(v2(31), { src: o.address, dst: GROUP4 });
    const bad = Uint8Array.from(encodeAdvertisement(v2(32), { src: o.address, dst: GROUP4 }));
    bad[7] = bad[7]! ^ 0xff;
    for (const b of [good, bad]) await ours.request({ op: 'send', hex: hex(b), dst: GROUP4, src: o.address }, 'sent');
    await cap.lines.wait((l) => l.includes('vrid 32'), 3000, 'the second advert in tcpdump');
    const lines = await cap.done();
    const at = (vrid: number) => lines.findIndex((l) => l.includes(`vrid ${vrid},`));
    const g = lines[at(31)]!;
    assert.match(g, /VRRPv2, Advertisement, vrid 31, prio 100, authtype simple, intvl 1s, length 20, addrs: 10\.9\.0\.100 auth "secret12"/);
    assert.doesNotMatch(g, /bad/);
    assert.match(lines[at(31) - 1]!, /tos 0xc0, ttl 255, .*proto VRRP \(112\)/);
    assert.match(lines[at(32)]!, /bad vrrp cksum/);
  });

  test("our socket receives Keepalived's adverts, which decode with packet.ts", async () => {
    fs.writeFileSync(path.join(dir, 'keepalived.conf'), [
      'vrrp_instance VI {', ' state MASTER', ' interface eth0', ' virtual_router_id 51', ' priority 150', ' advert_int 1',
      ' authentication {', '  auth_type PASS', '  auth_pass secret12', ' }', ' virtual_ipaddress {', '  10.9.0.100/24', ' }', '}', '',
    ].join('\n'));
    keepalived = lab.spawn('k', KEEPALIVED, [
      '-n', '-l', '-D', '-P', '-f', path.join(dir, 'keepalived.conf'), '-p', path.join(dir, 'keepalived.pid'), '-r', path.join(dir, 'vrrp.pid'),
    ]);
    log = new Lines(keepalived.stderr!); // -l logs to the console's stderr
    await log.wait((l) => l.includes('Entering MASTER STATE'), 15_000, 'Keepalived to become master');
    const p = await ours.packet((q) => q.bytes[1] === 51, 3000, "Keepalived's advert");
    assert.deepEqual([p.src, p.dst, p.ttl], [k.address, GROUP4, 255]);
    const d = decodeAdvertisement(p.bytes, 'inet', { src: p.src, dst: p.dst });
    assert.ok(d.ok, 'the checksum verifies');
    assert.equal(d.advert.version, 2);
    assert.equal(d.advert.priority, 150);
    assert.deepEqual(d.advert.addresses, ['10.9.0.100']);
    assert.equal(Buffer.from(d.advert.authData!).toString(), 'secret12');
  });

  test('Keepalived accepts our adverts: a higher priority sends it back to BACKUP', async (t) => {
    if (!keepalived) return t.skip('Keepalived did not start in the previous test');
    const advert = encodeAdvertisement(v2(51, 200), { src: o.address, dst: GROUP4 });
    const from = log.all.length;
    const backup = log.wait((l) => l.includes('Entering BACKUP STATE'), 10_000, 'Keepalived to step down', from);
    let stepped = false;
    void backup.then(() => (stepped = true), () => {});
    for (let i = 0; i < 40 && !stepped; i++) {
      await ours.request({ op: 'send', hex: hex(advert), dst: GROUP4, src: o.address }, 'sent');
      await new Promise((r) => setTimeout(r, 250));
    }
    await backup;
    assert.ok(log.all.slice(from).some((l) => l.includes(`higher priority 200`)), log.all.slice(from).join('\n'));
  });
});

/** SIGTERM to the parent (it stops its VRRP child); the child is killed by its PID if it lingers. */
async function stopKeepalived(parent: ChildProcess, childPidFile: string): Promise<void> {
  let child: number | undefined;
  try {
    child = Number(fs.readFileSync(childPidFile, 'utf8').trim()) || undefined;
  } catch {
    // Never started its child.
  }
  await stop(parent, 5000);
  if (child === undefined) return;
  for (let i = 0; i < 50 && alive(child); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(child)) process.kill(child, 'SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
