/**
 * DNS_CHECK (Keepalived check_dns.c): one query of `type` (default SOA) for `name` (default the
 * root, '.') with a random id and RD set (RFC 1035 4.1), sent on a UDP socket connected to
 * connect_ip:connect_port with the checker's bindto / bind_if / fwmark. Up when, within
 * connect_timeout for the whole exchange, a message of at least a header arrives with that id, QR
 * set and rcode 0 (NOERROR) - the answer count is not looked at, as in Keepalived. Shorter
 * messages, other ids and queries are ignored; any other rcode is down at once, and so is an ICMP
 * port unreachable (the connected socket's ECONNREFUSED).
 */
import type { DnsCheck } from '../config/sections/checkers/dns.js';
import { openUdpSocket, type UdpSocket, type UdpTarget } from '../os/icmp-socket.js';
import { runAttempt } from './attempt.js';
import { udpTarget } from './udp.js';
import type { Probe, ProbeResult } from './types.js';

/** The types Keepalived's DNS_TYPE table knows (RFC 1035, 3596, 4034). */
export const DNS_TYPE_CODES: Readonly<Record<DnsCheck['type'], number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };

const HEADER = 12;
const QR = 0x8000;
const RD = 0x0100;

/**
 * The query message: header (id, RD, one question), QNAME as labels ending in the root label, QTYPE,
 * QCLASS IN. '.' is the root alone; a trailing dot is the same name without it.
 */
export function dnsQuery(id: number, name: string, type: DnsCheck['type']): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length > 63) throw new RangeError(`DNS label '${l}' is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  const head = Buffer.alloc(HEADER);
  head.writeUInt16BE(id & 0xffff, 0);
  head.writeUInt16BE(RD, 2);
  head.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(DNS_TYPE_CODES[type], 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([head, ...parts, tail]);
}

/** What a datagram means for the query `id` (dns_recv_thread()): ignore it, or the verdict. */
export function dnsAnswer(msg: Uint8Array, id: number): ProbeResult | 'ignore' {
  if (msg.length < HEADER) return 'ignore';
  if (((msg[0]! << 8) | msg[1]!) !== (id & 0xffff)) return 'ignore';
  const flags = (msg[2]! << 8) | msg[3]!;
  if (!(flags & QR)) return 'ignore';
  const rcode = flags & 0xf;
  return rcode === 0 ? { ok: true, reason: 'succeeded' } : { ok: false, reason: `read error occurred. (rcode = ${rcode})` };
}

/** Opens the connected socket; src/os/icmp-socket.ts in the daemon. */
export type DnsSocketFactory = (t: UdpTarget, onMessage: (d: { data: Uint8Array }) => void, onError: (e: Error) => void) => UdpSocket;

export function dnsProbe(c: DnsCheck, random: () => number = Math.random, open: DnsSocketFactory = openUdpSocket): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const where = `[${c.connect_ip}]:${c.connect_port}`;
  const target = udpTarget(c);
  return {
    run(signal) {
      const id = Math.floor(random() * 0x10000) & 0xffff;
      let sock: UdpSocket | undefined;
      const attempt = runAttempt(signal, timeoutMs, () => ({ ok: false, reason: 'read timeout from socket' }), () => sock?.close(), (a) => {
        try {
          sock = open(
            target,
            (d) => {
              const r = dnsAnswer(d.data, id);
              if (r !== 'ignore') a.finish(r);
            },
            (e) => a.finish({ ok: false, reason: `failed to read socket (${e.message})` }),
          );
        } catch (e) {
          return a.finish({ ok: false, reason: `connection error (${(e as Error).message})` });
        }
        try {
          sock.send(dnsQuery(id, c.name, c.type));
        } catch (e) {
          a.finish({ ok: false, reason: `failed to write socket (${(e as Error).message})` });
        }
      });
      return attempt.then((r) => ({ ...r, reason: `DNS_CHECK (${where}) ${r.reason}` }));
    },
  };
}
