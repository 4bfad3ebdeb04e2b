/**
 * What the daemon keeps per VRRP instance beside the engine's state: where it sends and listens,
 * what goes into its adverts, and Keepalived's per-instance error counters.
 */
import type { KeepalivedConfig, VrrpInstance } from '../../config/model.js';
import type { DeepReadonly } from '../../config/schema.js';
import type { IpAddress } from '../../config/model.js';
import type { LinkInfo, VmacSpec } from '../../os/types.js';
import { vmacAddress } from '../../os/vmac.js';
import { instanceParams, receiveParams, authType } from '../../vrrp/from-config.js';
import { AH_COUNTER_START, ahKey, type AhCounter } from '../../vrrp/ah.js';
import { AUTH_AH, AUTH_PASS, passAuthData, type Advertisement } from '../../vrrp/packet.js';
import type { ReceiveParams } from '../../vrrp/receive.js';
import type { InstanceParams } from '../../vrrp/types.js';

export type Instance = DeepReadonly<VrrpInstance>;

/** Keepalived's receive-error counters (keepalived.stats, the exporter's metrics). */
export interface ErrorStats {
  packet_len_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  advert_interval_err: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  checksum_err: number;
  version_err: number;
  unicast_src_err: number;
}

/** auth_type AH: the key, and what changes with every advert (Keepalived's seq_counter_t and ip_id). */
export interface AhState {
  readonly key: Uint8Array;
  counter: AhCounter;
  /** The last IP ID sent: 1..65535, never 0 (the kernel would choose one, outside the ICV). */
  ipId: number;
}

export interface Runtime {
  readonly inst: Instance;
  readonly params: InstanceParams;
  readonly recv: ReceiveParams;
  /** The instance's interface (`interface`): the one whose link state it tracks. */
  readonly ifname: string;
  /** use_vmac: the macvlan the driver creates on `ifname` at start and deletes at stop. */
  readonly vmac?: VmacSpec;
  /** Where adverts are sent and received: the VMAC unless vmac_xmit_base, else `ifname`. */
  readonly xmitIfname: string;
  /** Where VIPs without an interface of their own go, and where they are announced: the VMAC if any. */
  readonly vipIfname: string;
  /** VIPs then eVIPs, those of the instance's family on `ifname` moved onto the VMAC. */
  readonly addresses: readonly DeepReadonly<IpAddress>[];
  /**
   * Where each address is announced: its own interface, as Keepalived's vrrp_send_link_update
   * does (VIPs then eVIPs); `pace` is the interface whose GARP interval applies (a VMAC's base).
   */
  readonly announce: ReadonlyArray<{ readonly ifname: string; readonly pace: string; readonly addresses: readonly string[] }>;
  readonly family: 'inet' | 'inet6';
  /** Sockets are shared per interface and family. */
  readonly socketKey: string;
  readonly src: string;
  /** The multicast group, or the unicast peers. */
  readonly destinations: readonly string[];
  readonly group: string;
  readonly ttl: number;
  readonly advertTemplate: Omit<Advertisement, 'priority'>;
  readonly errors: ErrorStats;
  /** auth_type AH (VRRPv2, IPv4): its socket is IP protocol 51's. */
  readonly ah?: AhState;
}

export function zeroErrors(): ErrorStats {
  return {
    packet_len_err: 0, ip_ttl_err: 0, invalid_type_rcvd: 0, advert_interval_err: 0, addr_list_err: 0,
    invalid_authtype: 0, authtype_mismatch: 0, auth_failure: 0, checksum_err: 0, version_err: 0, unicast_src_err: 0,
  };
}

/** The address adverts come from when the configuration does not say: the interface's first. */
export function interfaceAddress(link: LinkInfo | undefined, family: 'inet' | 'inet6'): string | undefined {
  const list = family === 'inet' ? link?.ipv4 : link?.ipv6;
  return list?.[0]?.split('/')[0];
}

/**
 * use_vmac's interface name: as configured, else Keepalived's create_vmac_name(): `vrrp.VRID`
 * (vmac_prefix), and when another instance has it, `vrrp6.VRID` first for IPv6, then vrrp1.VRID,
 * vrrp2.VRID... (IFNAMSIZ truncation aside).
 */
