/**
 * bench/scale-out (root, by hand: `npm run build && npm run bench:scale-out`): active directors on
 * BGP/ECMP (issue 16), in the lab of test/netns/scale-out-bgp.test.ts (bench/scale-out-rig.ts),
 * in one run:
 * 1. keep-alive requests/s and new connections/s (wrk from the client, `Connection: close` for the
 *    latter) through 3, then 2, then 1 announcing director, each director's forwarding capped in its
 *    namespace (an htb class by default, or an nftables limit: bench/scale-out-rig.ts says why), so
 *    that the directors are the bottleneck and not this 2-core machine;
 * 2. each director's share of the new connections with 3 (SYNs let through, nft counters);
 * 3. a director lost hard (link down, then its keepalived-ts and speaker SIGKILLed) under a new
 *    connection every 20 ms and 24 keep-alive sessions: the longest a client waited, the longest
 *    time without an answer, and the sessions kept (bench/scale-out-probe.ts);
 * 4. the same loss for an active/backup VRRP pair in DR (bench/scale-out-pair.ts), unless --no-pair.
 * The order (3 directors, the loss of d3, 2, SIGTERM to d2, 1) builds the lab once.
 */
import { labUnavailable } from '../src/lab/lab.js';
import { BFD_INTERVAL_MS } from '../test/netns/bgp-speakers.js';
import { lossOnPair } from './scale-out-pair.js';
import { DIRECTORS, lossUnderProbe, ScaleOutRig, waitFor, type Cap, describeCap, type Director, type Loss } from './scale-out-rig.js';

const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
/** `--shaper htb --rate KBIT` (default 500) or `--shaper nft --rate PACKETS` (default 2000): see bench/scale-out-rig.ts. */
const SHAPER = process.argv.includes('--shaper') && process.argv[process.argv.indexOf('--shaper') + 1] === 'nft' ? 'nft' : 'htb';
const CAP: Cap = { kind: SHAPER, rate: arg('--rate', SHAPER === 'nft' ? 2000 : 500) };
const SECONDS = arg('--seconds', 5);
/** wrk's connections: enough in flight that the caps, not the round trips, set the rate. */
const CONNS = arg('--connections', 128);
/** BFD's interval both ways (x 3); the test's 300 ms unless `--bfd MS`. */
const BFD_MS = arg('--bfd', BFD_INTERVAL_MS);

interface Rates { keepAlive: number; close: number; errors: string }

async function wrk(rig: ScaleOutRig, close: boolean): Promise<{ rate: number; errors: string }> {
  const out = await rig.lab.exec('cl', 'wrk', '-t', '2', '-c', String(CONNS), '-d', `${SECONDS}s`, '--timeout', '5s', ...(close ? ['-H', 'Connection: close'] : []), `http://${rig.vip}/`);
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  if (!Number.isFinite(rate)) throw new Error(`wrk said:\n${out}`);
  return { rate, errors: /Socket errors:[^\n]*/.exec(out)?.[0] ?? '' };
}

