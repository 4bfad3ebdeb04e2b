/**
 * One relay worker thread (proxy-workers.ts): a Relay on SO_REUSEPORT sockets, blocking in
 * epoll_wait. Its parent wakes it through an eventfd after each message, which is then read with
 * receiveMessageOnPort (the thread never returns to its own event loop).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { reusePortListener } from '../../os/reuseport.js';
import { closeFd, eventFd, nativeBuffer, read } from '../../os/stream-io.js';
import type { WorkerMessage } from './proxy-workers.js';
import { Relay } from './relay.js';

if (parentPort) {
  const port = parentPort;
  const data = workerData as { proxyProtocol?: 'v1' | 'v2'; connectTimeoutMs?: number; idleTimeoutMs?: number; maxConns?: number };
  const relay = new Relay({
    ...(data.connectTimeoutMs !== undefined ? { connectTimeoutMs: data.connectTimeoutMs } : {}),
    ...(data.idleTimeoutMs !== undefined ? { idleTimeoutMs: data.idleTimeoutMs } : {}),
    ...(data.maxConns !== undefined ? { maxConns: data.maxConns } : {}),
    listenFd: reusePortListener,
    log: (m) => port.postMessage({ id: 0, log: m }),
    ...(data.proxyProtocol ? { proxyProtocol: data.proxyProtocol } : {}),
  });
  const wakeFd = eventFd();
  const counter = nativeBuffer(8);
  relay.watch(wakeFd);
  port.postMessage({ id: 0, wakeFd });
  let running = true;
  while (running) {
    if (relay.wait(-1).length === 0) continue;
    read(wakeFd, counter.ptr, 8);
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const msg = m.message as WorkerMessage;
      try {
        if (msg.op === 'stats') {
          port.postMessage({ id: msg.id, stats: relay.stats() });
          continue;
        }
        if (msg.op === 'apply') {
          relay.apply(msg.pools ?? []);
          // Threads share descriptors: if this one dies, the parent closes these for it.
          port.postMessage({ id: msg.id, fds: relay.fds() });
          continue;
        }
        relay.close(msg.keep);
        running = false;
        port.postMessage({ id: msg.id });
      } catch (e) {
        port.postMessage({ id: msg.id, error: (e as Error).message });
      }
    }
  }
  relay.free();
  closeFd(wakeFd);
  counter.free();
}
