/**
 * UDP_CHECK (Keepalived check_udp.c, layer4.c udp_bind_connect() / udp_socket_state()): one
 * datagram - the configured payload, else 32 bytes of "keepalived check - " - on a UDP socket
 * connected to connect_ip:connect_port with IP_RECVERR, from bindto / bind_port / bind_if / fwmark.
 *
 * - An ICMP error for it (port, host or network unreachable) is down.
 * - A reply is up, except that when require_reply gave data to expect, the reply must also be
 *   min_reply_length..max_reply_length long and its first bytes (as many as both have) must match
 *   the data outside the 'x' nibbles. Without expected data the lengths are not checked: that is
 *   Keepalived's rule (check_udp_reply() only runs when reply data is set).
 * - Silence until connect_timeout is up, unless require_reply is set.
 */
import type { UdpCheck } from '../config/sections/checkers/udp.js';
import { openUdpSocket, type UdpDatagram, type UdpSocket, type UdpTarget } from '../os/icmp-socket.js';
import { runAttempt } from './attempt.js';
import { checkFiller } from './ping.js';
import type { Probe, ProbeResult } from './types.js';

/** UDP_BUFSIZE (layer4.c): the size of the default payload. */
export const UDP_DEFAULT_PAYLOAD_SIZE = 32;

type ReplyRule = Pick<UdpCheck, 'min_reply_length' | 'max_reply_length' | 'require_reply_data'>;

/**
 * check_udp_reply(), true when the reply is acceptable: the length bounds, then the shorter of
 * reply and pattern compared nibble by nibble, 'x' matching anything. `length` is the datagram's
 * length when `data` holds only its start.
 */
export function udpReplyMatches(data: Uint8Array, c: ReplyRule, length = data.length): boolean {
  const pattern = c.require_reply_data;
  if (pattern === undefined) return true;
  if (length < c.min_reply_length || length > c.max_reply_length) return false;
  const n = Math.min(data.length, pattern.length / 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      const want = pattern[2 * i + k]!;
      if (want === 'x') continue;
      const nibble = k === 0 ? data[i]! >> 4 : data[i]! & 0xf;
      if (nibble !== parseInt(want, 16)) return false;
    }
  }
  return true;
}

/** Opens the connected socket; src/os/icmp-socket.ts in the daemon. */
export type UdpSocketFactory = (t: UdpTarget, onMessage: (d: UdpDatagram) => void, onError: (e: Error) => void) => UdpSocket;

export function udpProbe(c: UdpCheck, open: UdpSocketFactory = openUdpSocket): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const payload = c.payload !== undefined ? Buffer.from(c.payload, 'hex') : checkFiller(UDP_DEFAULT_PAYLOAD_SIZE);
  const where = `[${c.connect_ip}]:udp:${c.connect_port}`;
  const target = udpTarget(c, {
    recvErr: true,
    // Keepalived reads max_reply_length + 1 bytes: enough to see that a reply is too long.
    maxDatagram: c.max_reply_length + 1,
  });
  return {
    run(signal) {
      let sock: UdpSocket | undefined;
      const silence = (): ProbeResult => (c.require_reply ? { ok: false, reason: 'failed (no reply).' } : { ok: true, reason: 'success.' });
      const attempt = runAttempt(signal, timeoutMs, silence, () => sock?.close(), (a) => {
        try {
          sock = open(
            target,
            (d) => a.finish(udpReplyMatches(d.data, c, d.length) ? { ok: true, reason: 'success.' } : { ok: false, reason: 'reply data mismatch.' }),
            (e) => a.finish({ ok: false, reason: `failed (${(e as NodeJS.ErrnoException).code ?? e.message}).` }),
          );
          sock.send(payload);
        } catch (e) {
          a.finish({ ok: false, reason: `failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).` });
        }
      });
      return attempt.then((r) => ({ ...r, reason: `UDP connection to ${where} ${r.reason}` }));
    },
  };
}

/** A checker's UDP socket: connect_ip/port and the bind options Keepalived applies (DNS_CHECK too). */
export function udpTarget(c: { connect_ip: string; connect_port: number; bindto?: string | undefined; bind_port?: number | undefined; bind_if?: string | undefined; fwmark?: number | undefined }, extra: Partial<UdpTarget> = {}): UdpTarget {
  return {
    ip: c.connect_ip,
    port: c.connect_port,
    ...extra,
    ...(c.bindto !== undefined ? { bindto: c.bindto } : {}),
    ...(c.bind_port !== undefined ? { bindPort: c.bind_port } : {}),
    ...(c.bind_if !== undefined ? { bindIf: c.bind_if } : {}),
    ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
  };
}
