/**
 * bench/soak's client, run inside the lab's client namespace: HTTP requests at a fixed rate, each
 * on a new connection, spread over many virtual servers in turn, for a given time. Every 10 s it
 * prints a JSON line (requests answered, failed, the slowest); at the end a summary line.
 * `node dist/bench/soak-client.js RATE SECONDS URL...`
 */
import * as http from 'node:http';

const [rateArg, secondsArg, ...urls] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);

/** skipped: requests not sent because the client was behind (not a failure of the path). */
interface Tally { ok: number; failed: number; skipped: number; maxMs: number; firstError?: string }
const total: Tally = { ok: 0, failed: 0, skipped: 0, maxMs: 0 };
let window: Tally = { ok: 0, failed: 0, skipped: 0, maxMs: 0 };

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function count(t: Tally, ok: boolean, ms: number, err?: string): void {
  if (ok) t.ok++;
  else {
    t.failed++;
    t.firstError ??= err;
  }
  t.maxMs = Math.max(t.maxMs, ms);
}

async function main(): Promise<void> {
  if (!(rate > 0) || !(seconds > 0) || urls.length === 0) throw new Error('usage: soak-client RATE SECONDS URL...');
  const t0 = performance.now();
  const everyMs = 1000 / rate;
  const inflight = new Set<Promise<void>>();
  const report = setInterval(() => {
    process.stdout.write(JSON.stringify(window) + '\n');
    window = { ok: 0, failed: 0, skipped: 0, maxMs: 0 };
  }, 10_000);
  // Paced from the start time, not from the last request, so the rate holds; but a client
  // more than a second behind (a starved process on a loaded machine) skips ahead rather than
  // sending a burst of hundreds at once, and at most MAX_INFLIGHT requests wait at a time: a
  // burst of new connections from a client that cannot read its answers in time turned into
  // thousands of half-closed connections and timeouts in the first 10-minute run.
  const MAX_INFLIGHT = Math.max(50, rate);
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    let due = t0 + i * everyMs;
    const behind = performance.now() - due;
    if (behind > 1000) {
      const skip = Math.floor(behind / everyMs);
      total.skipped += skip;
      window.skipped += skip;
      i += skip;
      due = t0 + i * everyMs;
    }
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inflight.size >= MAX_INFLIGHT) {
      total.skipped++;
      window.skipped++;
      continue;
    }
    const sent = performance.now();
    const p = get(urls[i % urls.length]!).then(
      () => {
        const ms = performance.now() - sent;
        count(total, true, ms);
        count(window, true, ms);
      },
      (e: Error) => {
        const ms = performance.now() - sent;
        count(total, false, ms, e.message);
        count(window, false, ms, e.message);
      },
    ).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  clearInterval(report);
  process.stdout.write(JSON.stringify({ summary: true, ...total }) + '\n');
}

process.on('SIGINT', () => {
  process.stdout.write(JSON.stringify({ summary: true, interrupted: true, ...total }) + '\n');
  process.exit(0);
});
await main();
