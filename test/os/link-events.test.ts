/**
 * The rtnetlink walker of os/link-events.ts on datagrams built byte by byte: each message type it
 * reads, several messages in one datagram, and lengths that lie (short, too long, zero): those
 * messages are dropped and counted, and the walk always ends. Host byte order, as the kernel's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walkMessages } from '../../src/os/link-events.js';

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  if (LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc(((b.length + 3) & ~3) - b.length)]);

function rtattr(type: number, payload: Buffer): Buffer {
  return pad4(Buffer.concat([u16(4 + payload.length), u16(type), payload]));
}

const cstr = (s: string) => Buffer.from(`${s}\0`);

/** nlmsghdr + body; `len` overrides the header's length field. */
function nlmsg(type: number, body: Buffer, len = 16 + body.length): Buffer {
  return pad4(Buffer.concat([u32(len), u16(type), u16(0), u32(0), u32(0), body]));
}

/** struct ifinfomsg: family, pad, type, index, flags, change. */
function ifinfo(index: number, attrs: Buffer[] = []): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), u16(1), u32(index), u32(0x1043), u32(0), ...attrs]);
}

/** struct ifaddrmsg: family, prefixlen, flags, scope, index. */
function ifaddr(family: number, index: number, attrs: Buffer[] = []): Buffer {
  return Buffer.concat([Buffer.from([family, 24, 0, 0]), u32(index), ...attrs]);
}

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const IFLA_MTU = 4;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFA_LABEL = 3;

test('RTM_NEWLINK and RTM_DELLINK: the index and IFLA_IFNAME, past other attributes', () => {
  const w = walkMessages(nlmsg(RTM_NEWLINK, ifinfo(7, [rtattr(IFLA_MTU, u32(1500)), rtattr(IFLA_IFNAME, cstr('veth-a'))])));
  assert.deepEqual(w, { events: [{ kind: 'link', deleted: false, index: 7, name: 'veth-a' }], malformed: 0 });
  const d = walkMessages(nlmsg(RTM_DELLINK, ifinfo(7, [rtattr(IFLA_IFNAME, cstr('eth0'))])));
  assert.deepEqual(d.events, [{ kind: 'link', deleted: true, index: 7, name: 'eth0' }]);
  // Without a name attribute the index alone is reported.
  assert.deepEqual(walkMessages(nlmsg(RTM_NEWLINK, ifinfo(3))).events, [{ kind: 'link', deleted: false, index: 3 }]);
});

test('RTM_NEWADDR and RTM_DELADDR: the index; IFA_LABEL only for IPv4', () => {
  const v4 = walkMessages(nlmsg(RTM_NEWADDR, ifaddr(2, 4, [rtattr(IFA_ADDRESS, Buffer.from([10, 0, 0, 1])), rtattr(IFA_LABEL, cstr('eth0:1'))])));
  assert.deepEqual(v4, { events: [{ kind: 'address', deleted: false, index: 4, label: 'eth0:1' }], malformed: 0 });
  const v6 = walkMessages(nlmsg(RTM_DELADDR, ifaddr(10, 5, [rtattr(IFA_ADDRESS, Buffer.alloc(16)), rtattr(IFA_LABEL, cstr('x'))])));
  assert.deepEqual(v6, { events: [{ kind: 'address', deleted: true, index: 5 }], malformed: 0 });
});

test('several messages in one datagram, in order; other message types are skipped', () => {
  const dgram = Buffer.concat([
    nlmsg(RTM_NEWLINK, ifinfo(2, [rtattr(IFLA_IFNAME, cstr('a'))])),
    nlmsg(24 /* RTM_NEWROUTE */, Buffer.alloc(12)),
    nlmsg(RTM_NEWADDR, ifaddr(10, 2)),
    nlmsg(RTM_DELLINK, ifinfo(9, [rtattr(IFLA_IFNAME, cstr('bb'))])),
  ]);
  const w = walkMessages(dgram);
  assert.equal(w.malformed, 0);
  assert.deepEqual(
    w.events.map((e) => [e.kind, e.deleted, e.index, e.name]),
    [['link', false, 2, 'a'], ['address', false, 2, undefined], ['link', true, 9, 'bb']],
  );
});

