/** One proxy worker thread (proxy-workers.ts): a ProxyDataPlane on SO_REUSEPORT sockets. */
import { parentPort, workerData } from 'node:worker_threads';
import { reusePortListener } from '../../os/reuseport.js';
import { ProxyDataPlane } from './proxy.js';
import type { WorkerMessage } from './proxy-workers.js';

if (parentPort) {
  const port = parentPort;
  const data = workerData as { udp: boolean; tcp: boolean; proxyProtocol?: 'v1' | 'v2'; udpIdleMs?: number; udpMaxSessions?: number; connectTimeoutMs?: number; idleTimeoutMs?: number };
  const report = (m: string) => port.postMessage({ id: 0, log: m });
  const plane = new ProxyDataPlane({
    log: { info: () => undefined, warn: report, error: report, detail: () => undefined },
    udp: data.udp,
    tcp: data.tcp,
    listenFd: reusePortListener,
    ...(data.connectTimeoutMs !== undefined ? { connectTimeoutMs: data.connectTimeoutMs } : {}),
    ...(data.idleTimeoutMs !== undefined ? { idleTimeoutMs: data.idleTimeoutMs } : {}),
    ...(data.udpIdleMs !== undefined ? { udpIdleMs: data.udpIdleMs } : {}),
    ...(data.udpMaxSessions !== undefined ? { udpMaxSessions: data.udpMaxSessions } : {}),
    ...(data.proxyProtocol ? { proxyProtocol: data.proxyProtocol } : {}),
  });
  port.on('message', (m: WorkerMessage) => {
    if (m.op === 'stats') return port.postMessage({ id: m.id, stats: plane.stats() });
    const done = m.op === 'apply' ? plane.apply(m.pools ?? []) : plane.close(m.keep);
    done.then(
      () => port.postMessage({ id: m.id }),
      (e: Error) => port.postMessage({ id: m.id, error: e.message }),
    );
  });
}
