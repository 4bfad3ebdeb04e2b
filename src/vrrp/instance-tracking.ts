/**
 * Tracking and faults: the priority tracked objects leave an instance with, and FAULT entered and
 * left as tracked objects and the interface go down and come back (Keepalived's
 * down_instance() / try_up_instance(); tracked scripts' first results at start-up).
 */
import type { Machine } from './instance-machine.js';
import { masterDownUs } from './timers.js';
import { PRIO_OWNER, type InstanceParams } from './types.js';

/** Computes the priority tracking leaves us with: clamped to 1..254; an owner keeps 255. */
export function effectivePriority(p: InstanceParams, delta: number): number {
  if (p.basePriority === PRIO_OWNER) return PRIO_OWNER;
  return Math.min(Math.max(p.basePriority + delta, 1), PRIO_OWNER - 1);
}

export function tracking(m: Machine, delta: number, fault: boolean, reason: string, pending: boolean): void {
  const wasFaulty = m.faulty;
  const wasWaiting = m.waitingOnly;
  const oldPriority = m.s.effectivePriority;
  // An owner's priority is not tracked; it moves only for another owner (anotherOwner()).
  const newPriority = m.p.basePriority === PRIO_OWNER ? oldPriority : effectivePriority(m.p, delta);
  m.set({ trackDelta: delta, trackFault: fault, trackPending: fault && pending, effectivePriority: newPriority });
  if (m.s.state === 'FAULT' && wasWaiting && m.faulty && !m.waitingOnly) {
    // The first result is a failure: the silent FAULT of start-up becomes a real one, which
    // Keepalived notifies (down_instance -> vrrp_state_leave_fault -> send_instance_notifies).
    m.transition('FAULT', reason);
  }
  if (newPriority !== oldPriority) {
    m.emit({ kind: 'log', message: `(${m.p.name}) Changing effective priority from ${oldPriority} to ${newPriority}` });
    m.emit({ kind: 'priority_change', from: oldPriority, to: newPriority, state: m.s.state });
    if (m.s.state === 'BACKUP' && m.s.deadline !== undefined) {
      // Keepalived moves the running Master_Down timer by the change in its length.
      const before = masterDownUs(m.p, oldPriority, m.s.masterAdverIntervalUs);
      m.set({ deadline: m.s.deadline + m.masterDown() - before });
    }
  }
  faultChange(m, wasFaulty, reason);
}

export function interfaceChanged(m: Machine, up: boolean): void {
  const wasFaulty = m.faulty;
  m.set({ interfaceUp: up });
  faultChange(m, wasFaulty, up ? 'interface up' : 'interface down');
}

function faultChange(m: Machine, wasFaulty: boolean, reason: string): void {
  if (m.s.state === 'INIT' || m.s.state === 'STOP') return;
  if (!wasFaulty && m.faulty) {
    m.set({ wantState: 'FAULT' });
    if (m.s.state === 'MASTER') m.leaveMaster('FAULT', reason, true);
    else if (m.s.state !== 'FAULT') {
      m.set({ deadline: undefined });
      m.transition('FAULT', reason);
    }
  } else if (wasFaulty && !m.faulty && m.s.state === 'FAULT') {
    m.set({ wantState: 'BACKUP', masterAdverIntervalUs: m.p.advertIntervalUs, preemptAt: undefined });
    m.transition('BACKUP', reason);
    m.set({ deadline: m.timerBase + m.masterDown() });
  }
}
