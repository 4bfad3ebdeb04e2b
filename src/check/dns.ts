/**
 * DNS_CHECK (Keepalived check_dns.c): one query of `type` for `name` over UDP with a random id and
 * RD set; the server is up when an answer with that id (QR set) comes back with rcode 0 within
 * connect_timeout. Answers with another id, or queries, are ignored, as Keepalived ignores them.
 */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { KeepalivedConfig } from '../config/model.js';
import { serviceName } from './tcp.js';
import type { Probe, ProbeResult } from './types.js';

type DnsCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'DNS_CHECK' }>;

export const DNS_TYPE_CODES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };

/** The query message (RFC 1035 4.1): header with RD, one question of class IN. */
export function dnsQuery(id: number, name: string, type: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(DNS_TYPE_CODES[type] ?? 6, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([head, qname, tail]);
}

/** What an incoming datagram means for the query `id`: ignore it, or the verdict. */
export function dnsAnswer(msg: Buffer, id: number): ProbeResult | 'ignore' {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return 'ignore';
  const flags = msg.readUInt16BE(2);
  if (!(flags & 0x8000)) return 'ignore';
  const rcode = flags & 0xf;
  return rcode === 0 ? { ok: true, reason: 'DNS answer received' } : { ok: false, reason: `read error occurred. (rcode = ${rcode})` };
}

export function dnsProbe(c: DnsCheckModel, random: () => number = Math.random): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  return {
    run(signal) {
      return new Promise<ProbeResult>((resolve) => {
        const id = Math.floor(random() * 0x10000) & 0xffff;
        const sock = dgram.createSocket(isIPv6(c.connect_ip) ? 'udp6' : 'udp4');
        const finish = (r: ProbeResult) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          sock.close();
          resolve(r.ok ? r : { ...r, reason: `DNS_CHECK (${serviceName(c)}) ${r.reason}` });
        };
        const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
        const onAbort = () => finish({ ok: false, reason: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
        sock.on('error', (e) => finish({ ok: false, reason: `failed to read socket (${e.message})` }));
        sock.on('message', (msg) => {
          const a = dnsAnswer(msg, id);
          if (a !== 'ignore') finish(a);
        });
        const send = () => sock.send(dnsQuery(id, c.name, c.type), c.connect_port, c.connect_ip, (e) => e && finish({ ok: false, reason: `failed to send (${e.message})` }));
        if (c.bindto !== undefined || c.bind_port !== undefined) sock.bind({ ...(c.bindto ? { address: c.bindto } : {}), ...(c.bind_port ? { port: c.bind_port } : {}) }, send);
        else send();
      });
    },
  };
}
