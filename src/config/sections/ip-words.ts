/**
 * Words shared by the address, route and rule lines: addresses as Keepalived's parse_ipaddress()
 * reads them, the route destinations `default`/`any`/`all`, unsigned numbers, and the names of
 * iproute2's rt_tables/rt_protos/rt_scopes/rt_realms/rt_dsfield.
 *
 * Names come from iproute2's built-in defaults only (what Keepalived's rttables.c falls back to
 * when /etc/iproute2 has no files): the model is pure and never reads the host. Numbers always work.
 */
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';

export interface IpPrefix {
  readonly address: string;
  readonly prefixlen: number;
  readonly family: Family;
}

/**
 * The words of one line, read left to right. `take()` returns the parameter after the keyword
 * just read, or undefined after reporting it missing: Keepalived stops loading at a missing
 * parameter; we drop the line instead and go on.
 */
export class Words {
  readonly words: readonly string[];
  i = 0;
  missing = false;

  constructor(
    readonly node: ConfNode,
    readonly cx: Cx,
    /** The message for a missing parameter; Keepalived words it differently for addresses. */
    readonly missingMessage = (keyword: string, first: string) =>
      `Configuration line starting '${first}' is missing a parameter after keyword '${keyword}'`,
  ) {
    this.words = [node.keyword, ...node.args];
  }

  get done(): boolean {
    return this.i >= this.words.length || this.missing;
  }

  peek(offset = 0): string | undefined {
    return this.words[this.i + offset];
  }

  next(): string | undefined {
    return this.words[this.i++];
  }

  /**
   * `track_group NAME` on a static address, route or rule line: the name, or undefined when it is
   * missing or a duplicate (Keepalived then stops reading the line).
   */
  trackGroup(current: string | undefined): string | undefined {
    const v = this.take('track_group');
    if (v === undefined) return current;
    if (current !== undefined) {
      this.cx.warn(this.node, `track_group ${v} is a duplicate`);
      this.i = this.words.length;
      return current;
    }
    return v;
  }

  take(keyword: string): string | undefined {
    const v = this.words[this.i++];
    if (v === undefined && !this.missing) {
      this.missing = true;
      this.cx.error(this.node, this.missingMessage(keyword, this.words[0]!));
    }
    return v;
  }
}

/**
 * Keepalived's parse_ipaddress(): the family is IPv6 when the word has a ':', a `/len` is read
 * where allowed (out of range: warning, host length used), and the address must then parse.
 */
export function parseIp(cx: Cx, node: ConfNode, raw: string, allowPrefix: boolean): (IpPrefix & { hasPrefix: boolean }) | undefined {
  const family: Family = raw.includes(':') ? 'inet6' : 'inet';
  const max = family === 'inet6' ? 128 : 32;
  let prefixlen = max;
  let address = raw;
  const slash = allowPrefix ? raw.indexOf('/') : -1;
  if (slash >= 0) {
    address = raw.slice(0, slash);
    const len = raw.slice(slash + 1);
    const n = parseUnsigned(len, max);
    if (n === undefined) cx.warn(node, `Invalid address prefix len ${len} for address ${raw} - using ${max}`);
    else prefixlen = n;
  }
  if (!isAddress(address, family)) {
    cx.error(node, `VRRP parsed invalid IP ${raw}. skipping IP...`);
    return undefined;
  }
  return { address: canonical(address, family), prefixlen, family, hasPrefix: slash >= 0 };
}

/** A route or rule destination: an address, or `default`/`any`/`all` (family decided later). */
export type RouteTarget = IpPrefix | { readonly any: true; readonly family?: Family };

export function parseRouteTarget(cx: Cx, node: ConfNode, raw: string): RouteTarget | undefined {
  if (raw === 'default' || raw === 'any' || raw === 'all') return { any: true };
  // Kept by Keepalived for configurations from v2.0.7 and earlier.
  if (raw === 'default6') {
    // A note: Keepalived 2.2.7 takes it silently.
    cx.note(node, "'default6' is deprecated - please replace with 'inet6 default'");
    return { any: true, family: 'inet6' };
  }
  return parseIp(cx, node, raw, true);
}

