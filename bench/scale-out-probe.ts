/**
 * The client side of bench/scale-out's loss of a director, run inside the client's namespace:
 * `node scale-out-probe.js URL SECONDS EVERY_MS SESSIONS SESSION_EVERY_MS`. Two kinds of traffic
 * at once, so one run gives both figures a client sees:
 * - a request on a new connection every EVERY_MS (each waits up to 10 s: a SYN sent to a dead
 *   director is retransmitted at 1 s and 3 s, and the wait is the outage that client sees);
 * - SESSIONS keep-alive connections asking every SESSION_EVERY_MS; a session breaks when a request
 *   fails, a new socket was needed, or two servers answered it.
 * Prints "ready" once every session has its connection (with the local ports, so the bench can ask
 * the router which director each goes through), then one JSON line of results.
 * Kept apart from src/lab/http-peer.ts, whose outputs the tests read.
 */
import * as http from 'node:http';

const [url, secondsArg, everyArg, sessionsArg, sessionEveryArg] = process.argv.slice(2);
const SECONDS = Number(secondsArg);
const EVERY = Number(everyArg);
const SESSIONS = Number(sessionsArg);
const SESSION_EVERY = Number(sessionEveryArg);
const TIMEOUT_MS = 10_000;
const t0 = performance.now();
const now = () => performance.now() - t0;

function ask(agent: http.Agent | false, first: boolean): Promise<{ body: string; port: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url!, { agent, timeout: TIMEOUT_MS }, (res) => {
      if (agent && !first && !req.reusedSocket) reject(new Error('reconnected'));
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ body, port: req.socket?.localPort ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface Session { port: number; servers: Set<string>; broke: string | null; longestMs: number; asked: number }

async function session(s: Session, started: () => void, stopAt: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let first = true;
    while (now() < stopAt) {
      const t = now();
      const r = await ask(agent, first);
      s.longestMs = Math.max(s.longestMs, now() - t);
      s.servers.add(r.body);
      s.asked++;
      if (first) {
        s.port = r.port;
        started();
      }
      first = false;
      await new Promise((res) => setTimeout(res, SESSION_EVERY));
    }
    if (s.servers.size > 1) s.broke = 'switched server';
  } catch (e) {
    s.broke = (e as Error).message;
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  const stopAt = (SECONDS + 2) * 1000;
  const sessions: Session[] = Array.from({ length: SESSIONS }, () => ({ port: 0, servers: new Set(), broke: null, longestMs: 0, asked: 0 }));
  let open = 0;
  const running = sessions.map((s) => session(s, () => {
    if (++open === SESSIONS) process.stdout.write(`ready ${sessions.map((x) => x.port).join(',')}\n`);
  }, stopAt));
  await new Promise<void>((r) => {
    const check = setInterval(() => open === SESSIONS && (clearInterval(check), r()), 10);
  });
  // New connections from now on, SECONDS long.
  const shots: Array<{ sent: number; done: number; ok: boolean }> = [];
  const inflight: Array<Promise<void>> = [];
  const start = now();
  for (let i = 0; ; i++) {
    const due = start + i * EVERY;
    if (due - start >= SECONDS * 1000) break;
    await new Promise((r) => setTimeout(r, Math.max(0, due - now())));
    const sent = now();
    inflight.push(ask(false, true).then(() => true, () => false).then((ok) => void shots.push({ sent, done: now(), ok })));
  }
  await Promise.all([...inflight, ...running]);
  shots.sort((a, b) => a.done - b.done);
  // The longest a client waited for a new connection's answer, and the longest time in which no
  // new connection was answered.
  let longestWait = 0;
  let longestGap = 0;
  let lastOk: number | undefined;
  for (const s of shots) {
    longestWait = Math.max(longestWait, s.done - s.sent);
    if (!s.ok) continue;
    if (lastOk !== undefined) longestGap = Math.max(longestGap, s.done - lastOk);
    lastOk = s.done;
  }
  const slow = shots.filter((s) => s.done - s.sent > 500);
  process.stdout.write(JSON.stringify({
    requests: shots.length,
    failed: shots.filter((s) => !s.ok).length,
    slow: slow.length,
    slowFromMs: slow.length ? Math.round(slow[0]!.sent) : null,
    slowToMs: slow.length ? Math.round(slow.at(-1)!.sent) : null,
    longestWaitMs: Math.round(longestWait),
    longestGapMs: Math.round(longestGap),
    sessions: sessions.map((s) => ({ port: s.port, broke: s.broke, longestMs: Math.round(s.longestMs), asked: s.asked, servers: [...s.servers] })),
  }) + '\n');
}

await main();
