/**
 * UDP_CHECK: send a datagram; ICMP errors mean down; optionally a reply is required and compared
 * (Keepalived check_udp.c, read_hex_str() in utils.c).
 */
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { connectingTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

export interface UdpCheck extends CheckerTiming, Connection {
  checker: 'UDP_CHECK';
  /** Bytes to send as lower-case hex (two digits a byte); absent: a random payload. */
  payload?: string;
  require_reply: boolean;
  /** Expected reply prefix as hex, two digits a byte; 'x' marks a nibble that is not compared. */
  require_reply_data?: string;
  min_reply_length: number;
  max_reply_length: number;
}

export const udpDefaults: CheckerDefaults = { retry: 1, delay_before_retry: 1 };

/**
 * read_hex_str(): blank-separated groups of hex digits, each pair one byte and a lone trailing
 * digit a byte of its own ("Ab12f 3" -> ab 12 0f 03). With `wildcards`, x/X is an ignored nibble.
 */
export function parseHexString(text: string, wildcards: boolean): string | undefined {
  const digit = wildcards ? /^[0-9a-fA-FxX]$/ : /^[0-9a-fA-F]$/;
  let out = '';
  for (const word of text.split(/[ \t]+/).filter(Boolean)) {
    for (let i = 0; i < word.length; i += 2) {
      const a = word[i]!;
      const b = word[i + 1];
      if (!digit.test(a) || (b !== undefined && !digit.test(b))) return undefined;
      out += (b === undefined ? `0${a}` : a + b).toLowerCase();
    }
  }
  return out.length ? out : undefined;
}

type UdpDraft = Unresolved<UdpCheck>;

const udpTable: KeywordTable<UdpDraft> = {
  ...connectingTable,
  payload: (c, n, cx) => {
    if (n.args.length === 0) return cx.error(n, 'UDP_CHECK payload requires a payload');
    const hex = parseHexString(n.args.join(' '), false);
    if (hex === undefined) return cx.error(n, 'Invalid hex string for UDP_CHECK payload');
    c.payload = hex;
  },
  require_reply: (c, n, cx) => {
    c.require_reply = true;
    if (n.args.length === 0) return;
    const hex = parseHexString(n.args.join(' '), true);
    if (hex === undefined) return cx.error(n, 'Invalid hex string for UDP_CHECK reply');
    c.require_reply_data = hex;
  },
  min_reply_length: (c, n, cx) => {
    const v = cx.int(n, 0, 65535);
    if (v !== undefined) c.min_reply_length = v;
  },
  max_reply_length: (c, n, cx) => {
    const v = cx.int(n, 0, 65535);
    if (v !== undefined) c.max_reply_length = v;
  },
};

export function readUdpCheck(node: ConfNode, cx: Cx): UdpCheck {
  const c: UdpDraft = { checker: 'UDP_CHECK', pos: node.pos, require_reply: false, min_reply_length: 0, max_reply_length: 255 };
  cx.apply(c, node.block, udpTable);
  if (c.min_reply_length! > c.max_reply_length!) {
    cx.error(node.end ?? node, `UDP_CHECK min_reply length ${c.min_reply_length} > max_reply_length ${c.max_reply_length} - will always fail`);
  }
  return c as UdpCheck;
}
