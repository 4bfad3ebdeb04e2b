/**
 * Announcing addresses a new master took over, so switches and neighbours move them to its MAC:
 * gratuitous ARP for IPv4 (RFC 5227 2.3 announcement, sent as Keepalived does: an ARP request
 * from the interface's MAC to broadcast with sender IP = target IP = the address) and unsolicited
 * neighbour advertisements for IPv6 (RFC 4861 7.2.6: to ff02::1, hop limit 255, Override set,
 * with the target link-layer address option; Router set when the interface forwards, as
 * Keepalived does).
 *
 * ARP goes out on an AF_PACKET socket with a frame we build; protocol 0 so the socket never
 * receives. NAs go out on one raw ICMPv6 socket for all interfaces, the interface chosen by
 * IPV6_PKTINFO; the kernel computes the ICMPv6 checksum. Like Keepalived, the NA's source is the
 * announced address itself; if the kernel will not send from it (not yet on the interface, or
 * still tentative) the NA goes from the kernel's choice, the link-local address, which RFC 4861
 * 7.2.6 allows as well. An ICMP6_FILTER blocking every type keeps that socket's queue empty.
 */
import * as fs from 'node:fs';
import { addressBytes, familyOf } from '../base/addr.js';
import {
  AF_INET6, AF_PACKET, ETH_P_ARP, IPPROTO_ICMPV6, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_PKTINFO,
  IPV6_UNICAST_HOPS, MsgArena, SOCK_RAW, SyscallError, close, sendto, setsockopt, setsockoptInt, sockaddr, socket,
  writeInt32, writeUInt16,
} from './libc.js';
import type { Announcer } from './types.js';

const ICMP6_FILTER = 1;
const ND_NEIGHBOR_ADVERT = 136;
const ND_NA_FLAG_ROUTER = 0x80;
const ND_NA_FLAG_OVERRIDE = 0x20;
const ND_OPT_TARGET_LINKADDR = 2;
const ALL_NODES = addressBytes('ff02::1');
const BROADCAST = Buffer.alloc(6, 0xff);
/** Ethernet header (14) + ARP for IPv4 over Ethernet (28), unpadded as Keepalived sends it. */
const GARP_LENGTH = 42;

interface Link {
  readonly ifindex: number;
  readonly mac: Buffer;
  /** IFF_NOARP (loopback, some tunnels): Keepalived sends nothing there, nor do we. */
  readonly noArp: boolean;
}

const IFF_NOARP = 0x80;

/** The interface as sysfs shows it in this network namespace. */
function linkOf(ifname: string): Link {
  if (ifname.includes('/') || ifname === '.' || ifname === '..') throw new Error(`bad interface name '${ifname}'`);
  const dir = `/sys/class/net/${ifname}`;
  let ifindex: number;
  let macText: string;
  let flags: number;
  try {
    ifindex = Number(fs.readFileSync(`${dir}/ifindex`, 'utf8').trim());
    macText = fs.readFileSync(`${dir}/address`, 'utf8').trim();
    flags = Number(fs.readFileSync(`${dir}/flags`, 'utf8').trim());
  } catch {
    throw new Error(`cannot announce on ${ifname}: no such interface`);
  }
  if ((flags & IFF_NOARP) !== 0) return { ifindex, mac: Buffer.alloc(0), noArp: true };
  const mac = Buffer.from(macText.split(':').map((h) => parseInt(h, 16)));
  if (mac.length !== 6 || mac.some((b) => Number.isNaN(b))) throw new Error(`cannot announce on ${ifname}: not Ethernet (address ${macText})`);
  return { ifindex, mac, noArp: false };
}