async function rates(rig: ScaleOutRig, label: string): Promise<Rates> {
  // The router's path count all along: a BFD flap under load would take a director out meanwhile.
  const want = (await rig.paths()).length;
  let fewest = want;
  const watch = setInterval(() => void rig.paths().then((p) => (fewest = Math.min(fewest, p.length)), () => undefined), 200);
  const ka = await wrk(rig, false);
  const nc = await wrk(rig, true);
  clearInterval(watch);
  console.log(`# ${label}: ${ka.rate.toFixed(0)} req/s keep-alive ${ka.errors}; ${nc.rate.toFixed(0)} conn/s ${nc.errors}; fewest paths on the router meanwhile: ${fewest} of ${want}`);
  return { keepAlive: ka.rate, close: nc.rate, errors: [ka.errors, nc.errors].filter(Boolean).join('; ') };
}

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.log(`bench/scale-out skipped: ${why}`);
    return;
  }
  const t0 = Date.now();
  const rig = await ScaleOutRig.create(CAP, BFD_MS);
  const r: Record<number, Rates> = {};
  let shares: number[] = [];
  let loss: Loss;
  try {
    console.log(`# lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${describeCap(CAP)}; wrk -t2 -c${CONNS} ${SECONDS} s`);
    const before = await Promise.all(DIRECTORS.map((d) => rig.counters(d)));
    r[3] = await rates(rig, '3 directors');
    const after = await Promise.all(DIRECTORS.map((d) => rig.counters(d)));
    const syns = after.map((a, i) => a.syns - before[i]!.syns);
    const total = syns.reduce((a, b) => a + b, 0);
    shares = syns.map((s) => s / total);
    console.log(`# new connections per director: ${syns.join(' / ')}; dropped over the cap: ${after.map((a, i) => a.dropped - before[i]!.dropped).join(' / ')}`);

    loss = await lossUnderProbe(rig.lab, 'cl', `http://${rig.vip}/`, async () => {
      await rig.lab.cable('d3', false);
      const down = Date.now();
      rig.speakers.get('d3')!.kill();
      await rig.daemons.get('d3')!.kill('SIGKILL');
      await waitFor('the router without d3', async () => (await rig.paths()).join() === rig.via('d1', 'd2').join(), 10_000);
      const ms = Date.now() - down;
      // Every BFD session the router took down so far: d3's, and any flap under load.
      return `router's path gone ${ms} ms after the link`;
    }, async (port) => (await rig.through(port)) === rig.addr['d3']);
    console.log(`# d3 lost hard: ${JSON.stringify(loss)}`);

    r[2] = await rates(rig, '2 directors');
    await rig.daemons.get('d2')!.kill('SIGTERM');
    await waitFor('the router with d1 alone', async () => (await rig.paths()).join() === rig.via('d1').join(), 10_000);
    r[1] = await rates(rig, '1 director');
  } finally {
    await rig.destroy();
  }
  const pair = process.argv.includes('--no-pair') ? undefined : await lossOnPair();
  if (pair) console.log(`# VRRP pair: ${JSON.stringify(pair)}`);

  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const x = (k: keyof Rates) => `${((r[3]![k] as number) / (r[1]![k] as number)).toFixed(2)} x`;
  console.log(`\nscale-out on BGP/ECMP, DR mh, ${describeCap(CAP)}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all\n`);
  console.log('| figure | 1 director | 2 directors | 3 directors | 3 / 1 | goal |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  console.log(`| keep-alive requests/s | ${n(r[1]!.keepAlive)} | ${n(r[2]!.keepAlive)} | ${n(r[3]!.keepAlive)} | ${x('keepAlive')} | >= 2.5 x |`);
  console.log(`| new connections/s | ${n(r[1]!.close)} | ${n(r[2]!.close)} | ${n(r[3]!.close)} | ${x('close')} | >= 2.5 x |`);
  console.log(`\nshare of new connections with 3 directors: ${shares.map((s, i) => `${DIRECTORS[i] as Director} ${(s * 100).toFixed(1)} %`).join(', ')} (goal 33 % +- 5 %)\n`);
  const row = (label: string, l: Loss | undefined) => l
    ? `| ${label} | ${n(l.outageMs)} ms | ${n(l.gapMs)} ms | ${l.failed} of ${l.requests} | ${l.kept}/${l.sessions} (${l.through} through the lost one) | ${n(l.sessionStallMs)} ms | ${l.detail} |`
    : `| ${label} | - | - | - | - | - | not run |`;
  console.log('| a director lost hard | longest wait, new connection | longest without an answer | new connections failed (10 s timeout) | keep-alive sessions kept | longest stall of a session | detection |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  console.log(row(`3 active directors, BGP + BFD ${BFD_MS} ms x 3`, loss!));
  console.log(row('active/backup VRRP pair, DR mh, VRRPv3 100 ms', pair));
}

await main();
