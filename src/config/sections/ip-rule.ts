/**
 * Rule lines of static_rules and virtual_rules: `ip rule add` syntax without abbreviations
 * (keepalived.conf(5) "Static routes/addresses/rules"; Keepalived vrrp_iprule.c alloc_rule();
 * ip-rule(8)).
 *
 * Keepalived 2.2.7 takes `preference`, `priority` and `order` (not `prio`), and `ipproto` (the
 * manual's `ip_proto` is refused). A rule without a preference gets one counted down from 16384
 * per family over the whole configuration, with a warning, as Keepalived does.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';
import {
  findDsfield,
  findRealms,
  findRouteType,
  findTable,
  parseRouteTarget,
  parseUnsigned,
  resolveTarget,
  RTPROT_KEEPALIVED,
  U32_MAX,
  Words,
  type IpPrefix,
  type RouteTarget,
} from './ip-words.js';

export interface PortRange {
  start: number;
  end: number;
}

export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

export interface Rule {
  pos: SourcePos;
  family: Family;
  /** `from all` / `to all` are kept as 0.0.0.0/0 or ::/0. */
  from?: IpPrefix;
  to?: IpPrefix;
  not: boolean;
  /** What the rule does: `table`/`lookup` (or l3mdev), `goto`, `nop`, or a route type. */
  action: RuleAction;
  table?: number;
  goto?: number;
  l3mdev: boolean;
  /** `preference` / `priority` / `order`; assigned by Keepalived when absent. */
  preference: number;
  /** `tos` / `dsfield`. */
  tos?: number;
  fwmark?: number;
  /** Present when fwmark had a `/mask`. */
  fwmask?: number;
  realms?: number;
  suppress_prefixlength?: number;
  suppress_ifgroup?: number;
  /** `iif` / `dev`. */
  iif?: string;
  oif?: string;
  /** Decimal: a u64 does not fit a number. */
  'tunnel-id'?: string;
  uidrange?: PortRange;
  /** Always RTPROT_KEEPALIVED (18) for a tracked rule. */
  protocol: number;
  ipproto?: number;
  sport?: PortRange;
  dport?: PortRange;
  no_track: boolean;
  /** Static rules only. */
  track_group?: string;
}

const RULE_START_PRIORITY = 16384;

/** Per load: the next preference given to a rule that has none, per family. */
const nextPreference = new WeakMap<Cx, Record<Family, number>>();

// /etc/protocols names Keepalived would find with getprotobyname() on a usual host.
const IP_PROTOS: Readonly<Record<string, number>> = {
  ip: 0, icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, pup: 12, udp: 17, idp: 22, tp: 29, dccp: 33, ipv6: 41,
  rsvp: 46, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, mtp: 92, beetph: 94, encap: 98, pim: 103, comp: 108,
  vrrp: 112, l2tp: 115, sctp: 132, udplite: 136, mpls: 137, ethernet: 143,
};

function ipProto(raw: string): number | undefined {
  // Numbers only up to 127 (Keepalived's inet_proto_a2n() compares with INT8_MAX).
  if (/^\d+$/.test(raw)) return Number(raw) <= 127 ? Number(raw) : undefined;
  const key = raw.toLowerCase();
  return Object.prototype.hasOwnProperty.call(IP_PROTOS, key) ? IP_PROTOS[key] : undefined;
}

/** `A-B`; a single number is refused, as Keepalived 2.2.7 does. */
function range(raw: string, max: number): PortRange | undefined {
  const m = /^(\d+)-(\d+)$/.exec(raw);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return start <= max && end <= max ? { start, end } : undefined;
}

