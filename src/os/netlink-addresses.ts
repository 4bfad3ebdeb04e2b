/**
 * Virtual addresses through rtnetlink (RTM_NEWADDR / RTM_DELADDR), as Keepalived adds them: the
 * hot path of a failover. Spawning `ip` costs about 2 ms per change; a netlink request is
 * answered by the kernel within the send. Routes and rules stay with iproute2 (net-config.ts).
 */
import koffi from 'koffi';
import { endianness } from 'node:os';
import { addressBytes } from '../base/addr.js';
import type { IpAddress } from '../config/model.js';
import type { DeepReadonly } from '../config/schema.js';
import { bind, close, ifNameToIndex, readInt32, sendto, socket, SyscallError, waitReadable, writeInt32, writeUInt16, SOCK_RAW, EAGAIN } from './libc.js';

const AF_NETLINK = 16;
const NETLINK_ROUTE = 0;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
const IFA_F_NODAD = 0x02;
const IFA_F_HOMEADDRESS = 0x10;
const IFA_F_MANAGETEMPADDR = 0x100;
const IFA_F_NOPREFIXROUTE = 0x200;
const IFA_F_MCAUTOJOIN = 0x400;
const ERRNO_EEXIST = 17;
const ERRNO_EADDRNOTAVAIL = 99;
const ERRNO_ESRCH = 3;
/** How long a request may wait for its acknowledgement (it never has to; see applyNow). */
const ACK_TIMEOUT_MS = 1000;

type Addr = DeepReadonly<IpAddress>;

function attr(type: number, payload: Uint8Array): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  writeUInt16(b, len, 0);
  writeUInt16(b, type, 2);
  b.set(payload, 4);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  writeInt32(b, v | 0, 0);
  return b;
}

/** The request for `ip addr add|del`, byte for byte what iproute2 would send for this address. */
export function addressMessage(op: 'add' | 'del', a: Addr, ifindex: number, seq: number): Buffer {
  const family = a.family === 'inet' ? 2 : 10;
  const local = addressBytes(a.address);
  let flags = 0;
  // `nodad: true` records a `-nodad` keyword, i.e. "do DAD"; by default Keepalived skips DAD on VIPs.
  if (a.family === 'inet6' && !a.nodad) flags |= IFA_F_NODAD;
  if (a.home) flags |= IFA_F_HOMEADDRESS;
  if (a.mngtmpaddr) flags |= IFA_F_MANAGETEMPADDR;
  if (a.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
  if (a.autojoin) flags |= IFA_F_MCAUTOJOIN;
  const attrs = [attr(IFA_LOCAL, local), attr(IFA_ADDRESS, a.peer !== undefined ? addressBytes(a.peer) : local)];
  if (a.family === 'inet' && a.broadcast !== undefined) attrs.push(attr(IFA_BROADCAST, addressBytes(a.broadcast)));
  if (a.family === 'inet' && a.label !== undefined) attrs.push(attr(IFA_LABEL, Buffer.from(a.label + '\0')));
  if (flags > 0xff) attrs.push(attr(IFA_FLAGS, u32(flags)));
  if (op === 'add' && a.family === 'inet6' && a.preferred_lft !== 'forever') {
    // struct ifa_cacheinfo { preferred, valid, cstamp, tstamp }: RFC 3484 deprecation of the VIP.
    attrs.push(attr(IFA_CACHEINFO, Buffer.concat([u32(a.preferred_lft), u32(0xffffffff), u32(0), u32(0)])));
  }
  const body = Buffer.alloc(8);
  body[0] = family;
  body[1] = a.prefixlen;
  body[2] = flags & 0xff;
  body[3] = a.scope;
  writeInt32(body, ifindex, 4);
  const payload = Buffer.concat([body, ...attrs]);
  const hdr = Buffer.alloc(16);
  writeInt32(hdr, 16 + payload.length, 0);
  writeUInt16(hdr, op === 'add' ? RTM_NEWADDR : RTM_DELADDR, 4);
  writeUInt16(hdr, NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0), 6);
  writeInt32(hdr, seq, 8);
  return Buffer.concat([hdr, payload]);
}

const LITTLE_ENDIAN = endianness() === 'LE';
const recv = koffi.load('libc.so.6').func('intptr_t recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)');

export class NetlinkAddresses {
  private fd: number | undefined;
  private seq = 1;
  private readonly buf = new Uint8Array(8192);
  private readonly kernel = (() => {
    const b = Buffer.alloc(12);
    writeUInt16(b, AF_NETLINK, 0);
    return b;
  })();

  private socket(): number {
    if (this.fd === undefined) {
      this.fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      bind(this.fd, this.kernel);
    }
    return this.fd;
  }

  /** Adds or removes addresses; "already there" on add and "already gone" on delete are fine. */
  async apply(op: 'add' | 'del', addrs: readonly Addr[], defaultDev: string): Promise<void> {
    this.applyNow(op, addrs, defaultDev);
  }

  /**
   * apply() without a promise. The kernel handles an rtnetlink address request inside the
   * sendto() and queues its acknowledgement before returning, so the wait below is a safeguard
   * that does not happen in practice (measured: the ack is always there).
   */
  applyNow(op: 'add' | 'del', addrs: readonly Addr[], defaultDev: string): void {
    const failures: string[] = [];
    for (const a of addrs) {
      const dev = a.dev ?? defaultDev;
      const errno = this.request(addressMessage(op, a, ifNameToIndex(dev), this.seq++));
      const benign = op === 'add' ? errno === ERRNO_EEXIST : errno === ERRNO_EADDRNOTAVAIL || errno === ERRNO_ESRCH;
      if (errno !== 0 && !benign) failures.push(`${op} ${a.address}/${a.prefixlen} dev ${dev}: ${new SyscallError('netlink', errno).message.replace(/^netlink: /, '')}`);
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  /** Sends one request and returns the errno of the kernel's acknowledgement (0 on success). */
  private request(msg: Buffer): number {
    const fd = this.socket();
    sendto(fd, msg, this.kernel);
    const seq = readInt32(msg, 8);
    for (;;) {
      const n = recv(fd, this.buf, this.buf.length, 0) as number;
      if (n < 0) {
        if (koffi.errno() !== EAGAIN) throw new SyscallError('recv', koffi.errno(), 'netlink');
        if (!waitReadable(fd, ACK_TIMEOUT_MS)) throw new Error(`netlink: no answer from the kernel within ${ACK_TIMEOUT_MS} ms`);
        continue;
      }
      for (let off = 0; off + 16 <= n; ) {
        const len = readInt32(this.buf, off);
        const type = new DataView(this.buf.buffer, off + 4, 2).getUint16(0, LITTLE_ENDIAN);
        if (type === NLMSG_ERROR && readInt32(this.buf, off + 8) === seq) return -readInt32(this.buf, off + 16);
        off += (len + 3) & ~3;
        if (len <= 0) break;
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) close(this.fd);
    this.fd = undefined;
  }
}
