/**
 * PING_CHECK (Keepalived check_ping.c): one ICMP (RFC 792) or ICMPv6 (RFC 4443) echo request to
 * connect_ip, from bindto / bind_if when set; the real server is up when the matching echo reply
 * (same identifier and sequence, from that address) arrives within connect_timeout. Like
 * Keepalived, the request carries 128 bytes of "keepalived check - " and the sequence number grows
 * with every attempt. Replies that do not match are ignored (Keepalived's datagram ICMP socket never
 * sees other sockets' replies; a raw socket does). The codec is pure; the socket is injected.
 */
import { isIPv6 } from 'node:net';
import type { PingCheck } from '../config/sections/checkers/ping.js';
import { addressBytes } from '../base/addr.js';
import { internetChecksum } from '../base/checksum.js';
import { runAttempt } from './attempt.js';
import type { Probe, ProbeResult } from './types.js';

/** RFC 792 / RFC 4443 echo types. */
const ECHO_REQUEST = { inet: 8, inet6: 128 } as const;
const ECHO_REPLY = { inet: 0, inet6: 129 } as const;

/** ICMP_BUFSIZE (check_ping.c). */
export const PING_PAYLOAD_SIZE = 128;

/** layer4.c set_buf(): `size` bytes of "keepalived check - " repeated. */
export function checkFiller(size: number): Uint8Array {
  const pattern = new TextEncoder().encode('keepalived check - ');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

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
  /** src/os/icmp-socket.ts openIcmpSocket in the daemon; may throw when no socket can be had. */
  open(
    family: 'inet' | 'inet6',
    onReply: (r: { message: Uint8Array; from: Uint8Array }) => void,
    onError: (e: Error) => void,
    source?: { bindto?: string; bindIf?: string },
  ): { send(to: string, m: Uint8Array): void; close(): void };
}

export function pingProbe(c: PingCheck, sockets: PingSocketFactory, random: () => number = Math.random): Probe {
  const family = isIPv6(c.connect_ip) ? 'inet6' : 'inet';
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const target = addressBytes(c.connect_ip);
  const payload = checkFiller(PING_PAYLOAD_SIZE);
  // One identifier per checker, as Keepalived keeps one socket (hence one id) per checker.
  const id = Math.floor(random() * 0x10000) & 0xffff;
  let seq = 0;
  const source = { ...(c.bindto !== undefined ? { bindto: c.bindto } : {}), ...(c.bind_if !== undefined ? { bindIf: c.bind_if } : {}) };
  return {
    run(signal) {
      seq = (seq + 1) & 0xffff;
      const mySeq = seq;
      let sock: ReturnType<PingSocketFactory['open']> | undefined;
      const attempt = runAttempt(signal, timeoutMs, () => ({ ok: false, reason: 'timed out' }), () => sock?.close(), (a) => {
        try {
          sock = sockets.open(
            family,
            (r) => {
              if (r.from.length === target.length && r.from.every((b, i) => b === target[i]) && isEchoReply(family, r.message, id, mySeq)) a.finish({ ok: true, reason: 'succeeded' });
            },
            (e) => a.finish({ ok: false, reason: `failed (${e.message})` }),
            source,
          );
          sock.send(c.connect_ip, echoRequest(family, id, mySeq, payload));
        } catch (e) {
          a.finish({ ok: false, reason: `failed (${(e as Error).message})` });
        }
      });
      return attempt.then((r) => ({ ...r, reason: `ICMP CHECK to ${c.connect_ip} ${r.reason}` }));
    },
  };
}
