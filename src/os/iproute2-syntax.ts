/**
 * The model's addresses, routes and rules as iproute2 command lines (ip-address(8), ip-route(8),
 * ip-rule(8)), for `ip -batch`. Pure: no processes, no host lookups; net-config.ts runs them.
 *
 * What Keepalived sends over netlink, said in iproute2's words (vrrp_ipaddress.c
 * netlink_ipaddress(), vrrp_iproute.c netlink_route(), vrrp_iprule.c netlink_rule()):
 * - An address without `dev` goes on the instance's interface (the caller's `defaultDev`).
 * - IPv6 addresses are added `nodad` unless the line said `-nodad` (the model's `nodad: true`
 *   records that keyword, i.e. "do DAD"); `preferred_lft` is sent for IPv6 only.
 * - Routes are added without NLM_F_EXCL by default, which is `ip route prepend`; `add` and
 *   `append` keep their iproute2 meaning. Routes and rules carry their protocol (18,
 *   keepalived, for tracked ones), also on delete, so that a delete only takes our own entry.
 * - Routes get `scope global` unless a scope is given (Keepalived sets RT_SCOPE_UNIVERSE, where
 *   plain `ip route add` would pick `link` for a route without a gateway). On delete the scope is
 *   left out (RT_SCOPE_NOWHERE: any), as Keepalived does.
 */
import type { IpAddress, Route, Rule } from '../config/model.js';
import type { Nexthop, RouteEncap } from '../config/sections/ip-route-types.js';
import type { IpPrefix } from '../config/sections/ip-words.js';
import type { DeepReadonly } from '../config/schema.js';

export type Op = 'add' | 'del';

type Addr = DeepReadonly<IpAddress>;
type R = DeepReadonly<Route>;
type Ru = DeepReadonly<Rule>;

const SCOPE_NAMES: Readonly<Record<number, string>> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
const PREF_NAMES: Readonly<Record<number, string>> = { 3: 'low', 0: 'medium', 1: 'high' };
// ip_tunnel flags (linux/if_tunnel.h TUNNEL_*) that iproute2 takes as words after `encap ip`.
const TUNNEL_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'csum'],
  [0x04, 'key'],
  [0x08, 'seq'],
];

const scope = (n: number) => SCOPE_NAMES[n] ?? String(n);
const prefix = (p: DeepReadonly<IpPrefix>) => `${p.address}/${p.prefixlen}`;
const hex = (n: number) => `0x${n.toString(16)}`;
/** iproute2 writes realms as FROM/TO, packed by the model as from << 16 | to. */
const realms = (n: number) => (n >= 0x10000 ? `${Math.floor(n / 0x10000)}/${n % 0x10000}` : String(n));

/** `addr add|del A/L dev D ...`: the whole address on add, only what identifies it on delete. */
export function addressArgs(a: Addr, defaultDev: string, op: Op): string[] {
  const dev = a.dev ?? defaultDev;
  const out = ['addr', op];
  if (a.peer !== undefined) out.push('local', a.address, 'peer', `${a.peer}/${a.prefixlen}`);
  else out.push(`${a.address}/${a.prefixlen}`);
  out.push('dev', dev);
  if (op === 'del') return out;
  if (a.family === 'inet') {
    if (a.broadcast !== undefined) out.push('brd', a.broadcast);
    if (a.label !== undefined) out.push('label', a.label);
  }
  if (a.scope !== 0) out.push('scope', scope(a.scope));
  if (a.home) out.push('home');
  if (a.family === 'inet6' && !a.nodad) out.push('nodad');
  if (a.mngtmpaddr) out.push('mngtmpaddr');
  if (a.noprefixroute) out.push('noprefixroute');
  if (a.autojoin) out.push('autojoin');
  // RFC 3484: a preferred_lft of 0 deprecates the VIP so it is not picked as a source address.
  if (a.family === 'inet6' && a.preferred_lft !== 'forever') out.push('preferred_lft', String(a.preferred_lft), 'valid_lft', 'forever');
  return out;
}

/**
 * `encap ...` is placed where a word that is not one of its own follows (`proto` in a route, `via`
 * in a nexthop): iproute2 6.1 fails on `encap mpls L` at the end of a line ("unexpected end of
 * line after encap"), and `encap ip` would take a following route `tos`/`src` as its own.
 */
function encapArgs(e: DeepReadonly<RouteEncap>): string[] {
  if (e.type === 'mpls') return ['encap', 'mpls', e.labels.join('/')];
  const out = ['encap', e.type];
  if (e.id !== undefined) out.push('id', e.id);
  if (e.dst !== undefined) out.push('dst', e.dst);
  if (e.src !== undefined) out.push('src', e.src);
  if (e.tos !== undefined) out.push(e.type === 'ip' ? 'tos' : 'tc', hex(e.tos));
  if (e.ttl !== undefined) out.push(e.type === 'ip' ? 'ttl' : 'hoplimit', String(e.ttl));
  for (const [bit, word] of TUNNEL_FLAGS) if (e.flags !== undefined && e.flags & bit) out.push(word);
  return out;
}

function nexthopArgs(nh: DeepReadonly<Nexthop>): string[] {
  const out = ['nexthop'];
  if (nh.encap) out.push(...encapArgs(nh.encap));
  if (nh.via !== undefined) out.push('via', nh.via);
  if (nh.dev !== undefined) out.push('dev', nh.dev);
  if (nh.weight !== undefined) out.push('weight', String(nh.weight));
  if (nh.onlink) out.push('onlink');
  if (nh.realms !== undefined) out.push('realms', realms(nh.realms));
  return out;
}

