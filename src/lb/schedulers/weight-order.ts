/**
 * fo and ovf (ip_vs_fo.c, ip_vs_ovf.c): the highest weight decides. fo sends everything to the
 * available server with the highest weight; ovf does too until that server's active connections
 * reach its weight, then overflows to the next highest.
 */
import { available, type Dest, type Scheduler, type SchedulerOptions } from './types.js';

function highest(dests: readonly Dest[], ok: (d: Dest) => boolean): Dest | undefined {
  let best: Dest | undefined;
  for (const d of dests) if (available(d) && ok(d) && (!best || d.weight > best.weight)) best = d;
  return best;
}

function make(name: 'fo' | 'ovf', ok: (d: Dest) => boolean): Scheduler {
  let dests: readonly Dest[] = [];
  return {
    name,
    update(d) {
      dests = d;
    },
    schedule: () => highest(dests, ok),
  };
}

export const weightOrderSchedulers = {
  fo: (_o: SchedulerOptions) => make('fo', () => true),
  ovf: (_o: SchedulerOptions) => make('ovf', (d) => d.activeConns < d.weight),
};
