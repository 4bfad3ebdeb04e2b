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

/** One virtual server as the announcement sees it. */
export interface AnnouncedVs {
  /** Its address; fwmark and group services have none (left out: they name no single prefix). */
  readonly ip?: string | undefined;
  readonly quorumUp: boolean;
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
    if (vs.ip === undefined || !vs.quorumUp) continue;
    const p = hostPrefix(vs.ip);
    if (!faulted.has(p)) out.add(p);
  }
  return [...out].sort();
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
