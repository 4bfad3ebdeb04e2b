/**
 * From the configuration model to what the engine runs: one place where keywords become engine
 * parameters (seconds to microseconds, auth to bytes, sync groups to member lists). The primary
 * address of an interface is the host's business, so it is asked for, not looked up.
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import type { DeepReadonly } from '../config/schema.js';
import { ahKey } from './ah.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, passAuthData } from './packet.js';
import type { ReceiveParams } from './receive.js';
import type { RouterParams } from './router.js';
import { US_PER_SECOND, type InstanceParams } from './types.js';

type Instance = DeepReadonly<VrrpInstance>;

const us = (seconds: number) => Math.round(seconds * US_PER_SECOND);

/** The address our adverts come from: unicast_src_ip / mcast_src_ip, else the interface's. */
export function sourceAddress(inst: Instance, interfaceAddress: (inst: Instance) => string | undefined): string | undefined {
  return inst.unicast_src_ip ?? inst.mcast_src_ip ?? interfaceAddress(inst);
}

export function instanceParams(inst: Instance, primaryAddress: string): InstanceParams {
  return {
    name: inst.name,
    vrid: inst.virtual_router_id,
    version: inst.version,
    basePriority: inst.priority,
    advertIntervalUs: us(inst.advert_int),
    initialMaster: inst.state === 'MASTER',
    nopreempt: inst.nopreempt,
    preemptDelayUs: us(inst.preempt_delay),
    downTimerAdverts: inst.down_timer_adverts,
    lowerPrioNoAdvert: inst.lower_prio_no_advert,
    higherPrioSendAdvert: inst.higher_prio_send_advert,
    garp: {
      delayUs: us(inst.garp_master_delay),
      repeat: inst.garp_master_repeat,
      refreshUs: us(inst.garp_master_refresh),
      refreshRepeat: inst.garp_master_refresh_repeat,
      lowerPrioDelayUs: us(inst.garp_lower_prio_delay),
      lowerPrioRepeat: inst.garp_lower_prio_repeat,
    },
    primaryAddress,
    ownerIgnoreAdverts: inst.owner_ignore_adverts,
    ...(inst.timer_expired_backup !== undefined ? { highestOtherPriority: inst.timer_expired_backup } : {}),
    // Keepalived: a unicast keyword and no peer is multicast, unless unicast_fault_no_peer.
    ...(inst.unicast_fault_no_peer && inst.unicast_peer.length === 0
      ? { configFault: 'cannot use unicast without any peers (unicast_fault_no_peer)' }
      : {}),
  };
}

export function authType(inst: Instance): number {
  if (inst.version !== 2 || !inst.authentication) return AUTH_NONE;
  return inst.authentication.auth_type === 'PASS' ? AUTH_PASS : AUTH_AH;
}

export function receiveParams(inst: Instance, skipCheckAdvAddr = inst.skip_check_adv_addr): ReceiveParams {
  const auth = authType(inst);
  return {
    version: inst.version,
    authType: auth,
    ...(auth === AUTH_PASS ? { authData: passAuthData(inst.authentication!.auth_pass) } : {}),
    ...(auth === AUTH_AH ? { ahKey: ahKey(inst.authentication!.auth_pass) } : {}),
    advertIntervalCs: Math.round(inst.advert_int * 100),
    addresses: inst.virtual_ipaddress.map((a) => a.address),
    ...(inst.unicast
      ? {
          unicastPeers: inst.unicast_peer.map((p) => ({
            address: p.address,
            ...(p.min_ttl !== undefined ? { minTtl: p.min_ttl } : {}),
            ...(p.max_ttl !== undefined ? { maxTtl: p.max_ttl } : {}),
          })),
        }
      : {}),
    checkUnicastSrc: inst.check_unicast_src,
    skipCheckAdvAddr,
  };
}

/**
 * How long instances wait at start-up: vrrp_startup_delay, or what is left of
 * vrrp_delay_after_boot since the machine booted, whichever is longer (Keepalived's
 * global_parser.c reads /proc/uptime for the latter; we take the uptime as an argument).
 */
export function startupDelayUs(g: { readonly vrrp_startup_delay: number; readonly vrrp_delay_after_boot?: number }, uptimeSeconds?: number): number {
  const afterBoot = g.vrrp_delay_after_boot !== undefined && uptimeSeconds !== undefined ? g.vrrp_delay_after_boot - uptimeSeconds : 0;
  return Math.max(us(g.vrrp_startup_delay), afterBoot > 0 ? us(afterBoot) : 0);
}

/**
 * Every instance of the configuration with its source address, and the sync groups. Instances
 * whose address cannot be known are returned apart, to be reported and left out.
 */
export function routerParams(
  config: KeepalivedConfig,
  interfaceAddress: (inst: Instance) => string | undefined,
): { params: RouterParams; unaddressed: string[] } {
  const instances: InstanceParams[] = [];
  const unaddressed: string[] = [];
  for (const inst of config.vrrp_instance) {
    const src = sourceAddress(inst, interfaceAddress);
    if (src === undefined) unaddressed.push(inst.name);
    else instances.push(instanceParams(inst, src));
  }
  const known = new Set(instances.map((i) => i.name));
  const groups = config.vrrp_sync_group.map((g) => ({ name: g.name, members: g.group.filter((m) => known.has(m)) }));
  const delayUs = startupDelayUs(config.global_defs);
  return { params: { instances, groups, ...(delayUs > 0 ? { startupDelayUs: delayUs } : {}) }, unaddressed };
}
