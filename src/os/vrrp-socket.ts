/**
 * Raw IPPROTO_VRRP (112) sockets, one per interface and family, for RFC 3768 / RFC 5798 adverts.
 *
 * Sending: Keepalived builds the IPv4 header itself (IP_HDRINCL). We let the kernel build it and
 * give what varies per packet as ancillary data on each sendmsg instead: the source address
 * (IP_PKTINFO's ipi_spec_dst / IPV6_PKTINFO's ipi6_addr) and the TTL / hop limit (IP_TTL /
 * IPV6_HOPLIMIT cmsgs), so instances sharing a socket with different mcast_src_ip or unicast_ttl
 * never race on socket options. The kernel then fills the IP ID, checksum and length, and routes
 * only from addresses the host owns, which VRRP sources always are. TOS / traffic class is 0xc0
 * (internetwork control), as Keepalived sends it. The VRRP checksum is always ours (packet.ts):
 * IPV6_CHECKSUM stays off, so the kernel neither writes it on send nor checks it on receive.
 *
 * Receiving: IPv4 raw sockets deliver the IP header, which gives TTL, source and destination;
 * IPv6 raw sockets do not, so those come from the sender's sockaddr and the IPV6_PKTINFO /
 * IPV6_HOPLIMIT cmsgs. Readiness comes from koffi's libuv poll on Node's event loop; each wake-up
 * drains the socket with non-blocking recvmsg.
 *
 * auth_type AH (IPv4 only): a socket of IP protocol 51 instead, as Keepalived opens one. Its
 * adverts' ICV covers the IP header, the IP ID included, so that header is ours (IP_HDRINCL; the
 * kernel fills only the length and checksum), built with the AH header by vrrp/ah.ts and sent
 * whole with sendDatagram(). Received datagrams keep their IP header for the ICV check.
 *
 * Each packet carries its age: how long before we read it the kernel received it (SO_TIMESTAMPNS).
 * The backup's Master_Down timer starts at the advert's arrival, not at the moment a busy or
 * just-woken event loop got round to it (measured in bench/failover: 0.3-0.7 ms later).
 */
import { addressBytes, readAddress } from '../base/addr.js';
import {
  AF_INET, AF_INET6, IPPROTO_AH, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_VRRP, IP_HDRINCL, IPV6_ADD_MEMBERSHIP, IPV6_HOPLIMIT, IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_PKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_TCLASS,
  IPV6_UNICAST_HOPS, IP_ADD_MEMBERSHIP, IP_MTU_DISCOVER, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL,
  IP_PKTINFO, IP_PMTUDISC_DONT, IP_TOS, IP_TTL, MsgArena, SCM_TIMESTAMPNS, SOCK_RAW, SOL_SOCKET, SO_BINDTODEVICE, SO_TIMESTAMPNS, close, ifNameToIndex, int32,
  pollReadable, readInt32, realtimeNs, setsockopt, setsockoptInt, sockaddr, socket, timespecNs, writeInt32, type Cmsg, type Received,
} from './libc.js';
import type { VrrpPacket, VrrpSocket, VrrpSocketOptions } from './types.js';

/** IPTOS_PREC_INTERNETCONTROL, Keepalived's TOS for adverts. */
const TOS_INTERNETCONTROL = 0xc0;
/** RFC 5798 5.1.1.3 / 5.1.2.3: sent with 255, anything else is dropped by the receiver. */
const DEFAULT_TTL = 255;
/** The IPsec AH header of Keepalived's VRRP adverts (RFC 2402 with a 96-bit ICV). */
const AH_HEADER_LENGTH = 24;
/** Packets handled per readiness callback before yielding to the event loop (poll fires again). */
const DRAIN_LIMIT = 256;
/**
 * A staged advert's buffer: any IPv4 advert (VRRPv3 with 255 addresses: 1,028 bytes), IPv6 up
 * to 68 addresses; a larger one throws (RangeError) and goes out through send() instead.
 */
