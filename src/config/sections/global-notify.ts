/**
 * global_defs keywords for who we are and whom we tell: router_id, email/SMTP, startup and
 * shutdown scripts, notify FIFOs and the script user (Keepalived core/global_parser.c,
 * global_data.c format_email_addr()).
 *
 * Users and groups are kept as names: whether they exist is the daemon's business (Keepalived
 * looks them up while parsing; config code here never looks at the host).
 */
import { isIP } from '../../base/ip-syntax.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readScript } from '../values.js';
import { GLOBAL_DEFAULTS, type GlobalDefs, type NotifyFifo } from './global-model.js';
import { boolean, word } from './global-read.js';

/** RFC 5322 3.2.3 specials: a display name holding one of these must be quoted. */
const SPECIALS = /[()<>[\]:;@\\,.]/;

/**
 * `Name <addr>` as Keepalived sends it in a header: the display name is double-quoted (with
 * `"` and `\` escaped) when it holds an RFC 5322 special; anything else is kept as written.
 */
export function formatEmailAddress(addr: string): string {
  if (!addr.endsWith('>')) return addr;
  const lt = addr.lastIndexOf('<');
  if (lt < 0) return addr;
  const name = addr.slice(0, lt).replace(/[ \t]+$/, '');
  if (!SPECIALS.test(name)) return addr;
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"${addr.slice(name.length)}`;
}

/** smtp_server HOST [PORT]: an IP address or a DNS name, resolved by the daemon when it sends. */
function smtpServer(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 2);
  const host = cx.str(n);
  if (host === undefined) return;
  const portRaw = n.args[1] ?? String(GLOBAL_DEFAULTS.smtpPort);
  const port = /^\d+$/.test(portRaw) ? Number(portRaw) : NaN;
  const isName = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(host);
  const isAddr = /^[0-9a-fA-F:.]+$/.test(host) && (host.includes(':') || /^[\d.]+$/.test(host));
  const hostOk = isAddr ? isIP(host) !== 0 : isName;
  if (!hostOk || !(port >= 1 && port <= 65535)) {
    return cx.error(n, `Invalid smtp server ${host} ${portRaw}`);
  }
  g.smtp_server = { address: host, port, pos: n.pos };
}

function smtpConnectTimeout(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  // Timers hold microseconds in an unsigned int: at most 4294 whole seconds.
  const v = cx.int(n, 0, 4294);
  if (v === undefined) return;
  // 0 was allowed before Keepalived v2.0.7; it now means 1.
  if (v === 0) cx.warn(n, 'smtp_connect_timeout must be greater than 0, setting to 1');
  g.smtp_connect_timeout = Math.max(v, 1);
}

function lifecycleScript(key: 'startup_script' | 'shutdown_script') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    const type = key === 'startup_script' ? 'startup' : 'shutdown';
    if (g[key]) return cx.error(n, `${type} script already specified`);
    const script = readScript(cx, n);
    if (script) g[key] = script;
  };
}

function scriptTimeout(key: 'startup_script_timeout' | 'shutdown_script_timeout') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 1, 1000);
    if (v !== undefined) g[key] = v;
  };
}

type FifoKey = 'notify_fifo' | 'vrrp_notify_fifo' | 'lvs_notify_fifo';

/** `*notify_fifo NAME [user [group]]` */
function fifo(key: FifoKey) {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 3);
    const name = n.args[0];
    if (name === undefined) return cx.error(n, `No ${n.keyword} name specified`);
    const current = g[key];
    if (current?.name !== undefined) return cx.error(n, `${n.keyword} already specified - ignoring ${name}`);
    const [, user, group] = n.args;
    const f: NotifyFifo = { ...(current ?? { pos: n.pos }), name };
    if (user !== undefined) f.user = user;
    if (group !== undefined) f.group = group;
    g[key] = f;
  };
}

/** `*notify_fifo_script SCRIPT [user [group]]`: the FIFO name is appended when it runs. */
function fifoScript(key: FifoKey) {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    if (g[key]?.script) return cx.error(n, `${n.keyword} already specified - ignoring ${n.args[0] ?? ''}`.trimEnd());
    const script = readScript(cx, n);
    if (script) g[key] = { ...(g[key] ?? { pos: n.pos }), script };
  };
}

/** `script_user USER [GROUP]`, also written `USER:GROUP`. */
function scriptUser(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 2);
  const raw = n.args[0];
  if (raw === undefined) return cx.error(n, 'No script username specified');
  const [user, inlineGroup] = raw.split(':', 2) as [string, string | undefined];
  const group = n.args[1]?.replace(/^:/, '') ?? (inlineGroup || undefined);
  if (user === '') return cx.error(n, 'Error setting global script uid/gid');
  g.script_user = group !== undefined ? { user, group } : { user };
}

export const globalNotifyTable: KeywordTable<GlobalDefs> = {
  router_id: word('router_id'),
  notification_email_from: (g, n, cx) => {
    const v = cx.str(n);
    if (v === undefined) return;
    if (n.args.length > 1) cx.warn(n, `notification_email_from - ignoring extra entries '${n.args.slice(1).join(' ')}'`);
    g.notification_email_from = formatEmailAddress(v);
  },
  notification_email: {
    block: 'required',
    run: (g, n, cx) => {
      const words = cx.blockWords(n);
      if (words.length === 0) return cx.warn(n, 'empty notification_email block');
      g.notification_email.push(...words.map(formatEmailAddress));
    },
  },
  smtp_server: smtpServer,
  smtp_helo_name: word('smtp_helo_name'),
  smtp_connect_timeout: smtpConnectTimeout,
  smtp_alert: boolean('smtp_alert'),
  smtp_alert_vrrp: boolean('smtp_alert_vrrp'),
  startup_script: lifecycleScript('startup_script'),
  startup_script_timeout: scriptTimeout('startup_script_timeout'),
  shutdown_script: lifecycleScript('shutdown_script'),
  shutdown_script_timeout: scriptTimeout('shutdown_script_timeout'),
  notify_fifo: fifo('notify_fifo'),
  notify_fifo_script: fifoScript('notify_fifo'),
  vrrp_notify_fifo: fifo('vrrp_notify_fifo'),
  vrrp_notify_fifo_script: fifoScript('vrrp_notify_fifo'),
  lvs_notify_fifo: fifo('lvs_notify_fifo'),
  lvs_notify_fifo_script: fifoScript('lvs_notify_fifo'),
  script_user: scriptUser,
  enable_script_security: (g, n, cx) => {
    cx.noExtra(n, 0);
    g.enable_script_security = true;
  },
};
