/**
 * lc, wlc, sed, nq and twos (ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c, ip_vs_nq.c, ip_vs_twos.c).
 * Loads are compared as IPVS compares them, by cross-multiplying with the weights so that no
 * division rounds: a server with load L1 and weight W1 beats one with L2, W2 when L1 x W2 < L2 x W1.
 * Ties go to the first server in the list.
 */
import { available, overhead, type Dest, type Scheduler, type SchedulerOptions } from './types.js';

/** The available destination with the least load / weight; `load` per IPVS scheduler. */
export function leastWeighted(dests: readonly Dest[], load: (d: Dest) => number): Dest | undefined {
  let best: Dest | undefined;
  let bestLoad = 0;
  for (const d of dests) {
    if (!available(d)) continue;
    const l = load(d);
    if (!best || l * best.weight < bestLoad * d.weight) {
      best = d;
      bestLoad = l;
    }
  }
  return best;
}

function make(name: 'lc' | 'wlc' | 'sed' | 'nq', pick: (dests: readonly Dest[]) => Dest | undefined): Scheduler {
  let dests: readonly Dest[] = [];
  return {
    name,
    update(d) {
      dests = d;
    },
    schedule: () => pick(dests),
  };
}

/** lc ignores weights beyond "available": the least overhead wins. */
function leastOverhead(dests: readonly Dest[]): Dest | undefined {
  let best: Dest | undefined;
  for (const d of dests) if (available(d) && (!best || overhead(d) < overhead(best))) best = d;
  return best;
}

/** sed: the expected delay (active + 1) / weight; inactive connections do not count. */
const sedLoad = (d: Dest) => d.activeConns + 1;

function twos(random: () => number): Scheduler {
  let dests: readonly Dest[] = [];
  const pickByWeight = (total: number) => {
    let r = Math.floor(random() * total);
    for (const d of dests) {
      if (!available(d)) continue;
      if (r < d.weight) return d;
      r -= d.weight;
    }
    return undefined;
  };
  return {
    name: 'twos',
    update(d) {
      dests = d;
    },
    schedule() {
      const total = dests.reduce((s, d) => s + (available(d) ? d.weight : 0), 0);
      if (total <= 0) return undefined;
      // The power of two choices, weighted: two draws, the less loaded (by overhead / weight) wins.
      const a = pickByWeight(total)!;
      const b = pickByWeight(total)!;
      return overhead(b) * a.weight < overhead(a) * b.weight ? b : a;
    },
  };
}

export const leastConnectionSchedulers = {
  lc: (_o: SchedulerOptions) => make('lc', leastOverhead),
  wlc: (_o: SchedulerOptions) => make('wlc', (d) => leastWeighted(d, overhead)),
  sed: (_o: SchedulerOptions) => make('sed', (d) => leastWeighted(d, sedLoad)),
  // nq: an idle server first (no queue), else as sed.
  nq: (_o: SchedulerOptions) => make('nq', (d) => d.find((x) => available(x) && x.activeConns === 0) ?? leastWeighted(d, sedLoad)),
  twos: (o: SchedulerOptions) => twos(o.random ?? Math.random),
};
