/**
 * rr and wrr (ip_vs_rr.c, ip_vs_wrr.c). rr walks the list from where it last stopped, skipping
 * unavailable servers. wrr is IPVS's interleaved weighted round robin: a current weight starts at
 * the maximum and drops by the weights' gcd each pass; a pass serves every server whose weight
 * reaches it, so weights 4, 3, 2 give A A B A B C A B C.
 */
import { available, gcd, type Dest, type Scheduler, type SchedulerOptions } from './types.js';

function rr(): Scheduler {
  let dests: readonly Dest[] = [];
  let last = -1;
  return {
    name: 'rr',
    update(d) {
      dests = d;
      if (last >= dests.length) last = -1;
    },
    schedule() {
      for (let n = 1; n <= dests.length; n++) {
        const i = (last + n) % dests.length;
        if (available(dests[i]!)) {
          last = i;
          return dests[i];
        }
      }
      return undefined;
    },
  };
}

function wrr(): Scheduler {
  let dests: readonly Dest[] = [];
  let i = -1;
  let cw = 0;
  let mw = 0;
  let di = 1;
  return {
    name: 'wrr',
    update(d) {
      dests = d;
      mw = Math.max(0, ...dests.map((x) => x.weight));
      di = dests.reduce((g, x) => (x.weight > 0 ? gcd(g, x.weight) : g), 0) || 1;
      // IPVS resets the position on an edit: start a fresh round.
      i = -1;
      cw = mw;
    },
    schedule() {
      if (mw <= 0) return undefined;
      // At most two full rounds of every current weight: then nothing is available.
      for (let steps = 0; steps < 2 * dests.length * (mw / di + 1); steps++) {
        // Wrapping from the last server to the first starts the next pass (not the first step after update()).
        const wrapped = i === dests.length - 1;
        i = (i + 1) % dests.length;
        if (wrapped) {
          cw -= di;
          if (cw <= 0) cw = mw;
        }
        const d = dests[i]!;
        if (!d.overloaded && d.weight >= cw && d.weight > 0) return d;
      }
      return undefined;
    },
  };
}

export const roundRobinSchedulers = {
  rr: (_o: SchedulerOptions) => rr(),
  wrr: (_o: SchedulerOptions) => wrr(),
};