/** Route metrics (RTA_METRICS): they set a route up but take no part in finding it to delete. */
function metricArgs(r: R): string[] {
  const out: string[] = [];
  const num = (k: string, v: number | undefined) => {
    if (v === undefined) return;
    out.push(k);
    if ((r.lock as readonly string[]).includes(k)) out.push('lock');
    out.push(String(v));
  };
  // iproute2 reads these times with a unit; the model keeps seconds.
  const time = (k: 'rtt' | 'rttvar' | 'rto_min', v: number | undefined) =>
    v !== undefined && out.push(k, ...(r.lock.includes(k) ? ['lock'] : []), `${+(v * 1000).toFixed(3)}ms`);
  num('mtu', r.mtu);
  num('hoplimit', r.hoplimit);
  num('advmss', r.advmss);
  time('rtt', r.rtt);
  time('rttvar', r.rttvar);
  time('rto_min', r.rto_min);
  num('reordering', r.reordering);
  num('window', r.window);
  num('cwnd', r.cwnd);
  num('ssthresh', r.ssthresh);
  num('initcwnd', r.initcwnd);
  num('initrwnd', r.initrwnd);
  if (r.features.length > 0) out.push('features', ...r.features);
  num('quickack', r.quickack);
  if (r.congctl !== undefined) out.push('congctl', ...(r.lock.includes('congctl') ? ['lock'] : []), r.congctl);
  if (r.fastopen_no_cookie !== undefined) out.push('fastopen_no_cookie', r.fastopen_no_cookie ? '1' : '0');
  if (r.expires !== undefined) out.push('expires', String(r.expires));
  if (r.pref !== undefined) out.push('pref', PREF_NAMES[r.pref] ?? String(r.pref));
  if (r['ttl-propagate'] !== undefined) out.push('ttl-propagate', r['ttl-propagate'] ? 'enabled' : 'disabled');
  return out;
}

/**
 * `route prepend|add|append|del [TYPE] PREFIX ...`. A route without `dev` has none: the kernel
 * finds the interface from the gateway, as with Keepalived (routes take no default interface).
 */
export function routeArgs(r: R, op: Op): string[] {
  const out = ['route', op === 'del' ? 'del' : r.install];
  if (r.type !== 'unicast') out.push(r.type);
  out.push(prefix(r.to));
  if (r.from) out.push('from', prefix(r.from));
  if (r.tos !== undefined) out.push('tos', hex(r.tos));
  if (r.vrf !== undefined) out.push('vrf', r.vrf);
  else out.push('table', String(r.table));
  if (r.encap) out.push(...encapArgs(r.encap));
  out.push('proto', String(r.protocol));
  if (op === 'add') out.push('scope', scope(r.scope));
  if (r.metric !== undefined) out.push('metric', String(r.metric));
  if (r.via !== undefined) out.push('via', r.via);
  if (r.dev !== undefined) out.push('dev', r.dev);
  if (r.src !== undefined) out.push('src', r.src);
  if (r.onlink) out.push('onlink');
  if (r.realms !== undefined) out.push('realms', realms(r.realms));
  if (op === 'add') out.push(...metricArgs(r));
  for (const nh of r.nexthop) out.push(...nexthopArgs(nh));
  return out;
}

/** `rule add|del ...`; the family is not in the line (net-config.ts runs `ip -4`/`ip -6`). */
export function ruleArgs(r: Ru, op: Op): string[] {
  const out = ['rule', op];
  if (r.not) out.push('not');
  if (r.from) out.push('from', r.from.prefixlen === 0 ? 'all' : prefix(r.from));
  if (r.to) out.push('to', r.to.prefixlen === 0 ? 'all' : prefix(r.to));
  if (r.tos !== undefined) out.push('tos', hex(r.tos));
  if (r.fwmark !== undefined) out.push('fwmark', r.fwmask !== undefined ? `${hex(r.fwmark)}/${hex(r.fwmask)}` : hex(r.fwmark));
  if (r.iif !== undefined) out.push('iif', r.iif);
  if (r.oif !== undefined) out.push('oif', r.oif);
  // Keepalived's `tunnel-id` is iproute2's `tun_id`.
  if (r['tunnel-id'] !== undefined) out.push('tun_id', r['tunnel-id']);
  if (r.uidrange) out.push('uidrange', `${r.uidrange.start}-${r.uidrange.end}`);
  if (r.ipproto !== undefined) out.push('ipproto', String(r.ipproto));
  if (r.sport) out.push('sport', `${r.sport.start}-${r.sport.end}`);
  if (r.dport) out.push('dport', `${r.dport.start}-${r.dport.end}`);
  out.push('pref', String(r.preference));
  out.push('protocol', String(r.protocol));
  if (r.l3mdev) out.push('l3mdev');
  else if (r.action === 'table') out.push('table', String(r.table));
  else if (r.action === 'goto') out.push('goto', String(r.goto));
  else out.push(r.action);
  if (r.realms !== undefined) out.push('realms', realms(r.realms));
  if (r.suppress_prefixlength !== undefined) out.push('suppress_prefixlength', String(r.suppress_prefixlength));
  if (r.suppress_ifgroup !== undefined) out.push('suppress_ifgroup', String(r.suppress_ifgroup));
  return out;
}

/**
 * One line of `ip -batch` input. iproute2 splits batch lines on blanks, honours double quotes
 * and backslashes, and takes a word starting with `#` as a comment, so such words are quoted.
 */
export function batchLine(args: readonly string[]): string {
  // A line break would end the command early and start another one: never let one through.
  const bad = args.find((w) => /[\n\r\0]/.test(w));
  if (bad !== undefined) throw new Error(`iproute2 word with a line break or NUL: ${JSON.stringify(bad)}`);
  return args.map((w) => (/^[\w.:/@+,-]+$/.test(w) ? w : `"${w.replace(/[\\"]/g, '\\$&')}"`)).join(' ');
}
