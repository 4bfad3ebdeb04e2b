/**
 * The notifier a configuration asks for, and the engine's actions turned into notifications
 * (VrrpDeps.onAction). Defaults Keepalived fills in at start-up live here: router_id and
 * smtp_helo_name default to the host name, notification_email_from to user@host.
 */
import * as os from 'node:os';
import type { KeepalivedConfig } from '../../config/model.js';
import type { RouterAction } from '../../vrrp/router.js';
import type { Logger } from '../../base/log.js';
import { realSpawner, type ScriptIdentity, type Spawner } from '../../base/spawn.js';
import { scriptIdentity, systemUserDb, type UserDb } from '../track/users.js';
import type { NotifyState } from './format.js';
import { Notifier } from './notifier.js';
import { sendMail, type SmtpSettings } from './smtp.js';

export interface NotifyDeps {
  readonly log: Logger;
  readonly spawner?: Spawner;
  readonly users?: UserDb;
  readonly self?: ScriptIdentity;
  /** Default: os.hostname(). */
  readonly hostname?: string;
}

export function smtpSettings(config: KeepalivedConfig, hostname: string): SmtpSettings | undefined {
  const g = config.global_defs;
  if (!g.smtp_server || g.notification_email.length === 0) return undefined;
  return {
    server: { address: g.smtp_server.address, port: g.smtp_server.port },
    heloName: g.smtp_helo_name ?? hostname,
    from: g.notification_email_from ?? `${os.userInfo().username}@${hostname}`,
    to: g.notification_email,
    timeoutSec: g.smtp_connect_timeout,
  };
}

export function openNotifier(config: KeepalivedConfig, deps: NotifyDeps): Notifier {
  const g = config.global_defs;
  const hostname = deps.hostname ?? os.hostname();
  const users = deps.users ?? systemUserDb();
  const self = deps.self ?? { uid: os.userInfo().uid, gid: os.userInfo().gid };
  const smtp = smtpSettings(config, hostname);
  return Notifier.open(
    { ...(g.notify_fifo ? { notify_fifo: g.notify_fifo } : {}), ...(g.vrrp_notify_fifo ? { vrrp_notify_fifo: g.vrrp_notify_fifo } : {}) },
    {
      log: deps.log,
      spawner: deps.spawner ?? realSpawner,
      identity: (s) => scriptIdentity(users, s, g.script_user, self),
      routerId: g.router_id ?? hostname,
      noEmailFaults: g.no_email_faults,
      ...(smtp ? { mail: (m) => sendMail(smtp, m, { log: deps.log }) } : {}),
    },
  );
}

const NOTIFIED: ReadonlySet<string> = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

/**
 * What an engine action means to the outside world. `priority` is the instance's effective
 * priority after the step (RouterState.instances[name].effectivePriority). Resolves when STOP
 * scripts are done, so shutdown can await it.
 */
export function notifyAction(n: Notifier, config: KeepalivedConfig, a: RouterAction, priority: number): Promise<void> {
  if (a.kind === 'group_transition') {
    const g = config.vrrp_sync_group.find((x) => x.name === a.group);
    if (!g || !NOTIFIED.has(a.to)) return Promise.resolve();
    return n.group(g.name, g, a.to as NotifyState);
  }
  const inst = config.vrrp_instance.find((i) => i.name === a.instance);
  if (!inst) return Promise.resolve();
  if (a.kind === 'transition' && NOTIFIED.has(a.to) && !a.silent) return n.instance(inst.name, inst, a.to as NotifyState, priority);
  if (a.kind === 'master_rx_lower_pri') n.event(inst.name, 'MASTER_RX_LOWER_PRI', priority, inst.notify_master_rx_lower_pri);
  // vrrp_track.c: with notify_priority_changes, each change of effective priority is a FIFO line.
  if (a.kind === 'priority_change' && inst.notify_priority_changes) n.event(inst.name, a.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', a.to);
  return Promise.resolve();
}
