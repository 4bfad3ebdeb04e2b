/**
 * Two address owners (a configuration error Keepalived survives, vrrp_state_master_rx): the one
 * with the lower primary address reverts to BACKUP; the higher one sends two more adverts, then
 * watches for a little more than one interval; an owner advert inside that watch means the other
 * side does not back off, and we drop to 254 and revert ourselves.
 */
import type { Machine } from './instance-machine.js';
import { PRIO_OWNER } from './types.js';

/**
 * After two of our own adverts since another owner spoke, watch for 1.2 x the longer of the two
 * intervals ("a bit more than" one, as Keepalived puts it).
 */
export function rogueCountdown(m: Machine): void {
  if (m.p.basePriority !== PRIO_OWNER || m.s.rogueCounter === 0) return;
  const left = m.s.rogueCounter - 1;
  m.set({ rogueCounter: left });
  if (left === 0) {
    const watchUs = Math.floor((Math.max(m.s.rogueIntervalUs, m.p.advertIntervalUs) * 12) / 10);
    m.set({ rogueUntil: m.now + watchUs });
  }
}

/** A master at 255 hears another router claim 255 (see the note at the top). */
export function anotherOwner(m: Machine, intervalUs: number, src: string, cmp: number): void {
  const conflict = `(${m.p.name}) CONFIGURATION ERROR: local instance and ${src} are both configured as address owner, please resolve`;
  if (cmp > 0) {
    m.emit({ kind: 'log', message: conflict }); // their address is higher: we revert (below)
  } else if (m.s.rogueUntil !== undefined && m.s.rogueUntil > m.now) {
    m.emit({ kind: 'log', message: `(${m.p.name}) ${src} is still advertising as address owner, please resolve - reducing our priority` });
    m.set({ rogueUntil: undefined, effectivePriority: PRIO_OWNER - 1 });
  } else {
    m.set({ rogueIntervalUs: intervalUs });
    if (m.s.rogueCounter === 0) {
      m.emit({ kind: 'log', message: conflict });
      m.set({ rogueCounter: 2 });
    }
  }
}
