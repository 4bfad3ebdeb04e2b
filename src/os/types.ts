/**
 * The operating system as the daemon sees it: small interfaces, each with a Linux implementation
 * in this folder and a fake for tests (os/fake.ts). Nothing outside os/ touches sockets, netlink,
 * `ip`, ARP or processes directly.
 */
import type { IpAddress, Route, Rule } from '../config/model.js';
import type { DeepReadonly } from '../config/schema.js';

export type Family = 'inet' | 'inet6';

/** One VRRP message as received, with what the IP header said. */
export interface VrrpPacket {
  /** The VRRP message (no IP header). */
  readonly bytes: Uint8Array;
  readonly src: string;
  readonly dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  readonly ifindex: number;
  /** How long ago the kernel received it, µs (a socket timestamp against the wall clock now). */
  readonly ageUs?: number;
  /** An AH socket's packet: the whole IPv4 datagram (header, AH, VRRP); `bytes` is the VRRP part. */
  readonly ahDatagram?: Uint8Array;
}

/** A raw IPPROTO_VRRP (112) socket on one interface and family, shared by its instances. */
export interface VrrpSocket {
  /** Sends a VRRP message with TTL / hop limit `ttl` (255 unless unicast_ttl says otherwise). */
  send(payload: Uint8Array, dst: string, src: string, ttl?: number): void;
  /** An AH socket: sends a whole IPv4 datagram built by us (vrrp/ah.ts), header included. */
  sendDatagram?(datagram: Uint8Array, dst: string): void;
  /**
   * Runs send()'s code without sending anything: a backup's first advert comes at a failover,
   * and V8 compiling the send path then cost about 0.3 ms of the takeover (measured).
   */
  prepare?(payload: Uint8Array, dst: string, src: string, ttl?: number): void;
  /**
   * Writes send()'s message into the socket's `slot`-th native buffer for a sendmsg the kernel
   * makes later (os/uring.ts): the fd and the msghdr's address, valid until that slot is written
   * again or the socket closes.
   */
  stage?(payload: Uint8Array, dst: string, src: string, ttl: number | undefined, slot: number): { readonly fd: number; readonly msg: bigint };
  /** Reads what is queued now, without waiting for the event loop (onPacket for each). */
  drain?(): void;
  close(): void;
}

export interface VrrpSocketOptions {
  readonly family: Family;
  readonly ifname: string;
  /** Multicast groups to join on the interface (224.0.0.18 / ff02::12 unless configured). */
  readonly groups: readonly string[];
  /**
   * 'ah': IP protocol 51 (auth_type AH, IPv4 only), as Keepalived opens a separate socket for it:
   * adverts arrive inside an AH header and go out as datagrams whose IP header is ours.
   */
  readonly protocol?: 'vrrp' | 'ah';
  readonly onPacket: (p: VrrpPacket) => void;
  readonly onError: (e: Error) => void;
}

export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  /** Administratively up and with carrier (IFF_UP and IFF_RUNNING / LOWER_UP). */
  readonly up: boolean;
  readonly mac: string;
  /** Addresses with their prefix length, primary first. */
  readonly ipv4: readonly string[];
  /** Link-local first. */
  readonly ipv6: readonly string[];
}

export interface Links {
  list(): Promise<LinkInfo[]>;
  /** Calls back with the new state of a link whenever its flags or addresses change. */
  watch(onChange: (link: LinkInfo) => void): { close(): void };
}

type Addr = DeepReadonly<IpAddress>;

/** Adds and removes addresses, routes and rules; batched, one call per state change. */
export interface NetConfig {
  addAddresses(addrs: readonly Addr[], defaultDev: string): Promise<void>;
  /**
   * The same, done before returning (rtnetlink answers within the send): a new master adds its
   * VIPs and sends its gratuitous ARPs in one go, as Keepalived does, instead of waiting a turn
   * of the event loop behind its log line and notifications. Throws what addAddresses rejects.
   */
  addAddressesNow?(addrs: readonly Addr[], defaultDev: string): void;
  removeAddresses(addrs: readonly Addr[], defaultDev: string): Promise<void>;
  addRoutes(routes: readonly DeepReadonly<Route>[], defaultDev: string): Promise<void>;
  removeRoutes(routes: readonly DeepReadonly<Route>[], defaultDev: string): Promise<void>;
  addRules(rules: readonly DeepReadonly<Rule>[]): Promise<void>;
  removeRules(rules: readonly DeepReadonly<Rule>[]): Promise<void>;
  /** Addresses present on an interface now, as `addr/len`. */
  addressesOf(ifname: string): Promise<string[]>;
}

/** Gratuitous ARP (IPv4) and unsolicited neighbour advertisements (IPv6) announcing addresses. */
export interface Announcer {
  announce(ifname: string, addresses: readonly string[]): void;
  /**
   * Opens sockets and runs the code paths announce() needs, without sending: the first
   * announcement after a failover must not pay for them (about 1 ms measured).
   */
  prepare?(ifname: string, family: Family): void;
  /** Runs announce()'s code for `addresses` without sending (the driver's warm-up before a takeover). */
  rehearse?(ifname: string, addresses: readonly string[]): void;
  close(): void;
}

/**
 * RFC 5798 7.3 virtual MAC interfaces (Keepalived's use_vmac): a macvlan in private mode on the
 * instance's interface, carrying the virtual MAC, so that a failover moves the MAC with the VIP.
 */
export interface VmacSpec {
  readonly name: string;
  /** The instance's interface, the macvlan's lower device. */
  readonly base: string;
  readonly mac: string;
  readonly family: Family;
}

export interface Vmacs {
  /** Creates the macvlan (replacing a leftover of ours from a crashed run; refusing, with an error, any other interface of that name) and brings it up. */
  create(spec: VmacSpec): Promise<void>;
  /** Deletes it; the addresses on it go with it. */
  remove(name: string): Promise<void>;
}