test('a zero or short header length ends the walk, counted, instead of looping', () => {
  const good = nlmsg(RTM_NEWLINK, ifinfo(2, [rtattr(IFLA_IFNAME, cstr('a'))]));
  for (const len of [0, 4, 15]) {
    const w = walkMessages(Buffer.concat([good, nlmsg(RTM_NEWLINK, ifinfo(3), len), good]));
    assert.equal(w.events.length, 1, `len ${len}: only the message before it`);
    assert.equal(w.malformed, 1);
  }
});

test('a length past the end of the datagram drops the message, and the rest is not guessed at', () => {
  const msg = nlmsg(RTM_NEWLINK, ifinfo(2, [rtattr(IFLA_IFNAME, cstr('a'))]));
  const long = Buffer.from(msg);
  long.set(u32(msg.length + 4), 0);
  assert.deepEqual(walkMessages(long), { events: [], malformed: 1 });
  // A datagram cut short inside a message, and one cut inside a header.
  assert.deepEqual(walkMessages(msg.subarray(0, msg.length - 4)), { events: [], malformed: 1 });
  assert.deepEqual(walkMessages(Buffer.concat([msg, msg.subarray(0, 10)])).malformed, 1);
  assert.equal(walkMessages(Buffer.concat([msg, msg.subarray(0, 10)])).events.length, 1);
});

test('a body shorter than its struct, or attributes that do not fit, drop only that message', () => {
  const good = nlmsg(RTM_NEWADDR, ifaddr(2, 8));
  // Cut before the end of their structs, though the index of the link one is there.
  const shortLink = nlmsg(RTM_NEWLINK, ifinfo(4).subarray(0, 8));
  const shortAddr = nlmsg(RTM_DELADDR, ifaddr(2, 4).subarray(0, 4));
  // An attribute claiming more bytes than the message holds, and one shorter than its header.
  const longAttr = nlmsg(RTM_NEWLINK, ifinfo(4, [Buffer.concat([u16(40), u16(IFLA_IFNAME), cstr('abc')])]));
  const zeroAttr = nlmsg(RTM_NEWADDR, ifaddr(2, 4, [Buffer.concat([u16(0), u16(IFA_LABEL)])]));
  const w = walkMessages(Buffer.concat([shortLink, good, shortAddr, longAttr, zeroAttr, good]));
  assert.equal(w.malformed, 4);
  assert.deepEqual(w.events, [
    { kind: 'address', deleted: false, index: 8 },
    { kind: 'address', deleted: false, index: 8 },
  ]);
});

test('index 0 (no such link) is malformed; a name without its NUL ends at the attribute', () => {
  assert.deepEqual(walkMessages(nlmsg(RTM_NEWLINK, ifinfo(0))), { events: [], malformed: 1 });
  assert.deepEqual(walkMessages(nlmsg(RTM_NEWADDR, ifaddr(2, 0))), { events: [], malformed: 1 });
  const w = walkMessages(nlmsg(RTM_NEWLINK, ifinfo(6, [rtattr(IFLA_IFNAME, Buffer.from('abcd'))])));
  assert.deepEqual(w.events, [{ kind: 'link', deleted: false, index: 6, name: 'abcd' }]);
});

test('empty input and random bytes never throw', () => {
  assert.deepEqual(walkMessages(new Uint8Array(0)), { events: [], malformed: 0 });
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(rand() % 96);
    for (let j = 0; j < b.length; j++) b[j] = rand();
    // Some with a plausible small length and a type we read, to reach the bodies.
    if (b.length >= 16 && i % 2 === 0) {
      b.set(u32(16 + (rand() % (b.length - 15))), 0);
      b.set(u16([16, 17, 20, 21][i % 4]!), 4);
    }
    const w = walkMessages(b);
    assert.ok(w.events.length + w.malformed <= Math.ceil(b.length / 16) + 1);
  }
  // A view into a larger buffer at an odd offset reads only its own bytes.
  const msg = nlmsg(RTM_NEWLINK, ifinfo(5, [rtattr(IFLA_IFNAME, cstr('z'))]));
  const big = Buffer.concat([Buffer.alloc(3, 0xff), msg, Buffer.alloc(5, 0xff)]);
  assert.deepEqual(walkMessages(big.subarray(3, 3 + msg.length)).events, [{ kind: 'link', deleted: false, index: 5, name: 'z' }]);
});
