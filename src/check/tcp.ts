/**
 * TCP_CHECK (Keepalived check_tcp.c): the real server is up when a TCP connection to it
 * completes within connect_timeout. Nothing is sent; the connection is closed at once.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { formatRs } from '../config/sections/lvs-format.js';
import type { Dialer, DialOptions, Probe } from './types.js';

type Vs = KeepalivedConfig['virtual_server'][number];
type Connecting = Extract<Vs['real_server'][number]['checkers'][number], { connect_timeout: number }>;

/** The dial options a connecting checker's configuration asks for. */
export function dialOptions(c: Connecting, signal: AbortSignal): DialOptions {
  return {
    host: c.connect_ip,
    port: c.connect_port,
    timeoutMs: Math.max(1, Math.round(c.connect_timeout * 1000)),
    signal,
    ...(c.bindto !== undefined ? { localAddress: c.bindto } : {}),
    ...(c.bind_port !== undefined ? { localPort: c.bind_port } : {}),
    ...(c.bind_if !== undefined ? { bindIf: c.bind_if } : {}),
    ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
  };
}

/** How Keepalived names the checked service in its messages: `[ip]:tcp:port`. */
export function serviceName(c: { connect_ip: string; connect_port: number }): string {
  return formatRs({ ip: c.connect_ip, port: c.connect_port }, { protocol: 'TCP' });
}

export function tcpProbe(c: Connecting, dial: Dialer): Probe {
  return {
    async run(signal) {
      try {
        const s = await dial(dialOptions(c, signal));
        s.destroy();
        return { ok: true, reason: `TCP connection to ${serviceName(c)} success.` };
      } catch (e) {
        const why = (e as Error).message;
        return { ok: false, reason: why === 'timeout' ? `TCP connection to ${serviceName(c)} timeout.` : `TCP connection to ${serviceName(c)} failed (${why}).` };
      }
    },
  };
}
