/**
 * mh: Maglev hashing (ip_vs_mh.c; Eisenbud et al., "Maglev", NSDI 2016, section 3.4). Every
 * server has a preference list over a prime-sized table (offset and skip from two hashes of its
 * identity); servers take turns claiming their next free preferred slot, weight / gcd turns each
 * per round, until the table is full. A flow's hash indexes the table. When a server leaves,
 * only the slots it held change hands (plus a few others), so flows of the other servers stay.
 *
 * The table is also what the nftables data plane loads for DR, so that the kernel hashes each
 * packet of a flow to the same server.
 */
import { available, gcd, hash32, type Dest, type Flow, type Scheduler, type SchedulerOptions } from './types.js';

/** IPVS's default table size (CONFIG_IP_VS_MH_TAB_INDEX 12): a prime. */
export const MH_TABLE_SIZE = 65521;

/**
 * The lookup table for `dests` (indexes into it, -1 where no server: all weights 0). `size` must
 * be prime so every skip visits every slot.
 */
export function maglevTable(dests: readonly Pick<Dest, 'key' | 'weight'>[], size = MH_TABLE_SIZE): Int32Array {
  const table = new Int32Array(size).fill(-1);
  const live = dests.map((d, i) => ({ i, d })).filter((x) => x.d.weight > 0);
  if (live.length === 0) return table;
  const g = live.reduce((a, x) => gcd(a, x.d.weight), 0);
  const servers = live.map((x) => ({
    i: x.i,
    turns: x.d.weight / g,
    offset: hash32(x.d.key, 0x9747b28c) % size,
    skip: (hash32(x.d.key, 0x85ebca77) % (size - 1)) + 1,
    next: 0,
  }));
  let filled = 0;
  for (;;) {
    for (const s of servers) {
      for (let t = 0; t < s.turns; t++) {
        let c = (s.offset + s.next * s.skip) % size;
        while (table[c] !== -1) {
          s.next++;
          c = (s.offset + s.next * s.skip) % size;
        }
        table[c] = s.i;
        s.next++;
        if (++filled === size) return table;
      }
    }
  }
}

function mh(o: SchedulerOptions): Scheduler {
  const size = o.mhTableSize ?? MH_TABLE_SIZE;
  let dests: readonly Dest[] = [];
  let table: Int32Array = new Int32Array(0);
  const key = (f: Flow) => (o.flags?.['mh-port'] ? `${f.saddr}|${f.sport}` : f.saddr);
  return {
    name: 'mh',
    update(d) {
      dests = d;
      table = maglevTable(d, size);
    },
    schedule(flow: Flow) {
      if (table.length === 0) return undefined;
      const h = hash32(key(flow));
      const first = dests[table[h % size]!];
      if (first && available(first)) return first;
      if (!o.flags?.['mh-fallback']) return undefined;
      for (let off = 0; off < size; off++) {
        const d = dests[table[hash32(`${key(flow)}#${(off + h) % size}`) % size]!];
        if (d && available(d)) return d;
      }
      return undefined;
    },
  };
}

export const maglevScheduler = (o: SchedulerOptions) => mh(o);
