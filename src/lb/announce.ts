/**
 * Which virtual server addresses this director should announce to the routers (--bgp-table),
 * as a pure decision: the checker child feeds it the pools' quorum, the VRRP states the parent
 * relays and whether it is stopping; os/bgp-routes.ts puts the answer in a kernel routing table
 * that FRR or BIRD exports by BGP.
 *
 * Several directors announcing one address behind ECMP routers each carry a share of its flows
 * (Maglev, NSDI 2016, section 3.1). A director should attract traffic only while it can forward
 * it: an address is announced while at least one virtual server at it has quorum (a sorry server
 * counts as served, as Keepalived keeps such a service in IPVS), unless the VRRP instance holding
 * that address as a virtual_ipaddress is in FAULT, and never while the daemon stops. "At least
 * one": the directors share their pools, so a pool that fails fails on all of them; withdrawing
 * the address everywhere for one dead port would turn that port's outage into every port's.
 */

import { bigIntToIp, ipToBigInt } from '../config/sections/lvs-values.js';
import type { Family } from '../config/values.js';

/** One virtual server as the announcement sees it. */
export interface AnnouncedVs {
  /** Its address; fwmark services have none (left out: a mark names no prefix). */
  readonly ip?: string | undefined;
  /** A virtual_server_group's address entries, each first..last inclusive (one address: first = last). */
  readonly ranges?: readonly AddressRange[];
  readonly quorumUp: boolean;
}

export interface AddressRange {
  readonly from: string;
  readonly to: string;
  readonly family: Family;
}

/** One VRRP instance: its name and the addresses it holds (virtual_ipaddress, excluded ones too). */
export interface AnnouncedInstance {
  readonly name: string;
  readonly addresses: readonly string[];
}

export interface AnnounceInput {
  readonly services: readonly AnnouncedVs[];
  readonly instances: readonly AnnouncedInstance[];
  /** Each instance's state as last reported ('FAULT', 'MASTER', ...); absent: not known (no VRRP child). */
  readonly vrrpStates: Readonly<Record<string, string>>;
  readonly stopping: boolean;
}

/** `ip` as a host prefix: 192.0.2.10/32 or 2001:db8::10/128 (brackets and zone ids dropped, lower case). */
export function hostPrefix(ip: string): string {
  let a = ip.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const slash = a.indexOf('/');
  if (slash >= 0) a = a.slice(0, slash);
  return `${a}/${a.includes(':') ? 128 : 32}`;
}

/** The prefixes to announce, sorted. */
export function wantedPrefixes(input: AnnounceInput): string[] {
  if (input.stopping) return [];
  const faulted = new Set<string>();
  for (const inst of input.instances) {
    if (input.vrrpStates[inst.name] !== 'FAULT') continue;
    for (const a of inst.addresses) faulted.add(hostPrefix(a));
  }
  const out = new Set<string>();
  for (const vs of input.services) {
    if (!vs.quorumUp) continue;
    if (vs.ip !== undefined) {
      const p = hostPrefix(vs.ip);
      if (!faulted.has(p)) out.add(p);
    }
    for (const r of vs.ranges ?? []) for (const p of rangePrefixes(r, faulted)) out.add(p);
  }
  return [...out].sort();
}

/**
 * A group's range as the fewest prefixes that cover it, less the addresses of faulted instances:
 * 10.0.0.100-103 is one /30 route, not four /32s (a full IPv6 last group, 65,536 addresses, is one
 * /112), and at most two prefixes per bit of the address, so a large range stays a few routes.
 */
function rangePrefixes(r: AddressRange, faulted: ReadonlySet<string>): string[] {
  const bits = r.family === 'inet' ? 32 : 128;
  const from = ipToBigInt(r.from, r.family);
  const to = ipToBigInt(r.to, r.family);
  // The faulted addresses inside the range, in order: the range splits around each.
  const holes = [...faulted]
    .filter((p) => p.includes(':') === (r.family === 'inet6'))
    .map((p) => ipToBigInt(p.slice(0, p.indexOf('/')), r.family))
    .filter((a) => a >= from && a <= to)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  let start = from;
  for (const hole of [...holes, to + 1n]) {
    if (hole > start) out.push(...cover(start, hole - 1n, bits, r.family));
    start = hole + 1n;
  }
  return out;
}

/** The aligned blocks covering first..last, largest first at each step. */
function cover(first: bigint, last: bigint, bits: number, family: Family): string[] {
  const out: string[] = [];
  for (let at = first; at <= last; ) {
    let size = 0;
    while (size < bits && (at & ((1n << BigInt(size + 1)) - 1n)) === 0n && at + (1n << BigInt(size + 1)) - 1n <= last) size++;
    out.push(`${bigIntToIp(at, family)}/${bits - size}`);
    at += 1n << BigInt(size);
  }
  return out;
}

/** What to add and what to remove to go from the routes in the table to the wanted ones. */
export function routeChanges(present: Iterable<string>, wanted: Iterable<string>): { add: string[]; remove: string[] } {
  const have = new Set(present);
  const want = new Set(wanted);
  return { add: [...want].filter((p) => !have.has(p)).sort(), remove: [...have].filter((p) => !want.has(p)).sort() };
}

/** --bgp-table's value: a table number 1-252 (FRR's import-table range; 253-255 are default, main, local). */
export function parseBgpTable(v: string | undefined): number | undefined | Error {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 252) return new Error(`bgp table '${v}' is not a routing table number 1-252`);
  return Number(v);
}
