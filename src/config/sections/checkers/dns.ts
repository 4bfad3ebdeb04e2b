/**
 * DNS_CHECK: a DNS query over UDP gets an answer (Keepalived check_dns.c). retry defaults to 3 and
 * delay_before_retry to the checker's delay_loop.
 */
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { connectingTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

export interface DnsCheck extends CheckerTiming, Connection {
  checker: 'DNS_CHECK';
  /** Query type, default SOA (upper case). */
  type: DnsType;
  /** Query name, default '.'. */
  name: string;
}

/** delay_before_retry 0 means "the checker's delay_loop". */
export const dnsDefaults: CheckerDefaults = { retry: 3, delay_before_retry: 0 };

type DnsDraft = Unresolved<DnsCheck>;

const dnsTable: KeywordTable<DnsDraft> = {
  ...connectingTable,
  type: (c, n, cx) => {
    const raw = cx.str(n);
    if (raw === undefined) return;
    const t = DNS_TYPES.find((x) => x === raw.toUpperCase());
    if (!t) return cx.error(n, `Unknown DNS check type ${raw} - ignoring`);
    c.type = t;
  },
  name: (c, n, cx) => {
    const name = cx.str(n);
    if (name === undefined) return;
    if (c.name !== undefined) return cx.error(n, 'DNS_CHECK name already specified - ignoring');
    // No empty label: '.' alone is the root; '.x' and 'a..b' are not names.
    if ((name.startsWith('.') && name !== '.') || name.includes('..')) {
      return cx.error(n, `DNS_CHECK name '${name}' has empty label - ignoring`);
    }
    c.name = name;
  },
};

export function readDnsCheck(node: ConfNode, cx: Cx): DnsCheck {
  const c: DnsDraft = { checker: 'DNS_CHECK', pos: node.pos, type: 'SOA' };
  cx.apply(c, node.block, dnsTable);
  c.name ??= '.';
  return c as DnsCheck;
}
