/**
 * One VRRP instance as a pure state machine: step(params, state, event, now, ctx) -> state + actions.
 *
 * RFC 5798 section 6.4 (and RFC 3768 6.4 for v2), with Keepalived's choices where it refines the
 * RFC (vrrp.c, vrrp_scheduler.c): an instance starts in BACKUP; `state MASTER` only shortens the
 * first wait to one interval; the address owner takes over at once; preempt_delay holds a backup
 * back from preempting a lower-priority master; a master answers a lower-priority advert with its
 * own ("forcing new election"); a backup that gets priority 0 waits only Skew_Time.
 *
 * Two address owners (a configuration error Keepalived survives, vrrp_state_master_rx): the one
 * with the lower primary address reverts to BACKUP; the higher one sends two more adverts, then
 * watches for a little more than one interval; an owner advert inside that watch means the other
 * side does not back off, and we drop to 254 and revert ourselves. owner_ignore_adverts skips all
 * of it: an owner at 255 listens to nobody. vrrp_startup_delay holds every instance in BACKUP,
 * deaf to adverts, until the delay has passed.
 *
 * This file is the core step: start, timers, sync groups and shutdown. The step's state and its
 * shared moves are instance-machine.ts's; adverts received instance-advert.ts's; the rogue owner
 * instance-rogue.ts's; tracking and faults instance-tracking.ts's.
 */
import { receiveAdvert } from './instance-advert.js';
import { Machine } from './instance-machine.js';
import { rogueCountdown } from './instance-rogue.js';
import { interfaceChanged, tracking } from './instance-tracking.js';
import { minSkewUs } from './timers.js';
import { PRIO_OWNER, type InstanceEvent, type InstanceParams, type InstanceState, type StepContext, type StepResult } from './types.js';

export { effectivePriority } from './instance-tracking.js';

const ALONE: StepContext = { canGoMaster: true };

export function initialState(p: InstanceParams): InstanceState {
  return {
    state: 'INIT',
    wantState: p.initialMaster || p.basePriority === PRIO_OWNER ? 'MASTER' : 'BACKUP',
    effectivePriority: p.basePriority,
    masterAdverIntervalUs: p.advertIntervalUs,
    deadline: undefined,
    preemptAt: undefined,
    masterAddress: undefined,
    masterPriority: undefined,
    trackDelta: 0,
    trackFault: false,
    trackPending: false,
    interfaceUp: true,
    garpAt: [],
    garpRefreshAt: undefined,
    startupUntil: undefined,
    rogueCounter: 0,
    rogueUntil: undefined,
    rogueIntervalUs: 0,
    stats: { advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0, pri_zero_rcvd: 0, pri_zero_sent: 0 },
  };
}

/** The earliest time the instance needs a 'timer' event, if any. */
export function nextWakeup(s: InstanceState): number | undefined {
  let t = s.deadline;
  for (const [at] of s.garpAt) if (t === undefined || at < t) t = at;
  if (s.garpRefreshAt !== undefined && (t === undefined || s.garpRefreshAt < t)) t = s.garpRefreshAt;
  if (s.rogueUntil !== undefined && (t === undefined || s.rogueUntil < t)) t = s.rogueUntil;
  return t;
}

export function step(p: InstanceParams, s: InstanceState, e: InstanceEvent, now: number, ctx: StepContext = ALONE): StepResult {
  const m = new Machine(p, s, now, ctx);
  switch (e.kind) {
    case 'start':
      start(m, e.delayUs ?? 0);
      break;
    case 'timer':
      timer(m);
      break;
    case 'advert':
      receiveAdvert(m, e.advert.priority, e.advert.intervalCs * 10_000, e.advert.version, e.src);
      break;
    case 'tracking':
      tracking(m, e.delta, e.fault, e.reason, e.pending ?? false);
      break;
    case 'interface':
      interfaceChanged(m, e.up);
      break;
    case 'sync':
      sync(m, e.to, e.group);
      break;
    case 'shutdown':
      shutdown(m);
      break;
  }
  return { state: m.s, actions: m.actions };
}

function start(m: Machine, delayUs: number): void {
  if (m.s.state !== 'INIT') return;
  if (delayUs > 0) {
    m.set({ startupUntil: m.now + delayUs });
    m.emit({ kind: 'log', message: `(${m.p.name}) delaying start-up for ${delayUs / 1_000_000}s (vrrp_startup_delay)` });
  }
  if (m.faulty) {
    m.set({ deadline: undefined });
    const waiting = m.waitingOnly;
    const why = m.p.configFault ?? (!m.s.interfaceUp ? 'interface down' : waiting ? 'waiting for tracked scripts to return' : 'a tracked object is down');
    m.transition('FAULT', 'init: ' + why, waiting);
    return;
  }
  // Keepalived enters BACKUP at start-up, whatever `state` says; the owner leaves it at once.
  // 2.2.7's vrrp_init_state() shortens the wait to one interval (plus the smallest skew) only
  // for `state MASTER` in a sync group, whose state starts as BACKUP; a lone `state MASTER`
  // waits Master_Down_Interval like a backup (seen on the wire: 3.6 s at priority 100).
  let wait: number;
  if (m.p.basePriority === PRIO_OWNER && m.s.wantState === 'MASTER') wait = 1;
  else if (m.s.wantState === 'MASTER' && m.ctx.inGroup) wait = m.s.masterAdverIntervalUs + minSkewUs(m.p, m.s.masterAdverIntervalUs);
  else wait = m.masterDown();
  m.set({ deadline: m.timerBase + wait });
  m.transition('BACKUP', 'init');
}

