/**
 * VRRP virtual MAC interfaces (RFC 5798 7.3; Keepalived's use_vmac, vrrp_vmac.c) with iproute2:
 * `ip link add link BASE name NAME address MAC type macvlan mode private`. Private mode keeps the
 * macvlan from talking to its siblings, and a frame coming back in with the macvlan's own MAC as
 * source (the other router's adverts, which carry the same virtual MAC) is handed to the macvlan
 * alone: that is why Keepalived sends and receives adverts on it.
 *
 * The sysctls are Keepalived's (vrrp_if_config.c), IPv4 only: the base interface answers ARP
 * only for its own addresses (arp_ignore 1, arp_filter 1, and see BASE_SYSCTLS), or the client could learn the VIP at
 * the base's MAC; the macvlan likewise, takes packets from its own addresses (accept_local) and
 * has no reverse-path filter (the adverts' source is on the base). The base's settings are put
 * back when its last macvlan goes. IPv4 macvlans get no IPv6 link-local (addrgenmode none), or
 * both routers would send from the same MAC; IPv6 ones get the base's link-local instead, the
 * address their adverts come from, as Keepalived does.
 *
 * An interface that already has the VMAC's name is deleted and made again only when it is ours
 * (made by this process, or a macvlan with the virtual MAC on the same base left by a crashed
 * run); anything else is refused, logged by the driver, and left as it is.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { runIp, type IpOptions } from './ip-command.js';
import type { Family, VmacSpec, Vmacs } from './types.js';

const run = promisify(execFile);

/** 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), or use_vmac's MAC, five octets taking the VRID as sixth. */
export function vmacAddress(vrid: number, family: Family, configured?: string): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  if (configured === undefined) return `00:00:5e:00:${family === 'inet' ? '01' : '02'}:${hex(vrid)}`;
  const octets = configured.replace(/:$/, '').split(':').map((o) => hex(parseInt(o, 16)));
  return (octets.length === 5 ? [...octets, hex(vrid)] : octets).join(':');
}

/**
 * The base interface's ARP while it has VMACs. arp_announce 2 is ours: without it, the base's
 * ARP requests (for the client the VIP answers, routed out of the base) carry the VIP as sender
 * with the base's MAC, and the client's entry for the VIP moves off the virtual MAC.
 */
const BASE_SYSCTLS: Record<string, string> = { arp_ignore: '1', arp_filter: '1', arp_announce: '2' };

/** What `ip -j -d link show` says of an interface, as far as create() looks. */
interface ShownLink {
  readonly address?: string;
  /** The lower device of a macvlan (in the same namespace). */
  readonly link?: string;
  readonly linkinfo?: { readonly info_kind?: string };
}

class VmacError extends Error {
  readonly code = 'ERR_VMAC';
  constructor(message: string) {
    super(message);
    this.name = 'VmacError';
  }
}

export function linuxVmacs(o: IpOptions = {}): Vmacs {
  /** Base interface -> its IPv4 macvlans, and the sysctls they changed. */
  const bases = new Map<string, { users: Set<string>; saved: Map<string, string> }>();
  const made = new Map<string, VmacSpec>();

  const ip = async (...args: string[]) => {
    const r = await runIp(o, args);
    if (r.code !== 0) throw new VmacError(`'ip ${args.join(' ')}' failed: ${r.stderr.trim()}`);
    return r.stdout;
  };
  // Interface names may hold dots: the slash form keeps them (sysctl(8) and /proc alike).
  const key = (ifname: string, name: string) => `net/ipv4/conf/${ifname}/${name}`;
  const readSysctl = async (k: string): Promise<string> =>
    o.netns === undefined ? fs.readFileSync(`/proc/sys/${k}`, 'utf8').trim() : (await run(o.ipPath ?? 'ip', ['netns', 'exec', o.netns, 'sysctl', '-n', k])).stdout.trim();
  const writeSysctl = async (k: string, v: string): Promise<void> => {
    if (o.netns === undefined) fs.writeFileSync(`/proc/sys/${k}`, v);
    else await run(o.ipPath ?? 'ip', ['netns', 'exec', o.netns, 'sysctl', '-q', '-w', `${k}=${v}`]);
  };

  return {
    async create(spec) {
      const shown = await runIp(o, ['-j', '-d', 'link', 'show', 'dev', spec.name]);
      if (shown.code === 0) {
        // Only a VMAC of ours is replaced: one this process made (a reload changing its MAC or
        // base), or one a crashed run left (a macvlan with the virtual MAC on the same base). An
        // interface of the same name that someone else made is not ours to delete.
        const [l] = JSON.parse(shown.stdout || '[]') as ShownLink[];
        const leftover = l?.linkinfo?.info_kind === 'macvlan' && l.link === spec.base && l.address?.toLowerCase() === spec.mac.toLowerCase();
        if (!made.has(spec.name) && !leftover) {
          throw new VmacError(`interface ${spec.name} already exists and is not a VMAC we made - leaving it alone, not using it`);
        }
        await ip('link', 'del', 'dev', spec.name);
      }
      await ip('link', 'add', 'link', spec.base, 'name', spec.name, 'address', spec.mac, 'type', 'macvlan', 'mode', 'private');
      made.set(spec.name, spec);
      await ip('link', 'set', 'dev', spec.name, 'addrgenmode', 'none');
      if (spec.family === 'inet') {
        let b = bases.get(spec.base);
        if (!b) {
          const saved = new Map<string, string>();
          for (const s of Object.keys(BASE_SYSCTLS)) saved.set(s, await readSysctl(key(spec.base, s)));
          bases.set(spec.base, (b = { users: new Set(), saved }));
          for (const [s, v] of Object.entries(BASE_SYSCTLS)) await writeSysctl(key(spec.base, s), v);
        }
        b.users.add(spec.name);
        await writeSysctl(key(spec.name, 'arp_ignore'), '1');
        await writeSysctl(key(spec.name, 'accept_local'), '1');
        await writeSysctl(key(spec.name, 'rp_filter'), '0');
      }
      await ip('link', 'set', 'dev', spec.name, 'up');
      if (spec.family === 'inet6') {
        const out = JSON.parse(await ip('-j', '-6', 'addr', 'show', 'dev', spec.base, 'scope', 'link')) as Array<{ addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
        const ll = out[0]?.addr_info?.find((a) => a.local !== undefined);
        if (ll) await ip('-6', 'addr', 'add', `${ll.local}/${ll.prefixlen}`, 'dev', spec.name, 'nodad');
      }
    },

    async remove(name) {
      const spec = made.get(name);
      made.delete(name);
      const r = await runIp(o, ['link', 'del', 'dev', name]);
      if (r.code !== 0 && !/Cannot find device/i.test(r.stderr)) throw new VmacError(`'ip link del dev ${name}' failed: ${r.stderr.trim()}`);
      const b = spec && bases.get(spec.base);
      if (!spec || !b) return;
      b.users.delete(name);
      if (b.users.size > 0) return;
      bases.delete(spec.base);
      for (const [s, v] of b.saved) await writeSysctl(key(spec.base, s), v);
    },
  };
}
