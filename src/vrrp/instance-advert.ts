/**
 * An advert received (RFC 5798 6.4.2 as a backup, 6.4.3 as a master), with Keepalived's choices:
 * preempt_delay holds a backup back from preempting a lower-priority master; a master answers a
 * lower-priority advert with its own ("forcing new election"); a backup that gets priority 0 waits
 * only Skew_Time; vrrp_startup_delay and owner_ignore_adverts make an instance deaf to adverts.
 */
import { compareAddresses } from '../base/addr.js';
import type { Machine } from './instance-machine.js';
import { anotherOwner } from './instance-rogue.js';
import { skewUs } from './timers.js';
import { PRIO_OWNER, PRIO_STOP } from './types.js';

export function receiveAdvert(m: Machine, priority: number, intervalUs: number, version: 2 | 3, src: string): void {
  // Keepalived reads and drops adverts while the start-up delay runs.
  if (m.startingUp) return;
  // owner_ignore_adverts: dropped before they count, as vrrp_check_packet() does.
  if (m.p.ownerIgnoreAdverts && m.s.effectivePriority === PRIO_OWNER) return;
  m.count('advert_rcvd');
  if (priority === PRIO_STOP) m.count('pri_zero_rcvd');
  if (m.s.state === 'BACKUP') advertAsBackup(m, priority, intervalUs, version, src);
  else if (m.s.state === 'MASTER') advertAsMaster(m, priority, intervalUs, version, src);
}

function advertAsBackup(m: Machine, priority: number, intervalUs: number, version: 2 | 3, src: string): void {
  // An owner that backed off to 254 for another owner: that owner has gone or stepped down.
  if (m.p.basePriority === PRIO_OWNER && m.s.effectivePriority === PRIO_OWNER - 1 && (src !== m.s.masterAddress || priority !== PRIO_OWNER)) {
    m.emit({ kind: 'log', message: `(${m.p.name}) Restoring our priority to ${PRIO_OWNER} since received advert with lower priority` });
    m.set({ effectivePriority: PRIO_OWNER });
  }
  if (priority === PRIO_STOP) {
    // RFC 5798 6.4.2: the master resigned; take over after Skew_Time only.
    m.set({ deadline: m.now + skewUs(m.p, m.s.effectivePriority, m.s.masterAdverIntervalUs) });
    return;
  }
  const preemptHeld = m.p.preemptDelayUs > 0 && (m.s.preemptAt === undefined || m.s.preemptAt > m.now);
  if (m.p.nopreempt || priority >= m.s.effectivePriority || preemptHeld) {
    if (version === 3) m.set({ masterAdverIntervalUs: intervalUs });
    let preemptAt = m.s.preemptAt;
    if (m.p.preemptDelayUs > 0) {
      if (priority >= m.s.effectivePriority) preemptAt = undefined;
      else if (preemptAt === undefined) preemptAt = m.now + m.p.preemptDelayUs;
    }
    m.set({ masterAddress: src, masterPriority: priority, wantState: 'BACKUP', preemptAt });
    m.set({ deadline: m.now + m.masterDown() });
    return;
  }
  // Preemption: ignore the lower-priority master; our Master_Down timer keeps running.
  m.emit({ kind: 'log', message: `(${m.p.name}) received lower priority (${priority}) advert from ${src} - discarding` });
  m.set({ masterAddress: src });
}

function advertAsMaster(m: Machine, priority: number, intervalUs: number, version: 2 | 3, src: string): void {
  const cmp = compareAddresses(src, m.p.primaryAddress);
  let ours = m.s.effectivePriority;
  let higher = priority > ours || (priority === ours && cmp > 0);
  if (priority === PRIO_STOP || (m.p.higherPrioSendAdvert && higher)) {
    m.sendAdvert(ours);
    if (priority === PRIO_STOP) return;
  }
  if (priority === ours && cmp === 0) {
    m.emit({ kind: 'log', message: `(${m.p.name}) WARNING - equal priority advert received from remote host with our IP address.` });
  } else if (priority === ours && ours === PRIO_OWNER) {
    anotherOwner(m, intervalUs, src, cmp);
    ours = m.s.effectivePriority;
    higher = priority > ours || (priority === ours && cmp > 0);
  }
  if (priority < ours || (priority === ours && cmp < 0)) {
    m.emit({ kind: 'log', message: `(${m.p.name}) Received advert from ${src} with lower priority ${priority}, ours ${ours}${m.p.lowerPrioNoAdvert ? '' : ', forcing new election'}` });
    if (!m.p.lowerPrioNoAdvert) m.sendAdvert(ours);
    const g = m.p.garp;
    if (g.lowerPrioRepeat > 0) {
      m.emit({ kind: 'send_garp', count: g.lowerPrioRepeat });
      if (g.lowerPrioDelayUs > 0) m.set({ garpAt: [...m.s.garpAt, [m.now + g.lowerPrioDelayUs, g.lowerPrioRepeat]] });
    }
    m.emit({ kind: 'master_rx_lower_pri', from: src, priority });
    return;
  }
  if (higher) {
    if (version === 3) m.set({ masterAdverIntervalUs: intervalUs });
    m.set({ masterAddress: src, masterPriority: priority, wantState: 'BACKUP' });
    const why = priority > ours ? `higher priority ${priority} from ${src}, ours ${ours}` : `same priority ${priority} from higher address ${src}`;
    m.leaveMaster('BACKUP', why, false);
  }
}