/** One line of a rule block; `static` allows track_group. */
export function readRuleLine(node: ConfNode, cx: Cx, kind: 'static' | 'virtual' = 'virtual'): Rule | undefined {
  const w = new Words(node, cx);
  let family: Family | undefined;
  let action: RuleAction | undefined;
  let from: RouteTarget | undefined;
  let to: RouteTarget | undefined;
  let preference: number | undefined;
  let tableOption = false;
  let protocolSet = false;
  let failed = false;
  const r: Omit<Rule, 'family' | 'action' | 'preference' | 'from' | 'to'> = {
    pos: node.pos,
    not: false,
    l3mdev: false,
    protocol: RTPROT_KEEPALIVED,
    no_track: false,
  };
  const fail = (message: string): void => {
    cx.error(node, message);
    failed = true;
  };
  const setFamily = (f: Family | undefined, message: string): boolean => {
    if (f === undefined) return true;
    if (family === undefined) family = f;
    else if (family !== f) {
      fail(message);
      return false;
    }
    return true;
  };
  const setAction = (a: RuleAction, message: string): void => {
    if (action !== undefined) fail(message);
    else action = a;
  };
  const MANY = 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable';

  while (!w.done && !failed) {
    let word = w.next()!;
    switch (word) {
      case 'inet':
      case 'inet6':
        setFamily(word, `${word} specified for ${word === 'inet' ? 'IPv6' : 'IPv4'} rule`);
        break;
      case 'from':
      case 'to': {
        const v = w.take(word);
        if (v === undefined) break;
        const t = parseRouteTarget(cx, node, v);
        if (!t) fail(`Invalid rule ${word} address ${v}`);
        else if (setFamily(t.family, 'rule specification has mixed IPv4 and IPv6')) {
          if (word === 'from') from = t;
          else to = t;
        }
        break;
      }
      case 'table':
      case 'lookup': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findTable(v);
        if (n === undefined) fail(`Routing table ${v} not found for rule`);
        else if (n === 0) fail('Table 0 is not valid');
        else {
          r.table = n;
          setAction('table', `${MANY} for rule`);
        }
        break;
      }
      case 'not':
        r.not = true;
        break;
      case 'preference':
      case 'priority':
      case 'order': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = parseUnsigned(v, U32_MAX, true);
        if (n === undefined) fail(`Invalid rule preference ${v} specified`);
        else preference = n;
        break;
      }
      case 'tos':
      case 'dsfield': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findDsfield(v);
        if (n === undefined) fail(`TOS value ${v} is invalid`);
        else r.tos = n;
        break;
      }
      case 'fwmark': {
        const v = w.take(word);
        if (v === undefined) break;
        // strtoul(..., 0) for each part; Keepalived lets an empty mask (`5/`) through as 0.
        const m = /^([^/]*)(?:\/(.*))?$/.exec(v)!;
        const mark = parseUnsigned(m[1]!, U32_MAX, true);
        const mask = m[2] === undefined ? undefined : m[2] === '' ? 0 : parseUnsigned(m[2], U32_MAX, true);
        if (mark === undefined || (m[2] !== undefined && mask === undefined)) fail(`Invalid rule fwmark ${v} specified`);
        else {
          r.fwmark = mark;
          if (mask !== undefined) r.fwmask = mask;
        }
        break;
      }
      case 'realms': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = findRealms(v);
        if (n === undefined) fail(`invalid realms ${v} for rule`);
        else if (setFamily('inet', 'realms is only valid for IPv4')) {
          r.realms = n;
          tableOption = true;
        }
        break;
      }
      case 'suppress_prefixlength':
      case 'sup_pl': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = parseUnsigned(v, 0x7fffffff);
        if (n === undefined) fail(`Invalid suppress_prefixlength ${v} specified`);
        else {
          r.suppress_prefixlength = n;
          tableOption = true;
        }
        break;
      }
      case 'suppress_ifgroup':
      case 'sup_group': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = v === 'default' ? 0 : parseUnsigned(v, U32_MAX, true);
        if (n === undefined) fail(`suppress_group ${v} is invalid`);
        else {
          r.suppress_ifgroup = n;
          tableOption = true;
        }
        break;
      }
      case 'dev':
      case 'iif':
        r.iif = w.take(word);
        break;
      case 'oif':
        r.oif = w.take(word);
        break;
      case 'tunnel-id': {
        const v = w.take(word);
        if (v === undefined) break;
        if (!/^\d+$/.test(v) || BigInt(v) > 0xffffffffffffffffn) fail(`Invalid tunnel-id ${v} specified`);
        else r['tunnel-id'] = BigInt(v).toString();
        break;
      }
      case 'uidrange': {
        const v = w.take(word);
        if (v === undefined) break;
        const u = range(v, U32_MAX);
        if (!u) fail(`Invalid uidrange ${v} specified`);
        else r.uidrange = u;
        break;
      }
      case 'l3mdev':
        r.l3mdev = true;
        if (action !== undefined) fail('Cannot specify l3mdev with other action');
        else action = 'table';
        break;
      case 'protocol': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = parseUnsigned(v, 255);
        if (n === undefined) cx.warn(node, `Invalid protocol ${v}`);
        else {
          r.protocol = n;
          protocolSet = true;
        }
        break;
      }
      case 'ipproto': {
        const v = w.take(word);
        if (v === undefined) break;
        const n = ipProto(v);
        if (n === undefined) cx.warn(node, `Invalid ipproto ${v}`);
        else r.ipproto = n;
        break;
      }
      case 'sport':
      case 'dport': {
        const v = w.take(word);
        if (v === undefined) break;
        const p = range(v, 65535);
        if (!p) cx.warn(node, `invalid ${word} range ${v}`);
        else r[word] = p;
        break;
      }
      case 'no_track':
        r.no_track = true;
        break;
      default: {
        if (kind === 'static' && word === 'track_group') {
          const g = w.trackGroup(r.track_group);
          if (g !== undefined) r.track_group = g;
          break;
        }
        if (word === 'type') {
          const v = w.take(word);
          if (v === undefined) break;
          word = v;
        }
        let a: RuleAction;
        if (word === 'goto') {
          const v = w.take(word);
          if (v === undefined) break;
          const n = parseUnsigned(v, U32_MAX);
          if (n === undefined) {
            fail(`Invalid target ${v} specified`);
            break;
          }
          r.goto = n;
          a = 'goto';
        } else if (word === 'nop') {
          a = 'nop';
        } else {
          const t = findRouteType(word);
          if (t === undefined) {
            fail(`Unknown rule option ${word}`);
            break;
          }
          // RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT are the only route types a rule takes.
          const byType: Record<number, RuleAction> = { 6: 'blackhole', 7: 'unreachable', 8: 'prohibit' };
          const mapped = byType[t];
          if (mapped === undefined) {
            fail(`Invalid rule action ${word}`);
            break;
          }
          a = mapped;
        }
        setAction(a, `${MANY}/l3mdev for rule`);
      }
    }
  }
  if (failed || w.missing) return undefined;

  if (action === 'goto') {
    if (preference === undefined) {
      cx.error(node, `Invalid rule - goto target ${r.goto} specified without preference`);
      return undefined;
    }
    if (preference >= r.goto!) {
      cx.error(node, `Invalid rule - preference ${preference} >= goto target ${r.goto}`);
      return undefined;
    }
  }
  if (action === undefined) {
    cx.error(node, 'No action specified for rule - ignoring');
    return undefined;
  }
  if (action !== 'table' && tableOption) {
    cx.error(node, 'suppressor/realm specified for non table action - skipping');
    return undefined;
  }
  if (r.table !== undefined && r.l3mdev) {
    cx.error(node, 'table cannot be specified for l3mdev rules');
    return undefined;
  }
  if (!r.no_track) {
    if (protocolSet && r.protocol !== RTPROT_KEEPALIVED) {
      cx.warn(node, `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    }
    r.protocol = RTPROT_KEEPALIVED;
  }
  const fam: Family = family ?? 'inet';
  if (preference === undefined) {
    let counters = nextPreference.get(cx);
    if (!counters) nextPreference.set(cx, (counters = { inet: RULE_START_PRIORITY, inet6: RULE_START_PRIORITY }));
    preference = counters[fam]--;
    cx.warn(node, `Rule has no preference specified - setting to ${preference}. This is probably not what you want.`);
  }
  return {
    ...r,
    family: fam,
    action,
    preference,
    ...(from ? { from: resolveTarget(from, fam) } : {}),
    ...(to ? { to: resolveTarget(to, fam) } : {}),
  };
}