function timer(m: Machine): void {
  garpTimers(m);
  if (m.s.rogueUntil !== undefined && m.s.rogueUntil <= m.now) {
    m.emit({ kind: 'log', message: `(${m.p.name}) rogue address owner appears to have stopped advertising` });
    m.set({ rogueUntil: undefined });
  }
  if (m.s.deadline === undefined || m.now < m.s.deadline) return;
  if (m.s.state === 'MASTER') {
    if (expiredAsMaster(m)) return;
    m.sendAdvert(m.s.effectivePriority);
    m.set({ deadline: nextAdvertAt(m.s.deadline, m.now, m.p.advertIntervalUs) });
    rogueCountdown(m);
  } else if (m.s.state === 'BACKUP') {
    m.set({ wantState: 'MASTER' });
    m.gotoMaster('no advert received within Master_Down_Interval');
  }
}

/**
 * The next advert is due one interval after this one was due, not after it went out: a master
 * woken a little late each time would otherwise drift (Keepalived arms from the time it ran, and
 * under load sends measurably fewer adverts than 1 per interval). An advert more than a whole
 * interval late is not made up for with a burst: the count starts again from now.
 */
export function nextAdvertAt(dueUs: number, nowUs: number, intervalUs: number): number {
  const next = dueUs + intervalUs;
  return next > nowUs ? next : nowUs + intervalUs;
}

/**
 * timer_expired_backup: our last advert went out at deadline - interval; if a backup of
 * priority highestOtherPriority has already seen 3 intervals plus its skew pass since, it is
 * master by now, and we go to BACKUP without a priority-0 advert (vrrp_thread_timeout_handler).
 */
function expiredAsMaster(m: Machine): boolean {
  const hop = m.p.highestOtherPriority;
  if (hop === undefined || m.s.deadline === undefined) return false;
  const lastSent = m.s.deadline - m.p.advertIntervalUs;
  const skew = m.p.version === 3 ? Math.floor(((256 - hop) * m.p.advertIntervalUs) / 256) : Math.floor(((256 - hop) * 1_000_000) / 256);
  if (lastSent + 3 * m.p.advertIntervalUs + skew > m.now) return false;
  const lateUs = m.now - m.s.deadline;
  m.emit({ kind: 'log', message: `VRRP thread timer expired ${(lateUs / 1_000_000).toFixed(6)} seconds ago` });
  m.set({ wantState: 'BACKUP' });
  m.leaveMaster('BACKUP', `timer expired: a backup of priority ${hop} has taken over by now (timer_expired_backup)`, false);
  return true;
}

function garpTimers(m: Machine): void {
  // Nearly always empty: no array for it (this runs at every advert).
  const due = m.s.garpAt.length === 0 ? m.s.garpAt : m.s.garpAt.filter(([at]) => at <= m.now);
  if (due.length > 0) {
    for (const [, n] of due) m.emit({ kind: 'send_garp', count: n });
    m.set({ garpAt: m.s.garpAt.filter(([at]) => at > m.now) });
  }
  if (m.s.garpRefreshAt !== undefined && m.s.garpRefreshAt <= m.now) {
    m.emit({ kind: 'send_garp', count: m.p.garp.refreshRepeat });
    m.set({ garpRefreshAt: m.now + m.p.garp.refreshUs });
  }
}

function sync(m: Machine, to: 'MASTER' | 'BACKUP' | 'FAULT', group: string): void {
  if (m.s.state === to || m.s.state === 'INIT' || m.s.state === 'STOP') return;
  const reason = `sync group ${group} moved to ${to}`;
  if (to === 'MASTER') {
    if (m.faulty) return;
    m.set({ wantState: 'MASTER' });
    m.gotoMaster(reason);
  } else if (m.s.state === 'MASTER') {
    m.set({ wantState: to });
    m.leaveMaster(to, reason, false);
  } else {
    if (to === 'BACKUP' && m.faulty) return;
    m.set({ wantState: to });
    m.transition(to, reason);
    m.set({ deadline: to === 'BACKUP' ? m.timerBase + m.masterDown() : undefined, masterAdverIntervalUs: m.p.advertIntervalUs });
  }
}

function shutdown(m: Machine): void {
  if (m.s.state === 'STOP') return;
  // RFC 5798 6.4.3: a master that stops sends priority 0 so a backup takes over after Skew_Time.
  if (m.s.state === 'MASTER') m.leaveMaster('STOP', 'shutdown', true);
  else m.transition('STOP', 'shutdown');
  m.set({ deadline: undefined, garpAt: [], garpRefreshAt: undefined, wantState: 'STOP' });
}
