/**
 * PING_CHECK (Keepalived check_ping.c): one ICMP or ICMPv6 echo request to connect_ip; the real
 * server is up when the matching echo reply (same identifier and sequence, from that address)
 * arrives within connect_timeout. The echo codec is pure; the socket is injected.
 */
import { isIPv6 } from 'node:net';
import type { KeepalivedConfig } from '../config/model.js';
import { addressBytes } from '../vrrp/addr.js';
import { internetChecksum } from '../vrrp/checksum.js';
import type { Probe, ProbeResult } from './types.js';

type PingCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'PING_CHECK' }>;

/** RFC 792 / RFC 4443 echo types. */
const ECHO_REQUEST = { inet: 8, inet6: 128 } as const;
const ECHO_REPLY = { inet: 0, inet6: 129 } as const;

/** An echo request; ICMPv6's checksum needs the pseudo-header, which the kernel fills for raw ICMPv6 sockets. */
export function echoRequest(family: 'inet' | 'inet6', id: number, seq: number, payload: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + payload.length);
  m[0] = ECHO_REQUEST[family];
  m[4] = id >> 8;
  m[5] = id & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(payload, 8);
  if (family === 'inet') {
    const c = internetChecksum(m);
    m[2] = c >> 8;
    m[3] = c & 0xff;
  }
  return m;
}

export function isEchoReply(family: 'inet' | 'inet6', m: Uint8Array, id: number, seq: number): boolean {
  return m.length >= 8 && m[0] === ECHO_REPLY[family] && ((m[4]! << 8) | m[5]!) === id && ((m[6]! << 8) | m[7]!) === seq;
}

export interface PingSocketFactory {
  open(family: 'inet' | 'inet6', onReply: (r: { message: Uint8Array; from: Uint8Array }) => void, onError: (e: Error) => void): { send(to: string, m: Uint8Array): void; close(): void };
}

let sequence = 0;

export function pingProbe(c: PingCheckModel, sockets: PingSocketFactory, random: () => number = Math.random): Probe {
  const family = isIPv6(c.connect_ip) ? 'inet6' : 'inet';
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const target = addressBytes(c.connect_ip);
  return {
    run(signal) {
      return new Promise<ProbeResult>((resolve) => {
        const id = Math.floor(random() * 0x10000) & 0xffff;
        const seq = (sequence = (sequence + 1) & 0xffff);
        let sock: ReturnType<PingSocketFactory['open']> | undefined;
        let done = false;
        const finish = (r: ProbeResult) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          sock?.close();
          resolve({ ...r, reason: `PING_CHECK to ${c.connect_ip} ${r.reason}` });
        };
        const timer = setTimeout(() => finish({ ok: false, reason: 'timed out' }), timeoutMs);
        const onAbort = () => finish({ ok: false, reason: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          sock = sockets.open(family, (r) => {
            if (r.from.length === target.length && r.from.every((b, i) => b === target[i]) && isEchoReply(family, r.message, id, seq)) finish({ ok: true, reason: 'succeeded' });
          }, (e) => finish({ ok: false, reason: `failed (${e.message})` }));
          sock.send(c.connect_ip, echoRequest(family, id, seq, new TextEncoder().encode('keepalived-ts')));
        } catch (e) {
          finish({ ok: false, reason: `failed (${(e as Error).message})` });
        }
      });
    },
  };
}
