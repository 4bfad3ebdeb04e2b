/**
 * bench/vrrp: how fast the VRRP engine is, by hand (`npm run bench:vrrp`), never in tests.
 *
 *  - adverts encoded + decoded per second (v2 PASS, v3 IPv4, v3 IPv6);
 *  - state-machine events per second (an advert received by a backup);
 *  - the cost of one simulated router with 1, 100 and 1,000 instances: CPU time per simulated
 *    second, and per instance, so growth is read as a ratio against the 1-instance case.
 *
 * The reference in the same run is the advert interval itself: at 1,000 instances with 1 s
 * adverts, the engine's share of one core is printed.
 */
import { performance } from 'node:perf_hooks';
import { simInstance } from '../src/sim/build.js';
import { Segment } from '../src/sim/segment.js';
import { initialState, step } from '../src/vrrp/instance.js';
import { decodeAdvertisement, encodeAdvertisement, passAuthData, AUTH_PASS, type Advertisement } from '../src/vrrp/packet.js';
import { US_PER_SECOND as S } from '../src/vrrp/types.js';

function best(runs: number, fn: () => number): number {
  let top = 0;
  for (let i = 0; i < runs; i++) top = Math.max(top, fn());
  return top;
}

function perSecond(iterations: number, body: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) body();
  return iterations / ((performance.now() - t0) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function codec(): void {
  const cases: Array<[string, Advertisement, { src: string; dst: string }]> = [
    ['v2 PASS, 3 IPv4', { version: 2, vrid: 51, priority: 150, intervalCs: 100, family: 'inet', addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], authType: AUTH_PASS, authData: passAuthData('secret') }, { src: '10.0.0.9', dst: '224.0.0.18' }],
    ['v3 IPv4, 1 address', { version: 3, vrid: 52, priority: 100, intervalCs: 10, family: 'inet', addresses: ['10.0.0.1'], authType: 0 }, { src: '10.0.0.9', dst: '224.0.0.18' }],
    ['v3 IPv6, 2 addresses', { version: 3, vrid: 53, priority: 100, intervalCs: 1, family: 'inet6', addresses: ['fe80::1', 'fd00::1'], authType: 0 }, { src: 'fe80::9', dst: 'ff02::12' }],
  ];
  console.log('advert codec (encode + decode), best of 5:');
  for (const [name, a, ctx] of cases) {
    const rate = best(5, () => perSecond(50_000, () => {
      const bytes = encodeAdvertisement(a, ctx);
      if (!decodeAdvertisement(bytes, a.family, ctx).ok) throw new Error('decode failed');
    }));
    console.log(`  ${name.padEnd(22)} ${fmt(rate).padStart(12)} adverts/s`);
  }
}

function events(): void {
  const p = simInstance({ primaryAddress: '10.0.0.2', basePriority: 100 });
  const advert: Advertisement = { version: 2, vrid: 51, priority: 150, intervalCs: 100, family: 'inet', addresses: ['10.0.0.100'], authType: 0 };
  const rate = best(5, () => {
    let s = step(p, initialState(p), { kind: 'start' }, 0).state;
    let now = 0;
    return perSecond(200_000, () => {
      now += 1000;
      s = step(p, s, { kind: 'advert', advert, src: '10.0.0.1' }, now).state;
    });
  });
  console.log(`state machine: ${fmt(rate)} advert events/s (a backup accepting its master's advert)`);
}

function scaling(): void {
  console.log('simulated router pair, 1 s adverts, 30 simulated seconds (CPU per simulated second):');
  let base = 0;
  for (const n of [1, 100, 1000]) {
    const seg = new Segment({ delayUs: 100 });
    const mk = (prio: number, host: number) =>
      Array.from({ length: n }, (_, i) => simInstance({
        name: `VI_${i}`, vrid: (i % 255) + 1, primaryAddress: `10.${Math.floor(i / 255)}.0.${host}`, basePriority: prio,
        addresses: [`10.${Math.floor(i / 255)}.1.${(i % 250) + 1}`], link: `eth${Math.floor(i / 255)}`,
      }));
    // VRIDs are per link: past 255 instances, the pair shares several links (eth0, eth1, ...).
    seg.addNode({ name: 'A', instances: mk(150, 1) });
    seg.addNode({ name: 'B', instances: mk(100, 2) });
    seg.run(5 * S);
    const t0 = performance.now();
    seg.run(30 * S);
    const msPerSimSecond = (performance.now() - t0) / 30;
    const perInstanceUs = (msPerSimSecond * 1000) / n;
    if (n === 1) base = perInstanceUs;
    console.log(`  ${String(n).padStart(5)} instances: ${msPerSimSecond.toFixed(3).padStart(9)} ms CPU / simulated s`
      + ` = ${(msPerSimSecond / 10).toFixed(2).padStart(6)} % of one core for two routers`
      + `, ${perInstanceUs.toFixed(1).padStart(7)} µs per instance (x${(perInstanceUs / base).toFixed(2)} vs 1 instance)`);
  }
}

codec();
events();
scaling();
