/**
 * The Healthcheck child as a user runs it: `keepalived-ts -n -l -C -f FILE` against real TCP
 * servers on loopback. A server that stops is taken out within its checker's bound (logged,
 * notify_down run, `RS ... DOWN` on the FIFO), a server that returns is put back, quorum loss
 * brings the sorry server, SIGUSR1 writes keepalived_check.data, SIGTERM stops cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repo, 'bin/keepalived-ts');

interface Server {
  port: number;
  close(): Promise<void>;
  listen(): Promise<void>;
}

async function tcpServer(port = 0): Promise<Server> {
  let srv: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const s: Server = {
    port,
    listen: () =>
      new Promise((resolve, reject) => {
        srv = net.createServer((c) => {
          sockets.add(c);
          c.on('close', () => sockets.delete(c));
          c.on('error', () => undefined);
        });
        srv.once('error', reject);
        srv.listen(s.port, '127.0.0.1', () => {
          s.port = (srv!.address() as net.AddressInfo).port;
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const c of sockets) c.destroy();
        if (!srv) return resolve();
        srv.close(() => resolve());
        srv = undefined;
      }),
  };
  await s.listen();
  return s;
}

/** Waits until `pred` holds for the daemon's output, or fails after `ms`. */
async function waitFor(what: string, pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the checker process takes a dead real server out, puts it back, and brings the sorry server on quorum loss', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-check-'));
  const a = await tcpServer();
  const b = await tcpServer();
  let daemon: ChildProcess | undefined;
  t.after(async () => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    await a.close();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const notifyLog = path.join(dir, 'notify.log');
  const script = path.join(dir, 'notify.sh');
  fs.writeFileSync(script, `#!/bin/sh\necho "$@" >> ${notifyLog}\n`, { mode: 0o755 });
  const fifo = path.join(dir, 'fifo');
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(
    conf,
    `global_defs {
  router_id test
  notify_fifo ${fifo}
}
virtual_server 127.0.0.1 18080 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  quorum 3
  sorry_server 127.0.0.1 18099
  real_server 127.0.0.1 ${a.port} {
    weight 2
    notify_up "${script} up a"
    notify_down "${script} down a"
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
  real_server 127.0.0.1 ${b.port} {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`,
  );
  let out = '';
  daemon = spawn(process.execPath, [bin, '-n', '-l', '-D', '-C', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid')], {
    // This test runs in the host's own namespace: checks only, no forwarding rules.
    env: { ...process.env, TMPDIR: dir, KEEPALIVED_TS_DATAPLANE: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const A = `[127.0.0.1]:tcp:${a.port}`;
  const B = `[127.0.0.1]:tcp:${b.port}`;
  const VS = '[127.0.0.1]:tcp:18080';

  await waitFor('the first checks', () => out.includes(`TCP_CHECK on service ${A} succeeded.`) && out.includes(`TCP_CHECK on service ${B} succeeded.`), 10_000);
  assert.match(out, /Starting Healthcheck child process, pid=\d+/);

  // A stops: retry 1 means one failed attempt, one retry a second later, then out. The bound is
  // delay_loop + connect_timeout x (retry + 1) + delay_before_retry x retry = 4 s (+ slack for a loaded machine).
  await a.close();
  const stoppedAt = Date.now();
  await waitFor('A removed', () => out.includes(`Removing service ${A} from VS ${VS}`), 15_000);
  const tookMs = Date.now() - stoppedAt;
  assert.ok(out.includes(`TCP_CHECK on service ${A} failed after 1 retries.`), out);
  // Never earlier than the rules allow: one failed attempt and one retry after delay_before_retry.
  assert.ok(tookMs >= 1000, `removed after ${tookMs} ms, before the retry could have run`);
  // Quorum 3 with only B's weight 2 left: the sorry server stands in.
  await waitFor('quorum lost', () => out.includes(`Lost quorum 3-0=3 > 2 for VS ${VS}`), 5_000);
  assert.ok(out.includes(`Adding sorry server [127.0.0.1]:tcp:18099 to VS ${VS}`), out);
  await waitFor('notify_down ran', () => fs.existsSync(notifyLog) && fs.readFileSync(notifyLog, 'utf8').includes('down a'), 5_000);

  // SIGUSR1: the live state in keepalived_check.data.
  daemon.kill('SIGUSR1');
  const data = path.join(dir, 'keepalived_check.data');
  await waitFor('the data dump', () => fs.existsSync(data) && fs.readFileSync(data, 'utf8').includes('quorum_state_up = 0'), 5_000);
  assert.match(fs.readFileSync(data, 'utf8'), new RegExp(`RIP = 127.0.0.1, RPORT = ${a.port}, WEIGHT = 2 EFF WEIGHT = 2\\n[^]*?alive = 0\\n   num failed checkers = 1`));

  // A returns: one success puts it back and quorum is gained again.
  await a.listen();
  await waitFor('A back', () => out.includes(`Adding service ${A} to VS ${VS}`), 10_000);
  await waitFor('quorum gained', () => out.includes(`Gained quorum 3+0=3 <= 4 for VS ${VS}`), 5_000);
  await waitFor('notify_up ran', () => fs.readFileSync(notifyLog, 'utf8').includes('up a'), 5_000);

  // The FIFO got Keepalived's lines, in order. The VS UP line follows notify_up's start, so it is
  // read until it is there (the daemon holds the FIFO open: the bytes stay until read).
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(65536);
  let text = '';
  try {
    await waitFor('the FIFO lines', () => {
      try {
        const n = fs.readSync(fd, buf);
        text += buf.subarray(0, n).toString();
      } catch {
        // EAGAIN: nothing new yet
      }
      return text.includes(`VS ${VS} UP`);
    }, 5_000).catch(() => undefined);
  } finally {
    fs.closeSync(fd);
  }
  const lines = text.split('\n').filter(Boolean);
  assert.deepEqual(lines, [`RS ${A} ${VS} DOWN`, `VS ${VS} DOWN`, `RS ${A} ${VS} UP`, `VS ${VS} UP`]);

  daemon.kill('SIGTERM');
  await waitFor('exit', () => daemon!.exitCode !== null, 10_000);
  assert.equal(daemon.exitCode, 0);
  assert.ok(!fs.existsSync(path.join(dir, 'c.pid')), 'checker pid file removed');
});
