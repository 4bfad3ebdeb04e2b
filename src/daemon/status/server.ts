/**
 * Where operators ask the running daemon what it is doing: the control socket beside the pid
 * file (the pid file's path with .sock for .pid, mode 0600, root only) for `keepalived-ts
 * status`, and, only when asked for (--http ADDR:PORT or KEEPALIVED_TS_HTTP), a read-only HTTP
 * listener with /metrics, /api/status, /api/events (server-sent events) and the live page at /.
 * Both run in the parent, so no request ever waits on or delays the VRRP child's loop; the
 * children are asked for their parts only when a request needs them.
 *
 * Everything here faces a client: requests are one short line (control) or a GET (HTTP), read
 * within a deadline and bounded in size; followers are capped; a vanished peer is dropped.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Logger } from '../../base/log.js';
import { formatMetrics } from './metrics.js';
import type { DaemonStatus, StatusEvent } from './model.js';
import { PAGE } from './page.js';

const MAX_FOLLOWERS = 32;
const REQUEST_LINE_MAX = 256;
const REQUEST_DEADLINE_MS = 5_000;

export interface StatusSource {
  status(): Promise<DaemonStatus>;
}

/** The control socket's path for a pid file: /run/keepalived.pid -> /run/keepalived.sock. */
export function controlSocketPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -4)}.sock` : `${pidFile}.sock`;
}

export class StatusServer {
  private readonly followers = new Set<(e: StatusEvent) => void>();
  private control: net.Server | undefined;
  private web: http.Server | undefined;
  private socketPath: string | undefined;

  constructor(
    private readonly source: StatusSource,
    private readonly log: Logger,
  ) {}

  /** Hands an event to every follower (control socket --follow, the page's event stream). */
  publish(e: StatusEvent): void {
    for (const f of this.followers) f(e);
  }

  private follow(f: (e: StatusEvent) => void): (() => void) | undefined {
    if (this.followers.size >= MAX_FOLLOWERS) return undefined;
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  async listenControl(path: string): Promise<void> {
    // A stale socket from a crashed run goes; anything else at that path (a file, a symlink
    // planted there) is left alone and the socket is not created.
    const st = fs.lstatSync(path, { throwIfNoEntry: false });
    if (st && !st.isSocket()) throw new Error(`${path} exists and is not a socket`);
    if (st) fs.unlinkSync(path);
    const server = net.createServer((c) => this.controlClient(c));
    server.maxConnections = MAX_FOLLOWERS + 8;
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    } finally {
      process.umask(old);
    }
    fs.chmodSync(path, 0o600);
    this.control = server;
    this.socketPath = path;
  }

  private controlClient(c: net.Socket): void {
    let line = '';
    c.setTimeout(REQUEST_DEADLINE_MS, () => c.destroy());
    c.on('error', () => c.destroy());
    c.on('data', (b) => {
      if (line.includes('\n')) return;
      line += b.toString('utf8');
      if (line.length > REQUEST_LINE_MAX) return void c.destroy();
      if (!line.includes('\n')) return;
      const cmd = line.slice(0, line.indexOf('\n')).trim();
      c.setTimeout(0);
      if (cmd === 'status') {
        void this.source.status().then(
          (s) => c.end(JSON.stringify(s) + '\n'),
          (e: Error) => c.end(JSON.stringify({ error: e.message }) + '\n'),
        );
      } else if (cmd === 'follow') {
        const stop = this.follow((e) => {
          // A follower that stops reading is dropped rather than buffered without bound.
          if (c.writableLength > 1 << 20) c.destroy();
          else c.write(JSON.stringify(e) + '\n');
        });
        if (!stop) return void c.end(JSON.stringify({ error: 'too many followers' }) + '\n');
        c.on('close', stop);
      } else c.end(JSON.stringify({ error: `unknown request '${cmd.slice(0, 40)}'` }) + '\n');
    });
  }

  async listenHttp(spec: string): Promise<string> {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec);
    if (!m) throw new Error(`--http wants ADDR:PORT, got '${spec}'`);
    const host = m[1] ?? m[2]!;
    const server = http.createServer((req, res) => this.httpRequest(req, res));
    server.headersTimeout = REQUEST_DEADLINE_MS;
    server.requestTimeout = REQUEST_DEADLINE_MS;
    server.maxHeadersCount = 50;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(m[3]), host, () => resolve());
    });
    this.web = server;
    const a = server.address() as net.AddressInfo;
    return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private httpRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const url = (req.url ?? '/').split('?')[0];
    const fail = (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`);
    if (url === '/metrics') {
      void this.source.status().then((s) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(formatMetrics(s)), fail);
    } else if (url === '/api/status') {
      void this.source.status().then((s) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s)), fail);
    } else if (url === '/api/events') {
      const stop = this.follow((e) => {
        if (res.writableLength > 1 << 20) res.destroy();
        else res.write(`data: ${JSON.stringify(e)}\n\n`);
      });
      if (!stop) return void res.writeHead(503).end();
      req.socket.setTimeout(0);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': keepalived-ts events\n\n');
      res.on('close', stop);
    } else if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  close(): void {
    this.control?.close();
    this.web?.closeAllConnections();
    this.web?.close();
    if (this.socketPath) fs.rmSync(this.socketPath, { force: true });
  }
}
