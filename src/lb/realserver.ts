/**
 * The DR real server's side, as the seeds' hand-written scripts (and the usual lvs realserver
 * scripts) set it up: each VIP on lo as a host address (/32, IPv6 /128), so the server accepts
 * packets the director forwarded to it unchanged, and ARP kept quiet about it:
 * net.ipv4.conf.{all,lo}.arp_ignore=1 (answer only for addresses on the asking interface) and
 * arp_announce=2 (never source ARP from the VIP). Pure planning: given what is in place and what
 * an earlier start recorded, which changes to make; the os/ edge (os/realserver.ts) reads the
 * host and applies them. Running start twice plans nothing the second time; stop undoes exactly
 * what start recorded (the addresses it added, the sysctl values it replaced) and nothing else.
 */
import { addressBytes, familyOf, readAddress } from '../base/addr.js';

export interface RealserverHostState {
  /** The device's addresses as `addr/prefix`. */
  readonly addresses: readonly string[];
  /** Sysctl values by key in slash form (`net/ipv4/conf/all/arp_ignore`). */
  readonly sysctls: Readonly<Record<string, string>>;
}

/** What start changed, kept in the state file for stop. */
export interface RealserverRecord {
  readonly dev: string;
  /** Addresses start added, `addr/prefix`. */
  readonly added: readonly string[];
  /** The value each sysctl had before start set it. */
  readonly previous: Readonly<Record<string, string>>;
}

export type RealserverStep =
  | { readonly kind: 'addr-add'; readonly address: string; readonly dev: string }
  | { readonly kind: 'addr-del'; readonly address: string; readonly dev: string }
  | { readonly kind: 'sysctl'; readonly key: string; readonly value: string };

export interface RealserverPlan {
  readonly steps: readonly RealserverStep[];
  /** The record after the steps; undefined when nothing stays recorded (stop: remove the file). */
  readonly record: RealserverRecord | undefined;
  /** Things left alone, for the operator. */
  readonly notes: readonly string[];
}

export interface StatusItem {
  readonly what: string;
  readonly inPlace: boolean;
}

export class RealserverError extends Error {}

/** The sysctls a real server needs, with their values. */
export function wantedSysctls(dev: string): ReadonlyArray<readonly [string, string]> {
  const keys = [...new Set(['all', dev])];
  return keys.flatMap((k) => [[`net/ipv4/conf/${k}/arp_ignore`, '1'], [`net/ipv4/conf/${k}/arp_announce`, '2']] as const);
}

export const sysctlName = (key: string): string => key.replaceAll('/', '.');

/** The VIP as the host address to put on the device: canonical text and /32 or /128. */
export function hostAddress(vip: string): string {
  const family = familyOf(vip);
  if (!family) throw new RealserverError(`not an IP address: ${vip}`);
  return `${readAddress(addressBytes(vip), 0, family)}/${family === 'inet' ? 32 : 128}`;
}

function canonical(cidr: string): { address: string; prefix: number } {
  const [a, p] = cidr.split('/');
  const family = familyOf(a!);
  return { address: family ? readAddress(addressBytes(a!), 0, family) : a!, prefix: Number(p) };
}

/** The device's entry for the VIP's address, whatever its prefix. */
function present(host: RealserverHostState, want: string): string | undefined {
  const w = canonical(want);
  return host.addresses.find((a) => canonical(a).address === w.address);
}

export function planStart(vips: readonly string[], dev: string, host: RealserverHostState, before?: RealserverRecord): RealserverPlan {
  if (before && before.dev !== dev) throw new RealserverError(`an earlier start used --dev ${before.dev}: stop it first`);
  const steps: RealserverStep[] = [];
  const notes: string[] = [];
  const added = [...(before?.added ?? [])];
  const previous: Record<string, string> = { ...(before?.previous ?? {}) };
  for (const vip of vips) {
    const want = hostAddress(vip);
    const have = present(host, want);
    if (have === undefined) {
      steps.push({ kind: 'addr-add', address: want, dev });
      if (!added.includes(want)) added.push(want);
    } else if (canonical(have).prefix !== canonical(want).prefix) {
      notes.push(`${have} is on ${dev} already with another prefix than ${want}: left as it is`);
    }
  }
  for (const [key, value] of wantedSysctls(dev)) {
    const now = host.sysctls[key];
    if (now === undefined) throw new RealserverError(`no sysctl ${sysctlName(key)} (is ${dev} a device here?)`);
    if (now === value) continue;
    steps.push({ kind: 'sysctl', key, value });
    // The value before the first start is the one to give back.
    if (!(key in previous)) previous[key] = now;
  }
  return { steps, record: { dev, added, previous }, notes };
}

/**
 * Undoes what `record` says start did: its addresses still on the device go, its sysctls take
 * their old values back where they still hold what start set (a value changed since is someone
 * else's). With `vips`, only those addresses, and the sysctls only once no address stays recorded.
 */
export function planStop(host: RealserverHostState, record: RealserverRecord | undefined, vips: readonly string[] = []): RealserverPlan {
  if (!record) return { steps: [], record: undefined, notes: ['nothing recorded: start was not run, or stop already was'] };
  const steps: RealserverStep[] = [];
  const notes: string[] = [];
  const only = vips.length > 0 ? new Set(vips.map(hostAddress)) : undefined;
  const keep = only ? record.added.filter((a) => !only.has(a)) : [];
  for (const a of record.added) {
    if (only && !only.has(a)) continue;
    const have = present(host, a);
    if (have !== undefined && canonical(have).prefix === canonical(a).prefix) steps.push({ kind: 'addr-del', address: a, dev: record.dev });
  }
  if (keep.length > 0) return { steps, record: { ...record, added: keep }, notes };
  const wanted = new Map(wantedSysctls(record.dev));
  for (const [key, value] of Object.entries(record.previous)) {
    const now = host.sysctls[key];
    if (now === value) continue;
    if (now !== wanted.get(key)) {
      notes.push(`${sysctlName(key)} is ${now ?? 'gone'} now, not what start set: left as it is`);
      continue;
    }
    steps.push({ kind: 'sysctl', key, value });
  }
  return { steps, record: undefined, notes };
}

/** What is in place for `vips` on `dev`; all of it in place: exit 0, else 3. */
export function realserverStatus(vips: readonly string[], dev: string, host: RealserverHostState): StatusItem[] {
  const items: StatusItem[] = vips.map((vip) => {
    const want = hostAddress(vip);
    const have = present(host, want);
    return { what: `${want} on ${dev}${have && have !== want ? ` (is ${have})` : ''}`, inPlace: have !== undefined && canonical(have).prefix === canonical(want).prefix };
  });
  for (const [key, value] of wantedSysctls(dev)) {
    const now = host.sysctls[key];
    items.push({ what: `${sysctlName(key)} = ${value}${now !== value ? ` (is ${now ?? 'absent'})` : ''}`, inPlace: now === value });
  }
  return items;
}
