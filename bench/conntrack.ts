/**
 * bench/conntrack (by hand: `npm run build && node dist/bench/conntrack.js [--lines 100000]`):
 * how long the least-connection steering spends counting a `conntrack -L --dst-nat` list, fed in
 * 64 KiB chunks as the pipe delivers it (os/conntrack.ts). Three mixes of states (a busy director
 * holds mostly TIME_WAIT entries). The reference, measured in the same run: splitting the same
 * text into lines, the least any reader of it does. Printed: total and longest chunk (what the
 * checker's loop waits at worst), best of 5.
 */
import { ConntrackCounter } from '../src/os/conntrack.js';

const i = process.argv.indexOf('--lines');
const LINES = (i >= 0 ? Number(process.argv[i + 1]) : 0) || 100_000;
const CHUNK = 65536;

function line(k: number, state: string): string {
  const c = `10.1.${(k >> 8) & 255}.${k & 255}`;
  const p = 1024 + (k % 60000);
  return `tcp      6 100 ${state} src=${c} dst=10.0.0.100 sport=${p} dport=80 src=10.0.0.${3 + (k % 4)} dst=${c} sport=8080 dport=${p} [ASSURED] mark=0 use=1`;
}

function best(run: () => number[]): [number, number] {
  let total = Infinity;
  let chunk = Infinity;
  for (let r = 0; r < 5; r++) {
    const times = run();
    total = Math.min(total, times.reduce((a, b) => a + b, 0));
    chunk = Math.min(chunk, Math.max(...times));
  }
  return [total, chunk];
}

function chunked(text: string, each: (chunk: string) => void): number[] {
  const times: number[] = [];
  for (let k = 0; k < text.length; k += CHUNK) {
    const t = performance.now();
    each(text.slice(k, k + CHUNK));
    times.push(performance.now() - t);
  }
  return times;
}

console.log(`${LINES} lines, ${CHUNK / 1024} KiB chunks, best of 5`);
for (const [name, state] of [['ESTABLISHED', () => 'ESTABLISHED'], ['TIME_WAIT', () => 'TIME_WAIT'], ['1 in 10 ESTABLISHED', (k: number) => (k % 10 ? 'TIME_WAIT' : 'ESTABLISHED')]] as const) {
  const text = Array.from({ length: LINES }, (_, k) => line(k, state(k))).join('\n');
  const [splitMs] = best(() => chunked(text, (c) => void c.split('\n')));
  const [total, chunk] = best(() => {
    const counter = new ConntrackCounter();
    const times = chunked(text, (c) => counter.push(c));
    counter.end();
    return times;
  });
  console.log(`${name.padEnd(20)} counted in ${total.toFixed(1)} ms (longest chunk ${chunk.toFixed(2)} ms); split alone ${splitMs.toFixed(1)} ms; ratio ${(total / splitMs).toFixed(1)}`);
}