export function vmacName(prefix: string, vrid: number, family: 'inet' | 'inet6', taken: ReadonlySet<string>): string {
  if (!taken.has(`${prefix}.${vrid}`)) return `${prefix}.${vrid}`;
  if (family === 'inet6' && !taken.has(`${prefix}6.${vrid}`)) return `${prefix}6.${vrid}`;
  for (let n = 1; ; n++) if (!(family === 'inet6' && n === 6) && !taken.has(`${prefix}${n}.${vrid}`)) return `${prefix}${n}.${vrid}`;
}

function vmacOf(config: KeepalivedConfig, inst: Instance, base: string, taken: Set<string>): VmacSpec | undefined {
  if (!inst.use_vmac) return undefined;
  const name = inst.use_vmac.name ?? vmacName(config.global_defs.vmac_prefix, inst.virtual_router_id, inst.family, taken);
  taken.add(name);
  return { name, base, mac: vmacAddress(inst.virtual_router_id, inst.family, inst.use_vmac.mac), family: inst.family };
}

/** `vmacNames`: the VMAC names earlier instances took; this one's is added. */
export function buildRuntime(config: KeepalivedConfig, inst: Instance, links: ReadonlyMap<string, LinkInfo>, vmacNames = new Set<string>()): Runtime | string {
  const ifname = inst.interface ?? config.global_defs.default_interface;
  if (!ifname) return `(${inst.name}) no interface`;
  const vmac = vmacOf(config, inst, ifname, vmacNames);
  const xmitIfname = vmac && !inst.vmac_xmit_base ? vmac.name : ifname;
  // Keepalived: the VIPs and eVIPs of the instance's family that name no other interface.
  const onVmac = (a: DeepReadonly<IpAddress>) => (vmac && a.family === inst.family && (a.dev === undefined || a.dev === ifname) ? { ...a, dev: vmac.name } : a);
  const link = links.get(ifname);
  const src = inst.unicast_src_ip ?? inst.mcast_src_ip ?? interfaceAddress(link, inst.family);
  if (src === undefined) return `(${inst.name}) interface ${ifname} has no ${inst.family === 'inet' ? 'IPv4' : 'IPv6'} address to send from`;
  const group = inst.mcast_dst_ip ?? (inst.family === 'inet' ? config.global_defs.vrrp_mcast_group4 : config.global_defs.vrrp_mcast_group6);
  const auth = authType(inst);
  const ah = auth === AUTH_AH && inst.family === 'inet';
  const addresses = [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded].map(onVmac);
  const byIf = new Map<string, string[]>();
  for (const a of addresses) {
    const on = a.dev ?? ifname;
    byIf.set(on, [...(byIf.get(on) ?? []), a.address]);
  }
  const announce = [...byIf].map(([on, list]) => ({ ifname: on, pace: on === vmac?.name ? ifname : on, addresses: list }));
  return {
    inst,
    params: instanceParams(inst, src),
    recv: receiveParams(inst),
    ifname,
    ...(vmac ? { vmac } : {}),
    xmitIfname,
    vipIfname: vmac?.name ?? ifname,
    addresses,
    announce,
    family: inst.family,
    socketKey: `${xmitIfname}/${inst.family}${ah ? '/ah' : ''}`,
    src,
    destinations: inst.unicast ? inst.unicast_peer.map((p) => p.address) : [group],
    group,
    ttl: inst.unicast ? (inst.unicast_ttl ?? 255) : 255,
    advertTemplate: {
      version: inst.version,
      vrid: inst.virtual_router_id,
      intervalCs: Math.round(inst.advert_int * 100),
      family: inst.family,
      addresses: inst.virtual_ipaddress.filter((a) => a.family === inst.family).map((a) => a.address),
      authType: auth,
      ...(auth === AUTH_PASS ? { authData: passAuthData(inst.authentication!.auth_pass) } : {}),
    },
    errors: zeroErrors(),
    ...(ah ? { ah: { key: ahKey(inst.authentication!.auth_pass), counter: AH_COUNTER_START, ipId: 0 } } : {}),
  };
}