function forwards(ifname: string): boolean {
  try {
    return fs.readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** Ethernet header + ARP request announcing `ip` (4 bytes) as being at `mac`. */
export function garpFrame(mac: Uint8Array, ip: Uint8Array): Buffer {
  const f = Buffer.alloc(GARP_LENGTH);
  BROADCAST.copy(f, 0);
  f.set(mac, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(1, 14); // ARPHRD_ETHER
  f.writeUInt16BE(0x0800, 16); // ETH_P_IP
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // ARPOP_REQUEST
  f.set(mac, 22);
  f.set(ip, 28);
  // Keepalived fills the target hardware address with broadcast, not RFC 5227's zeros.
  BROADCAST.copy(f, 32);
  f.set(ip, 38);
  return f;
}

/** The ICMPv6 part of an unsolicited NA (checksum left to the kernel). */
export function naMessage(target: Uint8Array, mac: Uint8Array, router: boolean): Buffer {
  const m = Buffer.alloc(32);
  m[0] = ND_NEIGHBOR_ADVERT;
  m[4] = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
  m.set(target, 8);
  m[24] = ND_OPT_TARGET_LINKADDR;
  m[25] = 1; // length in units of 8 bytes
  m.set(mac, 26);
  return m;
}

/** struct sockaddr_ll for sending to broadcast on `ifindex`. */
function linkAddress(ifindex: number): Buffer {
  const a = Buffer.alloc(20);
  writeUInt16(a, AF_PACKET, 0);
  a.writeUInt16BE(ETH_P_ARP, 2);
  writeInt32(a, ifindex, 4);
  a[11] = 6;
  BROADCAST.copy(a, 12);
  return a;
}

/** Keepalived re-reads an interface's IPv6 forwarding flag when its reading is older than 5 s. */
const ROUTER_FLAG_TTL_MS = 5000;

export function linuxAnnouncer(): Announcer {
  /**
   * Interfaces as last read from sysfs: a failover's announcements must not wait for file reads
   * (two per interface and batch cost about 0.1 ms each time). prepare() re-reads, and so does a
   * failed send: an interface that was replaced has a new index.
   */
  const links = new Map<string, Link>();
  const routerFlags = new Map<string, { router: boolean; at: number }>();
  const cachedLink = (ifname: string): Link => {
    let l = links.get(ifname);
    if (!l) links.set(ifname, (l = linkOf(ifname)));
    return l;
  };
  const router = (ifname: string): boolean => {
    const now = Date.now();
    let r = routerFlags.get(ifname);
    if (!r || now - r.at > ROUTER_FLAG_TTL_MS) routerFlags.set(ifname, (r = { router: forwards(ifname), at: now }));
    return r.router;
  };
  let arpFd: number | undefined;
  let ndFd: number | undefined;
  let arena: MsgArena | undefined;

  const arpSocket = () => (arpFd ??= socket(AF_PACKET, SOCK_RAW, 0));
  const ndSocket = () => {
    if (ndFd !== undefined) return ndFd;
    const fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    try {
      setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, Buffer.alloc(32, 0xff), 'ICMP6_FILTER');
      setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, 'IPV6_MULTICAST_HOPS');
      setsockoptInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, 'IPV6_UNICAST_HOPS');
      setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, 'IPV6_MULTICAST_LOOP');
      // Keepalived's NAs carry flow label 0; kernels before 4.10 have no such option and send 0 anyway.
      try {
        setsockoptInt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, 0, 'IPV6_AUTOFLOWLABEL');
      } catch {
        // best effort
      }
    } catch (e) {
      close(fd);
      throw e;
    }
    arena = new MsgArena(64);
    return (ndFd = fd);
  };

  /** false when the socket buffer is full. */
  const sendNa = (ifindex: number, target: Uint8Array, na: Buffer): boolean => {
    const fd = ndSocket();
    const to = sockaddr(ALL_NODES, ifindex);
    const info = Buffer.alloc(20);
    info.set(target, 0);
    writeInt32(info, ifindex, 16);
    try {
      return arena!.send(fd, na, to, [{ level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: info }]);
    } catch (e) {
      if (!(e instanceof SyscallError) || (e.code !== 'EINVAL' && e.code !== 'EADDRNOTAVAIL')) throw e;
      info.fill(0, 0, 16);
      return arena!.send(fd, na, to, [{ level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: info }]);
    }
  };

  return {
    announce(ifname, addresses) {
      if (addresses.length === 0) return;
      const link = cachedLink(ifname);
      if (link.noArp) return;
      const failures: string[] = [];
      for (const text of addresses) {
        const addr = text.replace(/\/\d+$/, '');
        try {
          const family = familyOf(addr);
          if (family === 'inet') {
            if (sendto(arpSocket(), garpFrame(link.mac, addressBytes(addr)), linkAddress(link.ifindex)) < 0) failures.push(`${addr}: socket buffer full`);
          } else if (family === 'inet6') {
            const target = addressBytes(addr);
            if (!sendNa(link.ifindex, target, naMessage(target, link.mac, router(ifname)))) failures.push(`${addr}: socket buffer full`);
          } else {
            failures.push(`'${addr}' is not an address`);
          }
        } catch (e) {
          failures.push(`${addr}: ${(e as Error).message}`);
        }
      }
      // Each address is tried; one failing (say, a removed interface) does not silence the rest.
      if (failures.length > 0) links.delete(ifname);
      if (failures.length > 0) throw new Error(`announcing on ${ifname}: ${failures.join('; ')}`);
    },
    rehearse(ifname, addresses) {
      // The frames as announce() builds them, handed to sendto() on fd -1 (EBADF): nothing leaves.
      const link = links.get(ifname);
      if (!link || link.noArp) return;
      for (const text of addresses) {
        const addr = text.replace(/\/\d+$/, '');
        if (familyOf(addr) === 'inet') sendto(-1, garpFrame(link.mac, addressBytes(addr)), linkAddress(link.ifindex));
      }
    },
    prepare(ifname, family) {
      const link = linkOf(ifname);
      links.set(ifname, link);
      routerFlags.delete(ifname);
      if (link.noArp) return;
      if (family === 'inet') {
        arpSocket();
        garpFrame(link.mac, addressBytes('0.0.0.0'));
      } else {
        ndSocket();
        naMessage(addressBytes('::'), link.mac, router(ifname));
      }
    },
    close() {
      if (arpFd !== undefined) close(arpFd);
      if (ndFd !== undefined) close(ndFd);
      arena?.free();
      arpFd = ndFd = arena = undefined;
    },
  };
}
