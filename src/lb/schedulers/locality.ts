/**
 * lblc and lblcr (ip_vs_lblc.c, ip_vs_lblcr.c): locality-based least connection, for caches. Each
 * destination address remembers its server (lblc) or set of servers (lblcr) so requests for the
 * same content go to the same cache, until that server is overloaded - more active connections
 * than its weight while some other server is below half its weight - when a new one is chosen by
 * weighted least connection (lblcr adds it to the set, and sheds the most loaded member of a set
 * that has not changed for the expiry time). Unused entries expire (IPVS: after 24 hours).
 */
import { leastWeighted } from './least-connection.js';
import { available, overhead, type Dest, type Flow, type Scheduler, type SchedulerOptions } from './types.js';

const DAY_MS = 24 * 3600 * 1000;

/** is_overloaded() of ip_vs_lblc.c / ip_vs_lblcr.c. */
function overloaded(d: Dest, dests: readonly Dest[]): boolean {
  return d.activeConns > d.weight && dests.some((x) => x.activeConns * 2 < x.weight);
}

function lblc(o: SchedulerOptions): Scheduler {
  let dests: readonly Dest[] = [];
  const table = new Map<string, { dest: Dest; lastUse: number }>();
  const expire = o.expireMs ?? DAY_MS;
  return {
    name: 'lblc',
    update(d) {
      dests = d;
      // Entries pointing at servers that left are dropped (IPVS flushes them on edits).
      for (const [k, e] of table) if (!dests.includes(e.dest)) table.delete(k);
    },
    schedule(flow: Flow, now: number) {
      const e = table.get(flow.daddr);
      if (e && now - e.lastUse > expire) table.delete(flow.daddr);
      else if (e) {
        e.lastUse = now;
        if (available(e.dest) && !overloaded(e.dest, dests)) return e.dest;
      }
      const d = leastWeighted(dests, overhead);
      if (d) table.set(flow.daddr, { dest: d, lastUse: now });
      return d;
    },
  };
}

function lblcr(o: SchedulerOptions): Scheduler {
  let dests: readonly Dest[] = [];
  const table = new Map<string, { set: Dest[]; lastUse: number; lastMod: number }>();
  const expire = o.expireMs ?? DAY_MS;
  return {
    name: 'lblcr',
    update(d) {
      dests = d;
      for (const [k, e] of table) {
        e.set = e.set.filter((x) => dests.includes(x));
        if (e.set.length === 0) table.delete(k);
      }
    },
    schedule(flow: Flow, now: number) {
      let e = table.get(flow.daddr);
      if (e && now - e.lastUse > expire) {
        table.delete(flow.daddr);
        e = undefined;
      }
      if (e) {
        e.lastUse = now;
        const best = leastWeighted(e.set, overhead);
        // A set that has not changed for the expiry time sheds its most loaded member.
        if (e.set.length > 1 && now - e.lastMod > expire) {
          const worst = e.set.reduce((a, b) => (overhead(b) * a.weight > overhead(a) * b.weight ? b : a));
          e.set = e.set.filter((x) => x !== worst);
          e.lastMod = now;
        }
        if (best && !overloaded(best, dests)) return best;
        const d = leastWeighted(dests, overhead);
        if (!d) return undefined;
        if (!e.set.includes(d)) {
          e.set.push(d);
          e.lastMod = now;
        }
        return d;
      }
      const d = leastWeighted(dests, overhead);
      if (d) table.set(flow.daddr, { set: [d], lastUse: now, lastMod: now });
      return d;
    },
  };
}

export const localitySchedulers = {
  lblc: (o: SchedulerOptions) => lblc(o),
  lblcr: (o: SchedulerOptions) => lblcr(o),
};
