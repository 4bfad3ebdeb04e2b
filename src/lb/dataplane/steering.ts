/**
 * Least-connection scheduling for a data plane that picks by weights (nftables' numgen): the
 * weights are re-derived from the live connection counts, so new connections lean towards the
 * servers IPVS would pick. IPVS decides per connection (the least loaded wins outright); here the
 * chance of a server is its weight divided by its load, refreshed every second, which converges
 * on the same balance without a decision per packet in user space.
 *
 *   lc   1 / (load + 1)         load = active + inactive / 256 (ip_vs_dest_conn_overhead / 256)
 *   wlc  weight / (load + 1)
 *   sed  weight / (active + 1)
 *   nq   as sed, but an idle server is strongly preferred
 */
import type { LvsScheduler } from '../../config/sections/lvs.js';
import type { ServicePool } from './types.js';

const SCALE = 100;
export const STEERED: ReadonlySet<LvsScheduler> = new Set(['lc', 'wlc', 'sed', 'nq']);

export function steeringWeight(sched: LvsScheduler, weight: number, active: number, inactive: number): number {
  if (weight <= 0) return 0;
  const load = active + inactive / 256;
  let w: number;
  if (sched === 'lc') w = SCALE / (load + 1);
  else if (sched === 'wlc') w = (SCALE * weight) / (load + 1);
  else if (sched === 'nq' && active === 0) w = SCALE * weight * 10;
  else w = (SCALE * weight) / (active + 1);
  return Math.max(1, Math.round(w));
}

/** The pools with least-connection weights replaced by steering weights from `counts`. */
export function steer(pools: readonly ServicePool[], counts: ReadonlyMap<string, [number, number]>): ServicePool[] {
  return pools.map((p) => {
    if (!STEERED.has(p.vs.lvs_sched) || p.vs.lvs_method !== 'NAT') return p;
    return {
      ...p,
      entries: p.entries.map((e) => {
        const [active, inactive] = counts.get(`${p.vs.ip}|${p.vs.port}|${e.ip}|${e.port}`) ?? [0, 0];
        return { ...e, weight: steeringWeight(p.vs.lvs_sched, e.weight, active, inactive) };
      }),
    };
  });
}
