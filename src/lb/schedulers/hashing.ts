/**
 * dh and sh (ip_vs_dh.c, ip_vs_sh.c): a 256-bucket table filled from the server list, looked up by
 * a hash of the destination (dh) or source (sh) address. sh gives each server as many consecutive
 * buckets as its weight (so weight shapes the share); dh gives one each in turn. A bucket whose
 * server is unavailable yields nothing, unless sh-fallback lets sh probe other buckets.
 */
import { available, hash32, type Dest, type Flow, type Scheduler, type SchedulerOptions } from './types.js';

/** IP_VS_SH_TAB_SIZE / IP_VS_DH_TAB_SIZE. */
export const HASH_TABLE_SIZE = 256;

function fill(dests: readonly Dest[], weighted: boolean): (Dest | undefined)[] {
  const table: (Dest | undefined)[] = new Array(HASH_TABLE_SIZE).fill(undefined);
  if (dests.length === 0) return table;
  let p = 0;
  let count = 0;
  for (let b = 0; b < HASH_TABLE_SIZE; b++) {
    const d = dests[p]!;
    table[b] = d;
    // ip_vs_sh_reassign(): a weight-0 server still takes one bucket (found unavailable later).
    if (!weighted || ++count >= d.weight) {
      p = (p + 1) % dests.length;
      count = 0;
    }
  }
  return table;
}

function dh(): Scheduler {
  let table: (Dest | undefined)[] = [];
  return {
    name: 'dh',
    update(d) {
      table = fill(d, false);
    },
    schedule(flow: Flow) {
      const d = table[hash32(flow.daddr) % HASH_TABLE_SIZE];
      return d && available(d) ? d : undefined;
    },
  };
}

function sh(o: SchedulerOptions): Scheduler {
  let table: (Dest | undefined)[] = [];
  const key = (f: Flow) => (o.flags?.['sh-port'] ? `${f.saddr}|${f.sport}` : f.saddr);
  return {
    name: 'sh',
    update(d) {
      table = fill(d, true);
    },
    schedule(flow: Flow) {
      const h = hash32(key(flow));
      const first = table[h % HASH_TABLE_SIZE];
      if (first && available(first)) return first;
      if (!o.flags?.['sh-fallback']) return undefined;
      // ip_vs_sh_get_fallback(): rehash with growing offsets until an available server turns up.
      for (let off = 0; off < HASH_TABLE_SIZE; off++) {
        const d = table[hash32(`${key(flow)}#${(off + h) % HASH_TABLE_SIZE}`) % HASH_TABLE_SIZE];
        if (d && available(d)) return d;
      }
      return undefined;
    },
  };
}

export const hashingSchedulers = {
  dh: (_o: SchedulerOptions) => dh(),
  sh: (o: SchedulerOptions) => sh(o),
};
