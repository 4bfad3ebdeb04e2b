/**
 * Value readers shared by the LVS sections (virtual_server, real_server, sorry_server, checkers):
 * server addresses, forwarding methods, Keepalived's limits and its <BOOL> flags.
 *
 * Keepalived check_parser.c / check_data.c / utils.c inet_stosockaddr(): messages keep its wording.
 */
import { isIPv4, isIPv6 } from '../../base/ip-syntax.js';
import { parseBool, parseInteger, type Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';

export const UINT_MAX = 4294967295;
/** IPVS_WEIGHT_LIMIT */
export const INT_MAX = 2147483647;
/** Keepalived's TIMER_MAXIMUM (ULONG_MAX microseconds), in whole seconds. */
export const TIMER_MAX = 18446744073709;
/** One microsecond: the smallest non-zero timer (TIMER_HZ resolution). */
export const US = 0.000001;

/**
 * A <BOOL> keyword (no argument means true), with Keepalived's per-keyword message
 * ("Invalid alpha parameter x").
 */
export function readFlag(cx: Cx, node: ConfNode, what: string = node.keyword): boolean | undefined {
  const raw = node.args[0];
  if (raw === undefined) return true;
  const v = parseBool(raw);
  if (v === undefined) cx.error(node, `Invalid ${what} parameter ${raw}`);
  return v;
}


export interface ServerAddress {
  ip: string;
  /** 0 when no port was given (Keepalived treats "0", "00"... as no port). */
  port: number;
  family: Family;
}

/**
 * `IP [PORT]` as inet_stosockaddr() reads it: the family is IPv6 when the text has a ':'; anything
 * from a '-' or '/' on is cut off (ranges and masks are virtual_server_group syntax). Returns
 * undefined when the address or port is bad; the caller words the message.
 */
export function parseServerAddress(ipRaw: string, portRaw: string | undefined): ServerAddress | undefined {
  let port = 0;
  if (portRaw !== undefined && !/^0*$/.test(portRaw)) {
    const n = parseInteger(portRaw);
    if (n === undefined || n < 1 || n > 65535) return undefined;
    port = n;
  }
  const cut = ipRaw.search(/[-/]/);
  const ip = cut < 0 ? ipRaw : ipRaw.slice(0, cut);
  const family: Family = ipRaw.includes(':') ? 'inet6' : 'inet';
  if (family === 'inet' ? !isIPv4(ip) : !isIPv6(ip)) return undefined;
  return { ip, port, family };
}

export type LvsMethod = 'NAT' | 'DR' | 'TUN';

/** Tunnel options of `lvs_method TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
export interface Tunnel {
  type: 'ipip' | 'gue' | 'gre';
  /** gue only (required there). */
  port?: number;
  checksum: 'nocsum' | 'csum' | 'remcsum';
}

export interface Forwarding {
  lvs_method: LvsMethod;
  /** Present when lvs_method is TUN. */
  tunnel?: Tunnel;
}

const DEFAULT_TUNNEL: Tunnel = { type: 'ipip', checksum: 'nocsum' };

/**
 * lb_kind / lvs_method / sorry_server_lvs_method (svr_forwarding_handler()). As Keepalived, a bad
 * tunnel option still leaves the method set, keeping the previous tunnel settings.
 */
export function readForwarding(cx: Cx, node: ConfNode, server: 'virtual' | 'real' | 'sorry', prev: Forwarding | undefined): Forwarding | undefined {
  const method = cx.str(node);
  if (method === undefined) return undefined;
  if (method !== 'NAT' && method !== 'DR' && method !== 'TUN') {
    cx.error(node, `PARSER : unknown [${method}] routing method for ${server} server.`);
    return undefined;
  }
  const keep = (): Forwarding => (method === 'TUN' ? { lvs_method: method, tunnel: prev?.tunnel ?? { ...DEFAULT_TUNNEL } } : { lvs_method: method });
  let type: Tunnel['type'] = 'ipip';
  let port = 0;
  let checksum: Tunnel['checksum'] = 'nocsum';
  const args = node.args;
  for (let i = 1; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'type') {
      const t = args[i + 1];
      if (t === undefined) {
        cx.error(node, `Missing tunnel type for ${server} server.`);
        return keep();
      }
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') {
        cx.error(node, `Unknown tunnel type ${t} for ${server} server.`);
        return keep();
      }
      type = t;
      i++;
    } else if (w === 'port') {
      const p = args[i + 1];
      if (p === undefined) {
        cx.error(node, `Missing port for ${server} server gue tunnel.`);
        return keep();
      }
      const n = parseInteger(p);
      if (n === undefined || n < 1 || n > 65535) {
        cx.error(node, `Invalid gue tunnel port ${p} for ${server} server.`);
        return keep();
      }
      port = n;
      i++;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') {
      checksum = w;
    } else {
      cx.error(node, `Invalid tunnel option ${w} for ${server} server.`);
      return keep();
    }
  }
  if ((type === 'gue') !== (port !== 0)) {
    cx.error(node, 'gue tunnels require port, otherwise cannot have port.');
    return keep();
  }
  if (type === 'ipip' && checksum !== 'nocsum') {
    cx.error(node, 'ipip tunnels do not support checksum option.');
    return keep();
  }
  if (type === 'gre' && checksum === 'remcsum') {
    cx.error(node, 'gre tunnels do not support remote checksum option.');
    return keep();
  }
  if (method !== 'TUN') return { lvs_method: method };
  return { lvs_method: method, tunnel: { type, ...(port ? { port } : {}), checksum } };
}

/** IPv4/IPv6 text <-> integer, for virtual_server_group ranges. */
export function ipToBigInt(ip: string, family: Family): bigint {
  if (family === 'inet') return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail] = ip.split('::');
  let groups = head ? head.split(':') : [];
  let tailGroups = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const fix = (g: string[]) =>
    g.flatMap((x) => {
      if (!x.includes('.')) return [x];
      const v = Number(ipToBigInt(x, 'inet'));
      return [(v >>> 16).toString(16), (v & 0xffff).toString(16)];
    });
  groups = fix(groups);
  tailGroups = fix(tailGroups);
  const fill = tail === undefined ? [] : Array<string>(8 - groups.length - tailGroups.length).fill('0');
  return [...groups, ...fill, ...tailGroups].reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function bigIntToIp(n: bigint, family: Family): string {
  if (family === 'inet') return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
