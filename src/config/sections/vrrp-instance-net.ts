/**
 * The addressing keywords of a vrrp_instance: source/destination addresses, unicast peers,
 * VIPs/eVIPs, use_vmac and use_ipvlan (Keepalived vrrp/vrrp_parser.c, vrrp/vrrp_data.c).
 *
 * Keepalived fixes an instance's address family from the first address it reads (source
 * address, multicast destination, unicast peer, VIP, ipvlan address) and rejects later addresses
 * of the other family, so these readers run in the order of the lines and share `raw.family`.
 */
import { isIPv6 } from '../../base/ip-syntax.js';
import type { Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { ipFamily, type Family } from '../values.js';
import { readIpAddressLine, type IpAddress } from './ip.js';
import { instanceRaw, type VrrpInstance } from './vrrp-instance-types.js';

/** Claims `family` for the instance; false when it already has the other one. */
function claimFamily(inst: VrrpInstance, family: Family): boolean {
  const raw = instanceRaw(inst);
  if (raw.family === undefined) raw.family = family;
  return raw.family === family;
}

/** mcast_src_ip / unicast_src_ip (both set the advert source address). */
export function readSourceIp(inst: VrrpInstance, node: ConfNode, cx: Cx, key: 'mcast_src_ip' | 'unicast_src_ip'): void {
  const addr = cx.str(node);
  if (addr === undefined) return;
  const family = ipFamily(addr);
  if (!family) {
    cx.error(node, `Configuration error: VRRP instance[${inst.name}] malformed src address[${addr}]. Skipping...`);
    return;
  }
  if (!claimFamily(inst, family)) {
    cx.error(node, `Configuration error: VRRP instance[${inst.name}] and src address[${addr}] MUST be of the same family !!! Skipping...`);
    return;
  }
  // One source address per instance: the later keyword replaces the earlier one.
  delete inst.mcast_src_ip;
  delete inst.unicast_src_ip;
  inst[key] = addr;
  instanceRaw(inst).saddr_from_config = true;
}

export function readMcastDstIp(inst: VrrpInstance, node: ConfNode, cx: Cx): void {
  const addr = cx.str(node);
  if (addr === undefined) return;
  const family = ipFamily(addr);
  if (!family) {
    cx.error(node, `(${inst.name}) malformed mcast dest address ${addr}. Skipping...`);
    return;
  }
  if (!claimFamily(inst, family)) {
    cx.error(node, `(${inst.name}) mcast dest address ${addr} MUST match VRRP instance family. Skipping...`);
    return;
  }
  // IPv4: 224.0.0.0/4; IPv6: link-local multicast ff02::/16 (any flags: ffX2).
  const ok = family === 'inet' ? isIpv4Multicast(addr) : /^ff[0-9a-f]2:/i.test(expandIpv6Head(addr));
  if (!ok) {
    cx.error(node, `(${inst.name}) mcast_dst_ip ${addr} not${family === 'inet6' ? ' link-local' : ''} multicast. Skipping...`);
    return;
  }
  inst.mcast_dst_ip = addr;
}

function isIpv4Multicast(addr: string): boolean {
  const first = Number(addr.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** The first group of an IPv6 address, padded to four digits, followed by ':'. */
function expandIpv6Head(addr: string): string {
  const head = addr.split(':')[0] ?? '';
  return `${head.padStart(4, '0')}:`;
}

/** unicast_peer { ADDR [min_ttl N] [max_ttl N] } */
export function readUnicastPeers(inst: VrrpInstance, node: ConfNode, cx: Cx): void {
  const raw = instanceRaw(inst);
  raw.unicast_configured = true;
  for (const line of node.block ?? []) {
    const addr = line.keyword;
    const family = ipFamily(addr);
    if (!family) {
      cx.error(line, `Configuration error: VRRP instance[${inst.name}] malformed unicast peer address[${addr}]. Skipping...`);
      continue;
    }
    if (!claimFamily(inst, family)) {
      cx.error(line, `Configuration error: VRRP instance[${inst.name}] and unicast peer address[${addr}] MUST be of the same family !!! Skipping...`);
      continue;
    }
    let minTtl: number | undefined;
    let maxTtl: number | undefined;
    const a = line.args;
    for (let i = 0; i < a.length; i += 2) {
      if (i + 1 >= a.length) {
        cx.error(line, `(${inst.name}) ${addr} - ${a[i]} is missing a value`);
        break;
      }
      const ttl = readUnsigned(a[i + 1]!, 0, 255);
      // Keepalived skips an option whose value is not a TTL without saying more than the number.
      if (ttl === undefined) {
        cx.error(line, `(${inst.name}) ${addr} - invalid ${a[i]} '${a[i + 1]}' (expected 0..255)`);
        continue;
      }
      if (a[i] === 'min_ttl') minTtl = ttl;
      else if (a[i] === 'max_ttl') maxTtl = ttl;
      else {
        cx.error(line, `(${inst.name}) ${addr} - unknown unicast_peer option ${a[i]}`);
        break;
      }
      // A TTL range only makes sense if the source is checked.
      raw.check_unicast_src = true;
    }
    if (inst.unicast_peer.some((p) => sameAddress(p.address, addr))) {
      cx.error(line, `(${inst.name}) ${addr} - duplicate unicast_peer`);
      continue;
    }
    if ((minTtl ?? 0) > (maxTtl ?? 255)) {
      cx.warn(line, `(${inst.name}) ${addr} - min_ttl ${minTtl ?? 0} > max_ttl ${maxTtl ?? 255} - all packets will be discarded`);
    }
    inst.unicast_peer.push({
      address: addr,
      ...(minTtl !== undefined ? { min_ttl: minTtl } : {}),
      ...(maxTtl !== undefined ? { max_ttl: maxTtl } : {}),
      pos: line.pos,
    });
  }
}

/** Compares two addresses of the same family by value (IPv6 has several spellings). */
export function sameAddress(a: string, b: string): boolean {
  if (isIPv6(a) && isIPv6(b)) return expandIpv6(a) === expandIpv6(b);
  return a === b;
}

function expandIpv6(addr: string): string {
  let s = addr.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const mid = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...mid, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** A decimal unsigned integer in [min, max], or undefined. */
export function readUnsigned(raw: string, min: number, max: number): number | undefined {
  if (!/^\+?\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw.trim());
  return n >= min && n <= max ? n : undefined;
}

/** virtual_ipaddress / virtual_ipaddress_excluded { lines } */
export function readVips(inst: VrrpInstance, node: ConfNode, cx: Cx, excluded: boolean): void {
  for (const line of node.block ?? []) {
    const vip = readIpAddressLine(line, cx);
    if (!vip) continue;
    // Only VIPs fix the family: eVIPs may mix IPv4 and IPv6.
    if (!excluded && !claimFamily(inst, vip.family)) {
      cx.error(line, `(${inst.name}): address family must match VRRP instance [${line.keyword}] - ignoring`);
      continue;
    }
    if (isDuplicateVip(inst, vip, line, cx, excluded)) continue;
    (excluded ? inst.virtual_ipaddress_excluded : inst.virtual_ipaddress).push(vip);
  }
}

/**
 * Keepalived's vip_is_duplicate(): a VIP may not repeat a VIP, nor an eVIP on the same interface;
 * an eVIP may repeat a VIP that is on another interface.
 */
function isDuplicateVip(inst: VrrpInstance, vip: IpAddress, line: ConfNode, cx: Cx, excluded: boolean): boolean {
  const prefix = excluded ? 'Excluded ' : '';
  for (let k = 0; k < inst.virtual_ipaddress.length; k++) {
    const v = inst.virtual_ipaddress[k]!;
    if (excluded && v.dev !== vip.dev) continue;
    if (v.family === vip.family && sameAddress(v.address, vip.address)) {
      // A note: Keepalived 2.2.7 takes the duplicate silently (newer versions drop it and say so).
      cx.note(line, `(${inst.name}): ${prefix}VIP duplicates a VIP ${line.keyword} - ignoring`);
      return true;
    }
  }
  for (let k = 0; k < inst.virtual_ipaddress_excluded.length; k++) {
    const v = inst.virtual_ipaddress_excluded[k]!;
    if (v.family !== vip.family || v.dev !== vip.dev) continue;
    if (sameAddress(v.address, vip.address)) {
      cx.error(line, `(${inst.name}): ${prefix}VIP duplicates an excluded VIP ${line.keyword} - ignoring`);
      return true;
    }
  }
  return false;
}

/** The kernel's dev_name_valid(): what an interface may be called. */
export function validIfName(name: string): boolean {
  return name !== '' && name.length < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

const RFC5798_MAC_PREFIX = [0x00, 0x00, 0x5e, 0x00];

/** use_vmac [[name] IFNAME] [MAC] [netlink_notify_msg] [group G] */
export function readUseVmac(inst: VrrpInstance, node: ConfNode, cx: Cx, others: readonly VrrpInstance[]): void {
  const v = inst.use_vmac ?? { netlink_notify_msg: false, pos: node.pos };
  const a = node.args;
  for (let i = 0; i < a.length; i++) {
    const word = a[i]!;
    if (word.includes(':')) {
      // Interface names cannot hold ':', so this is a MAC address.
      if (v.mac !== undefined) {
        cx.error(node, 'VMAC interface address already specified');
        continue;
      }
      if (!/^[0-9A-Fa-f:]+$/.test(word)) {
        cx.error(node, `VMAC invalid MAC address ${word}`);
        continue;
      }
      const octets = word.replace(/:$/, '').split(':');
      if ((octets.length !== 5 && octets.length !== 6) || octets.some((o) => o.length < 1 || o.length > 2)) {
        cx.error(node, `VMAC invalid MAC address ${word} - ignored`);
        continue;
      }
      const bytes = octets.map((o) => parseInt(o, 16));
      if (bytes[0]! & 0x01) cx.error(node, `VMAC MAC address is multicast ${word} - ignoring`);
      else if (RFC5798_MAC_PREFIX.every((b, j) => bytes[j] === b) && (bytes[4] === 0x01 || bytes[4] === 0x02)) {
        cx.error(node, `VMAC MAC address not allowed to be RFC5798 address (${word}) - ignoring`);
      } else v.mac = word;
      continue;
    }
    if (word === 'netlink_notify_msg') {
      v.netlink_notify_msg = true;
      continue;
    }
    if (word === 'group') {
      const g = a[++i];
      if (g === undefined) cx.error(node, 'VMAC group missing');
      else v.group = g;
      continue;
    }
    const name = word === 'name' ? a[++i] : word;
    if (name === undefined) {
      cx.error(node, "VMAC interface name '' too long or invalid characters - ignoring");
      continue;
    }
    if (v.name !== undefined) {
      cx.error(node, 'VMAC interface name already specified');
      continue;
    }
    if (!validIfName(name)) {
      cx.error(node, `VMAC interface name '${name}' too long or invalid characters - ignoring`);
      continue;
    }
    if (nameTaken(cx, node, inst.name, others, name)) continue;
    v.name = name;
  }
  inst.use_vmac = v;
}

/** Another instance already names its VMAC or ipvlan interface `name`: reported. */
function nameTaken(cx: Cx, node: ConfNode, inst: string, others: readonly VrrpInstance[], name: string): boolean {
  const user = others.find((o) => o.use_vmac?.name === name || o.use_ipvlan?.name === name);
  if (user) cx.error(node, `(${inst}) VRRP instance ${user.name} is already using ${name} - ignoring name`);
  return user !== undefined;
}

/** use_ipvlan [[name] IFNAME] [IP_ADDRESS] [bridge|private|vepa] [group G] */
export function readUseIpvlan(inst: VrrpInstance, node: ConfNode, cx: Cx, others: readonly VrrpInstance[]): void {
  if (inst.use_ipvlan) {
    cx.error(node, `(${inst.name}) use_ipvlan already specified`);
    return;
  }
  const v: VrrpInstance['use_ipvlan'] & object = { mode: 'bridge', pos: node.pos };
  let hadMode = false;
  const a = node.args;
  for (let i = 0; i < a.length; i++) {
    const word = a[i]!;
    if (word === 'bridge' || word === 'private' || word === 'vepa') {
      if (hadMode) cx.error(node, `(${inst.name}) ipvlan type already specified - ignoring '${word}'`);
      else {
        v.mode = word;
        hadMode = true;
      }
      continue;
    }
    if (word === 'group') {
      const g = a[++i];
      if (g !== undefined) v.group = g;
      continue;
    }
    let name: string | undefined = word;
    if (word === 'name') name = a[++i];
    else {
      const p = word.split('/')[0]!;
      const family = ipFamily(p);
      if (family) {
        if (v.address !== undefined) {
          cx.error(node, `(${inst.name}) ipvlan address already specified - ignoring '${word}'`);
          continue;
        }
        if (!claimFamily(inst, family)) {
          cx.error(node, `(${inst.name}) ipvlan address[${word}] MUST match vrrp instance family !!! Skipping...`);
          continue;
        }
        v.address = word;
        // Keepalived also uses the ipvlan address as the advert source.
        const raw = instanceRaw(inst);
        if (!raw.saddr_from_config) {
          raw.saddr_from_config = true;
        }
        continue;
      }
    }
    if (name === undefined) continue;
    if (v.name !== undefined) {
      cx.error(node, `(${inst.name}) IPVLAN interface already specified - ignoring '${name}'`);
      continue;
    }
    if (name.length >= 16) {
      cx.error(node, `(${inst.name}) IPVLAN interface name '${name}' too long - ignoring`);
      continue;
    }
    if (nameTaken(cx, node, inst.name, others, name)) continue;
    v.name = name;
  }
  inst.use_ipvlan = v;
}
