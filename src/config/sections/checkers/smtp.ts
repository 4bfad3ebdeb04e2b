/**
 * SMTP_CHECK: connect, read the 220 banner, HELO, QUIT (Keepalived check_smtp.c).
 *
 * The deprecated `host { }` sub-blocks are expanded here as Keepalived does: each host becomes one
 * more SMTP_CHECK with the same timing and HELO name and the host's own connection options; when
 * the checker itself sets no connection option, it takes the first host's.
 */
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { connectingTable, connectionTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

export interface SmtpCheck extends CheckerTiming, Connection {
  checker: 'SMTP_CHECK';
  /** Default smtpchecker.keepalived.org (SMTP_DEFAULT_HELO). */
  helo_name: string;
}

export const smtpDefaults: CheckerDefaults = { retry: 1, delay_before_retry: 1 };
export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

type SmtpDraft = Unresolved<SmtpCheck> & { host: Unresolved<SmtpCheck>[] };

const CONNECTION_KEYS = ['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'connect_timeout', 'fwmark'] as const;

const smtpTable: KeywordTable<SmtpDraft> = {
  ...connectingTable,
  helo_name: (c, n, cx) => {
    const v = n.args[0];
    if (v === undefined) return cx.error(n, 'SMTP_CHECK helo name missing');
    if (c.helo_name !== undefined) cx.error(n, 'SMTP_CHECK helo name already specified');
    c.helo_name = v;
  },
  host: {
    block: 'required',
    run: (c, n, cx) => {
      const h: Unresolved<SmtpCheck> = { pos: n.pos };
      cx.apply(h, n.block, connectionTable);
      c.host.push(h);
    },
  },
};

/** Returns the checker and, for `host` blocks, the extra checkers they stand for. */
export function readSmtpCheck(node: ConfNode, cx: Cx): SmtpCheck[] {
  const c: SmtpDraft = { checker: 'SMTP_CHECK', pos: node.pos, host: [] };
  cx.apply(c, node.block, smtpTable);
  const { host, ...main } = c;
  main.helo_name ??= SMTP_DEFAULT_HELO;
  if (host.length === 0) return [main as SmtpCheck];
  // A note: Keepalived 2.2.7 reads host blocks silently; newer versions deprecate them.
  cx.note(host[0]!.pos!, 'The SMTP_CHECK host block is deprecated. Please define additional checkers.');
  const timing: Unresolved<SmtpCheck> = { ...main };
  for (const k of CONNECTION_KEYS) delete timing[k];
  const fromHost = (h: Unresolved<SmtpCheck>) => ({ ...timing, ...h }) as SmtpCheck;
  const mainHasConnection = CONNECTION_KEYS.some((k) => main[k] !== undefined);
  return mainHasConnection ? [main as SmtpCheck, ...host.map(fromHost)] : host.map(fromHost);
}
