/**
 * What the checker process tells the world (Keepalived check/ipwrapper.c do_rs_notifies(),
 * do_vs_notifies(), notify_fifo_rs/vs(); core/smtp.c smtp_alert() for SMTP_MSG_RS / SMTP_MSG_VS):
 * - real_server notify_up / notify_down and virtual_server quorum_up / quorum_down scripts, with
 *   only their own configured arguments;
 * - `RS [rs] [vs] UP|DOWN` and `VS [vs] UP|DOWN` lines on notify_fifo and lvs_notify_fifo;
 * - e-mail when smtp_alert is on: a checker's verdict on its real server, and quorum changes.
 */
import * as os from 'node:os';
import type { KeepalivedConfig } from '../../config/model.js';
import { formatRs, formatVs } from '../../config/sections/lvs-format.js';
import type { Script } from '../../config/values.js';
import type { Logger } from '../../base/log.js';
import type { Mail } from '../notify/format.js';
import { smtpSettings } from '../notify/from-config.js';
import { FifoWriter, startScript, type IdentityOf } from '../notify/notifier.js';
import { sendMail } from '../notify/smtp.js';
import { realSpawner, type Spawner } from '../../base/spawn.js';
import { scriptIdentity, systemUserDb } from '../track/users.js';
import type { CheckEvents } from './runtime.js';

type Vs = KeepalivedConfig['virtual_server'][number];

/** Subject and body limits of Keepalived's smtp_t (with their NUL). */
const MAX_SUBJECT = 255;
const MAX_BODY = 511;

export interface CheckNotifierDeps {
  readonly log: Logger;
  readonly spawner?: Spawner;
  readonly identity?: IdentityOf;
  /** Sends an alert; default: the configuration's smtp_server, when it has one and recipients. */
  readonly mail?: (m: Mail) => Promise<boolean>;
  readonly hostname?: string;
}

export type CheckNotifier = Omit<CheckEvents, 'pool'> & { close(): Promise<void> };

/** The notifications of a configuration, ready to be given to the CheckRuntime. */
export function openCheckNotifier(config: KeepalivedConfig, deps: CheckNotifierDeps): CheckNotifier {
  const g = config.global_defs;
  const hostname = deps.hostname ?? os.hostname();
  const routerId = g.router_id ?? hostname;
  const users = systemUserDb();
  const self = { uid: os.userInfo().uid, gid: os.userInfo().gid };
  const identity: IdentityOf = deps.identity ?? ((s) => scriptIdentity(users, s, g.script_user, self));
  const spawner = deps.spawner ?? realSpawner;
  const smtp = smtpSettings(config, hostname);
  const mail = deps.mail ?? (smtp ? (m: Mail) => sendMail(smtp, m, { log: deps.log }) : undefined);
  const fifos: FifoWriter[] = [];
  const fifoDeps = { log: deps.log, spawner, identity };
  for (const [f, what] of [[g.notify_fifo, ''], [g.lvs_notify_fifo, 'lvs ']] as const) {
    const w = f ? FifoWriter.open(f, what, fifoDeps) : undefined;
    if (w) fifos.push(w);
  }
  const mails = new Set<Promise<unknown>>();

  const run = (s: Script | undefined) => void (s && startScript(s, s.args, fifoDeps, 'notify script'));
  const fifo = (line: string) => fifos.forEach((f) => f.write(line));
  const send = (subject: string, body: string) => {
    if (!mail) return;
    const p = mail({ subject: `[${routerId}] ${subject}`.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) }).catch(() => false);
    mails.add(p);
    void p.finally(() => mails.delete(p));
  };

  return {
    realServer(vs: Vs, i: number, up: boolean) {
      const rs = vs.real_server[i]!;
      run(up ? rs.notify_up : rs.notify_down);
      fifo(`RS ${formatRs(rs, vs)} ${formatVs(vs)} ${up ? 'UP' : 'DOWN'}\n`);
    },
    quorum(vs: Vs, up: boolean, d: { init: boolean; threshold: number; weightSum: number }) {
      run(up ? vs.quorum_up : vs.quorum_down);
      fifo(`VS ${formatVs(vs)} ${up ? 'UP' : 'DOWN'}\n`);
      if (vs.smtp_alert) {
        const what = up ? (d.init ? 'Starting with quorum up' : 'Gained quorum') : d.init ? 'Starting with quorum down' : 'Lost quorum';
        send(`Virtualserver ${formatVs(vs)} - ${up ? 'UP' : 'DOWN'}`, `=> ${what} ${vs.quorum}+${vs.hysteresis}=${d.threshold} <= ${d.weightSum} <=`);
      }
    },
    checker(vs, i, c, up) {
      const rs = vs.real_server[i]!;
      if (!rs.smtp_alert) return;
      const kind = c.checker === 'TCP_CHECK' ? 'TCP CHECK' : c.checker.replace('_', ' ');
      send(`Realserver ${formatRs(rs, vs)} of virtual server ${formatVs(vs)} - ${up ? 'UP' : 'DOWN'}`, `=> ${kind} ${up ? 'succeed' : 'failed'} on service <=`);
    },
    async close() {
      await Promise.allSettled([...mails]);
      await Promise.all(fifos.map((f) => f.close()));
    },
  };
}
