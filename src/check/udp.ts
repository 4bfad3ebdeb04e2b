/**
 * UDP_CHECK (Keepalived check_udp.c): a datagram (the configured payload, else a few random
 * bytes) is sent on a connected socket. With require_reply the server is up when a reply arrives
 * within connect_timeout whose length lies within min/max_reply_length and whose first bytes match
 * the expected data (x nibbles are wildcards). Without it, silence is success and only an ICMP
 * port unreachable (ECONNREFUSED on the connected socket) is failure.
 */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { KeepalivedConfig } from '../config/model.js';
import { serviceName } from './tcp.js';
import type { Probe, ProbeResult } from './types.js';

type UdpCheckModel = Extract<KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number], { checker: 'UDP_CHECK' }>;

/** check_udp_reply(): the length bounds, then the shorter of reply and pattern compared under the mask. */
export function udpReplyMatches(reply: Buffer, c: Pick<UdpCheckModel, 'min_reply_length' | 'max_reply_length' | 'require_reply_data'>): boolean {
  if (reply.length < c.min_reply_length || reply.length > c.max_reply_length) return false;
  const pattern = c.require_reply_data ?? '';
  const n = Math.min(reply.length, pattern.length / 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      const want = pattern[2 * i + k]!;
      if (want === 'x') continue;
      const nibble = k === 0 ? reply[i]! >> 4 : reply[i]! & 0xf;
      if (nibble !== parseInt(want, 16)) return false;
    }
  }
  return true;
}

export function udpProbe(c: UdpCheckModel, random: () => number = Math.random): Probe {
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const payload = c.payload !== undefined ? Buffer.from(c.payload, 'hex') : undefined;
  return {
    run(signal) {
      return new Promise<ProbeResult>((resolve) => {
        const sock = dgram.createSocket(isIPv6(c.connect_ip) ? 'udp6' : 'udp4');
        let done = false;
        const finish = (r: ProbeResult) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          sock.close();
          resolve({ ...r, reason: `UDP connection to ${serviceName(c)} ${r.reason}` });
        };
        const timer = setTimeout(() => finish(c.require_reply ? { ok: false, reason: 'failed (no reply).' } : { ok: true, reason: 'success.' }), timeoutMs);
        const onAbort = () => finish({ ok: false, reason: 'aborted' });
        signal.addEventListener('abort', onAbort, { once: true });
        sock.on('error', (e) => finish({ ok: false, reason: `failed (${(e as NodeJS.ErrnoException).code ?? e.message}).` }));
        sock.on('message', (msg) => {
          if (!c.require_reply) return finish({ ok: true, reason: 'success.' });
          finish(udpReplyMatches(msg, c) ? { ok: true, reason: 'success.' } : { ok: false, reason: 'reply data mismatch.' });
        });
        const data = payload ?? Buffer.from(Array.from({ length: 4 }, () => Math.floor(random() * 256)));
        const go = () =>
          sock.connect(c.connect_port, c.connect_ip, () => {
            sock.send(data, (e) => e && finish({ ok: false, reason: `failed (${e.message}).` }));
          });
        if (c.bindto !== undefined || c.bind_port !== undefined) sock.bind({ ...(c.bindto ? { address: c.bindto } : {}), ...(c.bind_port ? { port: c.bind_port } : {}) }, go);
        else go();
      });
    },
  };
}
