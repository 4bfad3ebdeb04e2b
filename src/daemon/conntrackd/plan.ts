/**
 * What a VRRP transition asks of conntrackd, as pure decisions (driver.ts runs them). Keepalived
 * users drive conntrackd with conntrack-tools' doc/sync/primary-backup.sh from notify scripts;
 * keepalived-ts runs the same client commands itself (--conntrackd, KEEPALIVED_TS_CONNTRACKD):
 *
 *   MASTER -> primary: -c (commit the peer's states, held in the external cache, into the
 *            kernel, so the flows keep the real server the old master chose), -f (flush both
 *            caches), -R (resync the internal cache from the kernel), -B (bulk-send them to the
 *            new backup).
 *   BACKUP -> backup:  -t (shorten the kernel's timers: our entries as master become zombies
 *            that expire within PurgeTimeout), -n (ask the master for a full resync).
 *   FAULT  -> fault:   -t.
 *
 * The script's `-s` probe on BACKUP, which restarts a conntrackd found dead, is left out:
 * keeping conntrackd running is its service manager's job, and a dead one shows as failed
 * commands in our log. Whose transitions count: the sync groups' when the configuration has
 * any (the script sits on a vrrp_sync_group's notify), plus every instance in no group; with no
 * group, each instance's. One conntrackd serves the host, so commands never overlap: a role
 * asked for while another runs waits, and only the latest one waiting is kept (queue.ts-style
 * reducer below), since running an outdated role's commands would only be undone.
 */
import type { RouterAction } from '../../vrrp/router.js';

export type ConntrackdRole = 'primary' | 'backup' | 'fault';

/** Where conntrackd is and which configuration its client reads (the socket path comes from it). */
export interface ConntrackdSettings {
  /** conntrackd's configuration file, as `conntrackd -C FILE`. */
  readonly config: string;
  /** The binary; default `conntrackd` from PATH. */
  readonly bin?: string;
  /** How long one command may run before it is killed; default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_CONNTRACKD_CONFIG = '/etc/conntrackd/conntrackd.conf';
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** The client flags each role runs, in order (primary-backup.sh's sequence). */
export const ROLE_FLAGS: Readonly<Record<ConntrackdRole, readonly string[]>> = {
  primary: ['-c', '-f', '-R', '-B'],
  backup: ['-t', '-n'],
  fault: ['-t'],
};

/** The argv of each command a role runs. */
export function commandsFor(role: ConntrackdRole, s: ConntrackdSettings): string[][] {
  return ROLE_FLAGS[role].map((flag) => [s.bin ?? 'conntrackd', '-C', s.config, flag]);
}

/**
 * The role an engine action asks for, or undefined when the action is not one conntrackd hears
 * of. `grouped` is the set of instances that belong to a sync group (their group speaks for them).
 */
export function roleFor(a: RouterAction, grouped: ReadonlySet<string>): { role: ConntrackdRole; who: string } | undefined {
  let to: string;
  let who: string;
  if (a.kind === 'group_transition') {
    to = a.to;
    who = `VRRP_Group(${a.group})`;
  } else if (a.kind === 'transition') {
    // A silent transition (FAULT at start-up while a tracker has no result yet) notifies nobody.
    if (grouped.has(a.instance) || a.silent) return undefined;
    to = a.to;
    who = `(${a.instance})`;
  } else return undefined;
  const role = to === 'MASTER' ? 'primary' : to === 'BACKUP' ? 'backup' : to === 'FAULT' ? 'fault' : undefined;
  return role ? { role, who } : undefined;
}

/**
 * The run queue: at most one role running, at most one waiting. `request` and `finished` answer
 * with the role to start now, if any.
 */
export interface QueueState {
  readonly running?: ConntrackdRole;
  readonly waiting?: ConntrackdRole;
}

export function request(q: QueueState, role: ConntrackdRole): { state: QueueState; start?: ConntrackdRole } {
  if (q.running === undefined) return { state: { running: role }, start: role };
  // The latest wish replaces an older one still waiting; asking again for what runs is no wish.
  if (q.waiting === undefined && role === q.running) return { state: q };
  return { state: { running: q.running, waiting: role } };
}

export function finished(q: QueueState): { state: QueueState; start?: ConntrackdRole } {
  if (q.waiting === undefined) return { state: {} };
  return { state: { running: q.waiting }, start: q.waiting };
}

/**
 * The conntrackd configuration the daemon was told to drive, from --conntrackd[=CONF] or else
 * KEEPALIVED_TS_CONNTRACKD: a file, `1` for conntrackd's default one, empty or `0` for none.
 */
export function conntrackdSettings(v: string | undefined): ConntrackdSettings | undefined {
  if (v === undefined || v === '' || v === '0') return undefined;
  return { config: v === '1' ? DEFAULT_CONNTRACKD_CONFIG : v };
}
