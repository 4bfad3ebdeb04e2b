/**
 * The root `SSL { }` block: the client context for SSL_GET checkers (keepalived.conf(5) "SSL"
 * under LVS CONFIGURATION; Keepalived check_parser.c ssl handlers). Without it Keepalived makes a
 * default context when an SSL_GET needs one.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface SslConfig {
  pos: SourcePos;
  password?: string;
  /** CA file. */
  ca?: string;
  /** Certificate file. */
  certificate?: string;
  /** Key file. */
  key?: string;
}

function file(key: 'password' | 'ca' | 'certificate' | 'key', what: string) {
  return (s: SslConfig, n: ConfNode, cx: Cx) => {
    if (n.args[0] === undefined) return cx.error(n, `SSL ${what} missing`);
    s[key] = n.args[0];
  };
}

export const sslTable: KeywordTable<SslConfig> = {
  password: file('password', 'password'),
  ca: file('ca', 'cafile'),
  certificate: file('certificate', 'certfile'),
  key: file('key', 'keyfile'),
};

/** A second SSL block replaces the first, as in Keepalived. */
export function readSsl(node: ConfNode, cx: Cx, previous: SslConfig | undefined): SslConfig {
  if (previous) cx.error(node, 'SSL context already specified - replacing');
  const s: SslConfig = { pos: node.pos };
  cx.apply(s, node.block, sslTable);
  return s;
}
