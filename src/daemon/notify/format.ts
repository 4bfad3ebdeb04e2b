/**
 * What Keepalived tells the world when an instance or a sync group changes state, as text: the
 * arguments of notify scripts, notify_fifo lines, and smtp_alert e-mail (Keepalived
 * vrrp/vrrp_notify.c, core/smtp.c; reference/keepalived-observability.md). Pure, byte for byte.
 *
 * Which scripts run for a state (planNotify) is decided here too, so the notifier only executes.
 */
import type { Script } from '../../config/values.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
/** Events that are not states: fifo lines only (plus notify_master_rx_lower_pri's own script). */
export type NotifyEvent = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';
export type NotifyKind = 'INSTANCE' | 'GROUP';

/** The generic `notify` script: its own arguments, then `INSTANCE|GROUP name STATE priority`. */
export function notifyArgs(own: readonly string[], kind: NotifyKind, name: string, state: NotifyState, priority: number): string[] {
  return [...own, kind, name, state, String(priority)];
}

/** `INSTANCE "VI_1" MASTER 150\n`; groups always say priority 0. */
export function fifoLine(kind: NotifyKind, name: string, state: NotifyState | NotifyEvent, priority: number): string {
  return `${kind} "${name}" ${state} ${kind === 'GROUP' ? 0 : priority}\n`;
}

/** The notify_* scripts an instance or a sync group may have. */
export interface NotifyScripts {
  readonly notify_master?: Script;
  readonly notify_backup?: Script;
  readonly notify_fault?: Script;
  readonly notify_stop?: Script;
  readonly notify?: Script;
  /** Instances only. */
  readonly notify_deleted?: boolean;
  readonly notify_deleted_script?: Script;
  readonly smtp_alert: boolean;
}

export interface ScriptRun {
  readonly args: readonly string[];
  readonly user?: string;
  readonly group?: string;
  /** STOP scripts: waited for, killed after 1 s (Keepalived runs them at shutdown with TIMER_HZ). */
  readonly waitMs?: number;
}

export interface NotifyPlan {
  /** The state as announced (DELETED becomes FAULT without notify_deleted). */
  readonly state: NotifyState;
  readonly scripts: readonly ScriptRun[];
  readonly fifo: string;
}

export const STOP_SCRIPT_WAIT_MS = 1000;

function run(s: Script, args: readonly string[], stop: boolean): ScriptRun {
  return { args, ...(s.user !== undefined ? { user: s.user } : {}), ...(s.group !== undefined ? { group: s.group } : {}), ...(stop ? { waitMs: STOP_SCRIPT_WAIT_MS } : {}) };
}

/**
 * Keepalived send_instance_notifies / send_group_notifies: the state's own script (its
 * configured arguments only), then the generic `notify` script, then the fifo line. Groups have
 * no DELETED script; an instance deleted by a reload says FAULT unless notify_deleted is set
 * (and the e-mail follows the plan's state, as Keepalived rewrites the state before mailing).
 */
export function planNotify(kind: NotifyKind, name: string, s: NotifyScripts, state: NotifyState, priority: number): NotifyPlan {
  const said: NotifyState = state === 'DELETED' && kind === 'INSTANCE' && !s.notify_deleted ? 'FAULT' : state;
  const own =
    said === 'MASTER' ? s.notify_master :
    said === 'BACKUP' ? s.notify_backup :
    said === 'FAULT' ? s.notify_fault :
    said === 'STOP' ? s.notify_stop :
    kind === 'INSTANCE' ? s.notify_deleted_script : undefined;
  const prio = kind === 'GROUP' ? 0 : priority;
  const scripts: ScriptRun[] = [];
  const stop = said === 'STOP';
  // Keepalived waits for STOP scripts of instances; a group's notify_stop it only starts.
  if (own) scripts.push(run(own, own.args, stop && kind === 'INSTANCE'));
  if (s.notify) scripts.push(run(s.notify, notifyArgs(s.notify.args, kind, name, said, prio), stop));
  return { state: said, scripts, fifo: fifoLine(kind, name, said, prio) };
}

// --- e-mail ----------------------------------------------------------------------------------

/** Keepalived's smtp_t buffers: subject 256 bytes, body 512, each with its NUL. */
const MAX_SUBJECT = 255;
const MAX_BODY = 511;

export interface Mail {
  readonly subject: string;
  readonly body: string;
}

const INSTANCE_MAIL: Partial<Record<NotifyState, [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  DELETED: ['Deleted', '=> VRRP Deleted at reload <='],
};

const GROUP_MAIL: Partial<Record<NotifyState, [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
};

/**
 * The alert for a state change, or undefined when none is due: smtp_alert off, a FAULT with
 * no_email_faults, or the same state as the last mail (vrrp_smtp_notifier's last_email_state).
 *
 * STOP never mails. vrrp_smtp_notifier() has a "Stopping" alert, but Keepalived 2.2.7 reaches it
 * only at shutdown, where smtp_alert() merely queues the connection on a thread master that is
 * torn down before it runs: no mail leaves. The STOP scripts and FIFO line are unaffected.
 */
export function vrrpMail(
  kind: NotifyKind,
  name: string,
  state: NotifyState,
  o: { routerId: string; smtpAlert: boolean; noEmailFaults: boolean; lastMailed?: NotifyState },
): Mail | undefined {
  if (!o.smtpAlert || state === 'STOP' || (o.noEmailFaults && state === 'FAULT') || o.lastMailed === state) return undefined;
  const words = (kind === 'GROUP' ? GROUP_MAIL : INSTANCE_MAIL)[state];
  if (!words) return undefined;
  const what = kind === 'GROUP' ? 'VRRP Group' : 'VRRP Instance';
  return { subject: `[${o.routerId}] ${what} ${name} - ${words[0]}`.slice(0, MAX_SUBJECT), body: words[1].slice(0, MAX_BODY) };
}

/** `MAIL FROM:`/`RCPT TO:` take `<addr>` as given, or wrap a bare address (smtp.c mail_cmd). */
export function envelopeAddress(addr: string): string {
  if (addr.endsWith('>')) {
    const i = addr.lastIndexOf('<');
    if (i !== -1) return addr.slice(i);
  }
  return `<${addr}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** strftime "%a, %d %b %Y %H:%M:%S %z" in local time (RFC 5322 date). */
export function mailDate(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/**
 * What follows DATA, up to and including the lone dot (smtp.c body_cmd): Date, From, Subject,
 * X-Mailer, To (recipients joined by ",\r\n "), a blank line, the body. Lines of the body that
 * start with a dot are doubled (RFC 5321 4.5.2), which Keepalived leaves out; its bodies never
 * start with a dot, so the bytes are the same.
 */
export function mailData(m: Mail, from: string, to: readonly string[], date: string): string {
  const body = m.body.replace(/(^|\r\n)\./g, '$1..');
  return `Date: ${date}\r\nFrom: ${from}\r\nSubject: ${m.subject}\r\nX-Mailer: Keepalived\r\nTo:` + to.map((a, i) => `${i === 0 ? '' : ',\r\n'} ${a}`).join('') + `\r\n\r\n${body}\r\n\r\n.\r\n`;
}