/** Resolves `default` to 0.0.0.0/0 or ::/0 once the line's family is known. */
export function resolveTarget(t: RouteTarget, family: Family): IpPrefix {
  if ('any' in t) return { address: family === 'inet6' ? '::' : '0.0.0.0', prefixlen: 0, family };
  return { address: t.address, prefixlen: t.prefixlen, family: t.family };
}

function isAddress(a: string, family: Family): boolean {
  if (family === 'inet') return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(a);
  try {
    return new URL(`http://[${a}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** IPv6 in its compressed form (as `ip` prints it), so that equal addresses compare equal. */
function canonical(a: string, family: Family): string {
  if (family === 'inet') return a;
  return new URL(`http://[${a}]/`).hostname.slice(1, -1);
}

/** An unsigned decimal (or, with `base0`, 0x hex / 0 octal as strtoul(..., 0)) in [0, max]. */
export function parseUnsigned(raw: string, max: number, base0 = false): number | undefined {
  let n: number;
  if (/^\d+$/.test(raw) && !(base0 && /^0\d/.test(raw))) n = Number(raw);
  else if (base0 && /^0x[0-9a-f]+$/i.test(raw)) n = parseInt(raw.slice(2), 16);
  else if (base0 && /^0[0-7]+$/.test(raw)) n = parseInt(raw, 8);
  else return undefined;
  return n <= max ? n : undefined;
}

export const U32_MAX = 0xffffffff;

// iproute2's built-in names (lib/rt_names.c), which Keepalived's rttables.c falls back to.
export const RT_TABLES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
export const RT_SCOPES: Readonly<Record<string, number>> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
export const RT_PROTOS: Readonly<Record<string, number>> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, bgp: 186, isis: 187, ospf: 188,
  rip: 189, eigrp: 192,
};
/** rtm_type (linux/rtnetlink.h RTN_*). */
export const RT_TYPES: Readonly<Record<string, number>> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8,
  throw: 9, nat: 10, xresolve: 11,
};
export const RT_REALMS: Readonly<Record<string, number>> = { unknown: 0 };
/** Keepalived's own route/rule protocol: what it tracks as its own. */
export const RTPROT_KEEPALIVED = 18;

function lookup(names: Readonly<Record<string, number>>, raw: string, max: number): number | undefined {
  if (Object.prototype.hasOwnProperty.call(names, raw)) return names[raw];
  return parseUnsigned(raw, max, true);
}

export const findTable = (raw: string) => lookup(RT_TABLES, raw, U32_MAX);
export const findScope = (raw: string) => lookup(RT_SCOPES, raw, 255);
export const findProto = (raw: string) => lookup(RT_PROTOS, raw, 255);
export const findRealm = (raw: string) => lookup(RT_REALMS, raw, 0xffff);

/** A route type by name, or number 0..255 (both valid for find_rttables_rtntype()). */
export function findRouteType(raw: string): number | undefined {
  return lookup(RT_TYPES, raw, 255);
}

export function routeTypeName(n: number): string {
  return Object.keys(RT_TYPES).find((k) => RT_TYPES[k] === n) ?? String(n);
}

/** iproute2 reads a dsfield in hex, with or without 0x. */
export function findDsfield(raw: string): number | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(raw);
  return m ? parseInt(m[1]!, 16) : undefined;
}

/** `REALM` or `FROM/TO` realms packed as the kernel wants them (from << 16 | to). */
export function findRealms(raw: string): number | undefined {
  const slash = raw.indexOf('/');
  if (slash < 0) return findRealm(raw);
  const a = findRealm(raw.slice(0, slash));
  const b = findRealm(raw.slice(slash + 1));
  return a === undefined || b === undefined ? undefined : a * 0x10000 + b;
}
