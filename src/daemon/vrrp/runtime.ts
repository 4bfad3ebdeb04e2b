/**
 * What the daemon keeps per VRRP instance beside the engine's state: where it sends and listens,
 * what goes into its adverts, and Keepalived's per-instance error counters.
 */
import type { KeepalivedConfig, VrrpInstance } from '../../config/model.js';
import type { DeepReadonly } from '../../config/schema.js';
import type { LinkInfo } from '../../os/types.js';
import { instanceParams, receiveParams, authType } from '../../vrrp/from-config.js';
import { AUTH_PASS, passAuthData, type Advertisement } from '../../vrrp/packet.js';
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

export interface Runtime {
  readonly inst: Instance;
  readonly params: InstanceParams;
  readonly recv: ReceiveParams;
  readonly ifname: string;
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

export function buildRuntime(config: KeepalivedConfig, inst: Instance, links: ReadonlyMap<string, LinkInfo>): Runtime | string {
  const ifname = inst.interface ?? config.global_defs.default_interface;
  if (!ifname) return `(${inst.name}) no interface`;
  const link = links.get(ifname);
  const src = inst.unicast_src_ip ?? inst.mcast_src_ip ?? interfaceAddress(link, inst.family);
  if (src === undefined) return `(${inst.name}) interface ${ifname} has no ${inst.family === 'inet' ? 'IPv4' : 'IPv6'} address to send from`;
  const group = inst.mcast_dst_ip ?? (inst.family === 'inet' ? config.global_defs.vrrp_mcast_group4 : config.global_defs.vrrp_mcast_group6);
  const auth = authType(inst);
  return {
    inst,
    params: instanceParams(inst, src),
    recv: receiveParams(inst),
    ifname,
    family: inst.family,
    socketKey: `${ifname}/${inst.family}`,
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
  };
}