const STAGED_CAPACITY = 1100;

export function openVrrpSocket(opts: VrrpSocketOptions): VrrpSocket {
  const v4 = opts.family === 'inet';
  const ah = opts.protocol === 'ah';
  if (ah && !v4) throw new Error('AH authentication is IPv4 only');
  const fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, ah ? IPPROTO_AH : IPPROTO_VRRP);
  let ifindex: number;
  try {
    ifindex = ifNameToIndex(opts.ifname);
    // Only this interface's adverts: a VRRP instance belongs to one link.
    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${opts.ifname}\0`), `SO_BINDTODEVICE ${opts.ifname}`);
    setsockoptInt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, 'SO_TIMESTAMPNS');
    if (v4) configureInet(fd, ifindex, opts.groups);
    else configureInet6(fd, ifindex, opts.groups);
    if (ah) setsockoptInt(fd, IPPROTO_IP, IP_HDRINCL, 1, 'IP_HDRINCL');
  } catch (e) {
    close(fd);
    throw e;
  }
  const mem = new MsgArena();
  let closed = false;

  const readable = () => {
    for (let i = 0; i < DRAIN_LIMIT && !closed; i++) {
      let got: Received | undefined;
      try {
        got = mem.receive(fd);
      } catch (e) {
        opts.onError(e as Error);
        return;
      }
      if (!got) return;
      const p = v4 ? parseInet(got, ifindex, ah) : parseInet6(got, ifindex);
      if (!p) continue;
      const age = ageUs(got);
      try {
        opts.onPacket(age === undefined ? p : { ...p, ageUs: age });
      } catch (e) {
        opts.onError(e as Error);
      }
    }
  };
  const poller = pollReadable(fd, readable, (e) => opts.onError(e));

  // A master sends the same source, TTL and destinations at every advert: their ancillary data
  // and sockaddrs are built once (a handful per socket), not parsed from text each time.
  const cmsgsOf = new Map<string, Cmsg[]>();
  const nameOf = new Map<string, Buffer>();
  /** Native messages for sends the kernel makes later (stage()), one per slot, made on first use. */
  const staged: MsgArena[] = [];
  // Two lookups, not a tuple: an advert's send allocates nothing.
  const cmsgsFor = (src: string, ttl: number): readonly Cmsg[] => {
    // The usual TTL keys by the address alone: a string from the configuration, its hash kept.
    const ck = ttl === DEFAULT_TTL ? src : `${src} ${ttl}`;
    let cmsgs = cmsgsOf.get(ck);
    if (!cmsgs) {
      if (cmsgsOf.size >= CACHED_MAX) cmsgsOf.clear();
      cmsgsOf.set(ck, (cmsgs = v4 ? inetCmsgs(ifindex, src, ttl) : inet6Cmsgs(ifindex, src, ttl)));
    }
    return cmsgs;
  };
  const nameFor = (dst: string): Uint8Array => {
    let name = nameOf.get(dst);
    if (!name) {
      if (nameOf.size >= CACHED_MAX) nameOf.clear();
      // Link-local and ff02:: destinations need the scope; harmless for global ones.
      nameOf.set(dst, (name = sockaddr(addressOf(dst, v4 ? 4 : 16), v4 ? 0 : ifindex)));
    }
    return name;
  };
  /** sendmsg's arguments; `to` -1 rehearses (see MsgArena.send). */
  const sendTo = (to: number, payload: Uint8Array, dst: string, src: string, ttl: number): boolean => mem.send(to, payload, nameFor(dst), cmsgsFor(src, ttl));

  return {
    send(payload, dst, src, ttl = DEFAULT_TTL) {
      if (closed) throw new Error(`VRRP socket on ${opts.ifname} is closed`);
      if (!sendTo(fd, payload, dst, src, ttl)) {
        throw Object.assign(new Error(`VRRP advert to ${dst} dropped: socket buffer full`), { code: 'EAGAIN' });
      }
    },
    sendDatagram(datagram, dst) {
      if (closed) throw new Error(`VRRP socket on ${opts.ifname} is closed`);
      if (!ah) throw new Error('sendDatagram needs an AH socket');
      // The header is ours; IP_PKTINFO still names the interface and the source to route from.
      const src = readAddress(datagram, 12, 'inet');
      if (!mem.send(fd, datagram, sockaddr(addressOf(dst, 4), 0), [inetCmsgs(ifindex, src, DEFAULT_TTL)[0]!])) {
        throw Object.assign(new Error(`VRRP advert to ${dst} dropped: socket buffer full`), { code: 'EAGAIN' });
      }
    },
    stage(payload, dst, src, ttl = DEFAULT_TTL, slot) {
      if (closed) throw new Error(`VRRP socket on ${opts.ifname} is closed`);
      const arena = (staged[slot] ??= new MsgArena(STAGED_CAPACITY));
      return { fd, msg: arena.write(payload, nameFor(dst), cmsgsFor(src, ttl)) };
    },
    prepare(payload, dst, src, ttl = DEFAULT_TTL) {
      if (!closed) sendTo(-1, payload, dst, src, ttl);
    },
    drain: readable,
    close() {
      if (closed) return;
      closed = true;
      // The poll handle must let go of the fd before it is closed (libuv forbids the reverse).
      poller.stop();
      close(fd);
      mem.free();
      for (const a of staged) a.free();
    },
  };
}

function configureInet(fd: number, ifindex: number, groups: readonly string[]): void {
  setsockoptInt(fd, IPPROTO_IP, IP_TOS, TOS_INTERNETCONTROL, 'IP_TOS');
  setsockoptInt(fd, IPPROTO_IP, IP_TTL, DEFAULT_TTL, 'IP_TTL');
  setsockoptInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, DEFAULT_TTL, 'IP_MULTICAST_TTL');
  // Our own adverts must not come back to us (nor to other instances of this host on the link).
  setsockoptInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, 'IP_MULTICAST_LOOP');
  setsockoptInt(fd, IPPROTO_IP, IP_PKTINFO, 1, 'IP_PKTINFO');
  // Keepalived's adverts go without DF; so do ours (they are far below any MTU anyway).
  setsockoptInt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, 'IP_MTU_DISCOVER');
  setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, ipMreqn('0.0.0.0', ifindex), 'IP_MULTICAST_IF');
  for (const g of groups) setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(g, ifindex), `IP_ADD_MEMBERSHIP ${g}`);
}

function configureInet6(fd: number, ifindex: number, groups: readonly string[]): void {
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_TCLASS, TOS_INTERNETCONTROL, 'IPV6_TCLASS');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, DEFAULT_TTL, 'IPV6_UNICAST_HOPS');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, DEFAULT_TTL, 'IPV6_MULTICAST_HOPS');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, 'IPV6_MULTICAST_LOOP');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, 'IPV6_MULTICAST_IF');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, 'IPV6_RECVPKTINFO');
  setsockoptInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, 'IPV6_RECVHOPLIMIT');
  for (const g of groups) {
    const mreq = Buffer.alloc(20);
    mreq.set(addressOf(g, 16), 0);
    writeInt32(mreq, ifindex, 16);
    setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, `IPV6_ADD_MEMBERSHIP ${g}`);
  }
}

/** struct ip_mreqn: group, local address (unused: the ifindex decides), ifindex. */
function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(addressOf(group, 4), 0);
  writeInt32(b, ifindex, 8);
  return b;
}

/** Sources and destinations a socket keeps encoded (unicast peers: one each). */
const CACHED_MAX = 256;

function inetCmsgs(ifindex: number, src: string, ttl: number): Cmsg[] {
  // struct in_pktinfo: ipi_ifindex, ipi_spec_dst (the source on send), ipi_addr (ignored).
  const info = Buffer.alloc(12);
  writeInt32(info, ifindex, 0);
  info.set(addressOf(src, 4), 4);
  return [{ level: IPPROTO_IP, type: IP_PKTINFO, data: info }, { level: IPPROTO_IP, type: IP_TTL, data: ttlCmsgData(ttl) }];
}

function inet6Cmsgs(ifindex: number, src: string, ttl: number): Cmsg[] {
  // struct in6_pktinfo: ipi6_addr (the source), ipi6_ifindex.
  const info = Buffer.alloc(20);
  info.set(addressOf(src, 16), 0);
  writeInt32(info, ifindex, 16);
  return [{ level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: info }, { level: IPPROTO_IPV6, type: IPV6_HOPLIMIT, data: ttlCmsgData(ttl) }];
}

function ttlCmsgData(v: number): Buffer {
  if (!Number.isInteger(v) || v < 1 || v > 255) throw new RangeError(`TTL ${v} outside 1..255`);
  return int32(v);
}

function addressOf(addr: string, len: 4 | 16): Uint8Array {
  const b = addressBytes(addr);
  if (b.length !== len) throw new RangeError(`'${addr}' is not an IPv${len === 4 ? 4 : 6} address`);
  return b;
}

/** Microseconds since the kernel received the datagram; undefined without a timestamp. */
function ageUs(r: Received): number | undefined {
  for (const m of r.cmsgs) {
    if (m.level === SOL_SOCKET && m.type === SCM_TIMESTAMPNS && m.data.length >= 16) return Number((realtimeNs() - timespecNs(m.data)) / 1000n);
  }
  return undefined;
}

/**
 * Strips the IPv4 header (with any options), and on an AH socket the AH header too (keeping the
 * datagram); undefined for a malformed datagram.
 */
function parseInet(r: Received, boundIndex: number, ah = false): VrrpPacket | undefined {
  const d = r.data;
  if (r.truncated || d.length < 20 || d[0]! >> 4 !== 4) return undefined;
  const ihl = (d[0]! & 0x0f) * 4;
  const total = (d[2]! << 8) | d[3]!;
  if (ihl < 20 || total < ihl || d.length < ihl) return undefined;
  // Keepalived: "IPv4 VRRP packet with AH too short".
  if (ah && (d[9] !== IPPROTO_AH || Math.min(total, d.length) < ihl + AH_HEADER_LENGTH)) return undefined;
  const start = ah ? ihl + AH_HEADER_LENGTH : ihl;
  let ifindex = boundIndex;
  for (const m of r.cmsgs) {
    if (m.level === IPPROTO_IP && m.type === IP_PKTINFO && m.data.length >= 4) ifindex = readInt32(m.data, 0);
  }
  return {
    bytes: d.slice(start, Math.min(total, d.length)),
    ...(ah ? { ahDatagram: d.slice(0, Math.min(total, d.length)) } : {}),
    src: readAddress(d, 12, 'inet'),
    dst: readAddress(d, 16, 'inet'),
    ttl: d[8]!,
    ifindex,
  };
}

function parseInet6(r: Received, boundIndex: number): VrrpPacket | undefined {
  if (r.truncated || r.name.length < 24) return undefined;
  let dst: string | undefined;
  let ttl: number | undefined;
  let ifindex = boundIndex;
  for (const m of r.cmsgs) {
    if (m.level !== IPPROTO_IPV6) continue;
    if (m.type === IPV6_PKTINFO && m.data.length >= 20) {
      dst = readAddress(m.data, 0, 'inet6');
      ifindex = readInt32(m.data, 16);
    } else if (m.type === IPV6_HOPLIMIT && m.data.length >= 4) {
      ttl = readInt32(m.data, 0);
    }
  }
  // Without both cmsgs (asked for at open) the TTL and destination checks cannot be made.
  if (dst === undefined || ttl === undefined) return undefined;
  return { bytes: r.data.slice(), src: readAddress(r.name, 8, 'inet6'), dst, ttl, ifindex };
}

