/**
 * global_defs (keepalived.conf(5) "Global definitions"; Keepalived core/global_parser.c).
 */
import type { SourcePos } from '../diagnostics.js';
import type { KeywordTable } from '../schema.js';

export interface GlobalDefs {
  pos?: SourcePos;
  router_id?: string;
  notification_email: string[];
  notification_email_from?: string;
  smtp_server?: { address: string; port: number };
  smtp_connect_timeout: number;
}

export function newGlobalDefs(): GlobalDefs {
  return { notification_email: [], smtp_connect_timeout: 30 };
}

export const globalDefsTable: KeywordTable<GlobalDefs> = {
  router_id: (g, n, cx) => {
    g.router_id = cx.str(n);
  },
};
