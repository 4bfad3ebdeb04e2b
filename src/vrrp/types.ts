/**
 * The VRRP engine's vocabulary: what an instance is configured with, what it remembers, what
 * happens to it (events) and what it asks the outside world to do (actions).
 *
 * Times are integer microseconds (Keepalived's TIMER_HZ), on a clock the caller owns: the engine
 * never reads a clock, so tests run it at simulated speed.
 */
import type { Advertisement } from './packet.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export const PRIO_OWNER = 255;
export const PRIO_STOP = 0;
export const US_PER_SECOND = 1_000_000;
export const US_PER_CS = 10_000;

export interface GarpSchedule {
  /** garp_master_delay: a second batch this long after becoming master (0: none). */
  readonly delayUs: number;
  /** garp_master_repeat: messages per batch. */
  readonly repeat: number;
  /** garp_master_refresh: a batch every so often while master (0: never). */
  readonly refreshUs: number;
  readonly refreshRepeat: number;
  /** garp_lower_prio_delay / _repeat: after a lower-priority advert is received as master. */
  readonly lowerPrioDelayUs: number;
  readonly lowerPrioRepeat: number;
}

/** What one VRRP instance is configured with (derived once from the configuration model). */
export interface InstanceParams {
  readonly name: string;
  readonly vrid: number;
  readonly version: 2 | 3;
  /** Configured priority; 255 is the address owner. */
  readonly basePriority: number;
  /** Configured advertisement interval. */
  readonly advertIntervalUs: number;
  /** `state MASTER`: try for master after one interval instead of a full Master_Down_Interval. */
  readonly initialMaster: boolean;
  readonly nopreempt: boolean;
  readonly preemptDelayUs: number;
  /** down_timer_adverts: intervals without an advert before the master is declared down (3). */
  readonly downTimerAdverts: number;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly garp: GarpSchedule;
  /** Our primary address on the interface: breaks ties between equal priorities. */
  readonly primaryAddress: string;
  /** owner_ignore_adverts: an address owner at priority 255 drops every advert (Keepalived). */
  readonly ownerIgnoreAdverts: boolean;
  /**
   * timer_expired_backup: the highest priority of the other routers. A master whose advert timer
   * comes so late that a backup of that priority has already taken over steps down to BACKUP
   * (Keepalived's vrrp_thread_timeout_handler, for a VRRP process that was not scheduled).
   */
  readonly highestOtherPriority?: number;
  /**
   * A configuration that cannot run (unicast_fault_no_peer without peers): the instance stays in
   * FAULT for its whole life, as Keepalived's num_config_faults does. The text is the reason.
   */
  readonly configFault?: string;
}

/** The counters Keepalived keeps per instance that the protocol itself moves. */
export interface ProtocolStats {
  readonly advert_rcvd: number;
  readonly advert_sent: number;
  readonly become_master: number;
  readonly release_master: number;
  readonly pri_zero_rcvd: number;
  readonly pri_zero_sent: number;
}

export interface InstanceState {
  readonly state: VrrpState;
  /** The state the instance would be in alone; a sync group may hold it elsewhere. */
  readonly wantState: VrrpState;
  readonly effectivePriority: number;
  /** Learned from the master in v3 (RFC 5798 6.4.2); our own interval otherwise. */
  readonly masterAdverIntervalUs: number;
  /** When the instance's own timer fires: advert due (MASTER) or master down (BACKUP). */
  readonly deadline: number | undefined;
  /** When preempt_delay allows us to preempt a lower-priority master. */
  readonly preemptAt: number | undefined;
  readonly masterAddress: string | undefined;
  readonly masterPriority: number | undefined;
  /** Tracked objects report: priority change from weights, and whether any forces FAULT. */
  readonly trackDelta: number;
  readonly trackFault: boolean;
  /** trackFault comes only from scripts awaiting their first result: FAULT without notifications. */
  readonly trackPending: boolean;
  readonly interfaceUp: boolean;
  /** Pending gratuitous ARP / NA batches: [when, how many]. */
  readonly garpAt: ReadonlyArray<readonly [number, number]>;
  readonly garpRefreshAt: number | undefined;
  /** vrrp_startup_delay: until then adverts are ignored and no timer runs out (Keepalived). */
  readonly startupUntil: number | undefined;
  /**
   * Two address owners (Keepalived's rogue handling, vrrp_state_master_rx): our own adverts still
   * to send before we watch whether the other owner has backed off...
   */
  readonly rogueCounter: number;
  /** ...and the end of that watch: an owner advert before it makes us back off to 254. */
  readonly rogueUntil: number | undefined;
  /** The other owner's advert interval, to size the watch. */
  readonly rogueIntervalUs: number;
  readonly stats: ProtocolStats;
}

export type InstanceEvent =
  /** delayUs: vrrp_startup_delay, counted from this event. */
  | { readonly kind: 'start'; readonly delayUs?: number }
  | { readonly kind: 'timer' }
  /** An advert for our VRID that passed receive checks (receive.ts). */
  | { readonly kind: 'advert'; readonly advert: Advertisement; readonly src: string }
  /** pending: the fault is only tracked scripts that have not returned yet (tracking.ts). */
  | { readonly kind: 'tracking'; readonly delta: number; readonly fault: boolean; readonly reason: string; readonly pending?: boolean }
  | { readonly kind: 'interface'; readonly up: boolean }
  /** From the sync group: move with the group. */
  | { readonly kind: 'sync'; readonly to: 'MASTER' | 'BACKUP' | 'FAULT'; readonly group: string }
  | { readonly kind: 'shutdown' };

export type Action =
  | { readonly kind: 'send_advert'; readonly priority: number }
  | { readonly kind: 'add_addresses' }
  | { readonly kind: 'remove_addresses' }
  /** A batch of gratuitous ARPs (IPv4) / unsolicited neighbour advertisements (IPv6). */
  | { readonly kind: 'send_garp'; readonly count: number }
  /**
   * silent: no notify script, FIFO line or mail - Keepalived's FAULT at start-up while a tracked
   * script has not returned yet (vrrp_init_state notifies FAULT only for a real fault).
   */
  | { readonly kind: 'transition'; readonly from: VrrpState; readonly to: VrrpState; readonly reason: string; readonly silent?: boolean }
  /** Keepalived's notify_master_rx_lower_pri / fifo MASTER_RX_LOWER_PRI. */
  | { readonly kind: 'master_rx_lower_pri'; readonly from: string; readonly priority: number }
  /** Tracking moved the effective priority (fifo MASTER_PRIORITY / BACKUP_PRIORITY with notify_priority_changes). */
  | { readonly kind: 'priority_change'; readonly from: number; readonly to: number; readonly state: VrrpState }
  | { readonly kind: 'log'; readonly message: string };

export interface StepResult {
  readonly state: InstanceState;
  readonly actions: readonly Action[];
}

/** What the sync group lets an instance do when its own rules say "become master". */
export interface StepContext {
  /** False while another member of the sync group is not ready for master. */
  readonly canGoMaster: boolean;
  /** The instance is a member of a sync group (its start-up wait differs; instance.ts start). */
  readonly inGroup?: boolean;
}
