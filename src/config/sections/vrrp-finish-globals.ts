/**
 * The global_defs values VRRP instances default to (Keepalived core/global_data.c
 * init_global_data(), core/global_parser.c).
 *
 * global.ts was written alongside this file: each field is read by its keyword name and
 * Keepalived's default is used when it is absent or unset (NaN), so that either side can change
 * without breaking the other.
 */
import type { GlobalDefs } from './global.js';
import type { GarpExtraIf } from './vrrp-instance-types.js';

/** Keepalived's compiled-in defaults (vrrp.h). */
export const VRRP_GARP_DELAY = 5;
export const VRRP_GARP_REP = 5;
export const VRRP_GARP_REFRESH = 0;
export const VRRP_GARP_REFRESH_REP = 1;
export const VRRP_DOWN_TIMER_ADVERTS = 3;
export const VRRP_PRIO_DFL = 100;
export const VRRP_PRIO_OWNER = 255;
export const INADDR_VRRP_GROUP = '224.0.0.18';
export const INADDR6_VRRP_GROUP = 'ff02::12';

export interface VrrpGlobals {
  vrrp_version: 2 | 3;
  vrrp_strict: boolean;
  vrrp_garp_master_delay: number;
  vrrp_garp_master_repeat: number;
  vrrp_garp_master_refresh: number;
  vrrp_garp_master_refresh_repeat: number;
  vrrp_garp_lower_prio_delay: number;
  vrrp_garp_lower_prio_repeat: number;
  vrrp_lower_prio_no_advert: boolean;
  vrrp_higher_prio_send_advert: boolean;
  vrrp_skip_check_adv_addr: boolean;
  vrrp_check_unicast_src: boolean;
  v3_checksum_as_v2: boolean;
  /** smtp_alert_vrrp, else smtp_alert, else false. */
  smtp_alert: boolean;
  vrrp_notify_priority_changes: boolean;
  vrrp_down_timer_adverts: number;
  vrrp_owner_ignore_adverts: boolean;
  vrrp_mcast_group4: string;
  vrrp_mcast_group6: string;
  vrrp_garp_extra_if?: GarpExtraIf;
}

export function vrrpGlobals(g: GlobalDefs): VrrpGlobals {
  const rec = g as unknown as Record<string, unknown>;
  // NaN is global-model.ts's "not set".
  const num = (k: string): number | undefined => (typeof rec[k] === 'number' && !Number.isNaN(rec[k]) ? (rec[k] as number) : undefined);
  const bool = (k: string): boolean | undefined => (typeof rec[k] === 'boolean' ? (rec[k] as boolean) : undefined);
  const str = (k: string): string | undefined => {
    const v = rec[k];
    if (typeof v === 'string') return v;
    // An address may be kept as { address } by global.ts.
    if (v && typeof v === 'object' && typeof (v as { address?: unknown }).address === 'string') return (v as { address: string }).address;
    return undefined;
  };

  // vrrp_min_garp is folded into the garp values by global-vrrp.ts.
  const garpDelay = num('vrrp_garp_master_delay') ?? VRRP_GARP_DELAY;
  const garpRep = num('vrrp_garp_master_repeat') ?? VRRP_GARP_REP;
  const version = num('vrrp_version');
  const extra = rec['vrrp_garp_extra_if'];
  const smtpVrrp = bool('smtp_alert_vrrp');
  return {
    vrrp_version: version === 3 ? 3 : 2,
    vrrp_strict: bool('vrrp_strict') ?? false,
    vrrp_garp_master_delay: garpDelay,
    vrrp_garp_master_repeat: garpRep,
    vrrp_garp_master_refresh: num('vrrp_garp_master_refresh') ?? VRRP_GARP_REFRESH,
    vrrp_garp_master_refresh_repeat: num('vrrp_garp_master_refresh_repeat') ?? VRRP_GARP_REFRESH_REP,
    // Keepalived: the lower-priority GARP settings default to the master ones (vrrp_complete_init()).
    vrrp_garp_lower_prio_delay: num('vrrp_garp_lower_prio_delay') ?? garpDelay,
    vrrp_garp_lower_prio_repeat: num('vrrp_garp_lower_prio_repeat') ?? garpRep,
    vrrp_lower_prio_no_advert: bool('vrrp_lower_prio_no_advert') ?? false,
    // A deliberate difference from Keepalived (default off there): on by default, so a master
    // stepping down for a higher-priority advert sends one last advert at its own priority first.
    // The winner hears a lower-priority advert and answers as Keepalived does (advert and a GARP
    // batch at once), so after a partition heals clients move to the winner at the first crossing
    // advert instead of when their ARP entry for the loser expires (a 5 s DELAY and 3 failed probes:
    // ~7 s measured, test/netns/faults.test.ts). `vrrp_higher_prio_send_advert false` (or the
    // instance's `higher_prio_send_advert off`, or vrrp_strict) gives Keepalived's silence back.
    vrrp_higher_prio_send_advert: bool('vrrp_higher_prio_send_advert') ?? true,
    vrrp_skip_check_adv_addr: bool('vrrp_skip_check_adv_addr') ?? false,
    vrrp_check_unicast_src: bool('vrrp_check_unicast_src') ?? false,
    v3_checksum_as_v2: bool('v3_checksum_as_v2') ?? false,
    smtp_alert: smtpVrrp ?? bool('smtp_alert') ?? false,
    vrrp_notify_priority_changes: bool('vrrp_notify_priority_changes') ?? false,
    vrrp_down_timer_adverts: num('vrrp_down_timer_adverts') ?? VRRP_DOWN_TIMER_ADVERTS,
    vrrp_owner_ignore_adverts: bool('vrrp_owner_ignore_adverts') ?? false,
    vrrp_mcast_group4: str('vrrp_mcast_group4') ?? INADDR_VRRP_GROUP,
    vrrp_mcast_group6: str('vrrp_mcast_group6') ?? INADDR6_VRRP_GROUP,
    ...(extra && typeof extra === 'object' && typeof (extra as GarpExtraIf).interval === 'number'
      ? { vrrp_garp_extra_if: { interval: (extra as GarpExtraIf).interval, all: (extra as GarpExtraIf).all === true } }
      : {}),
  };
}
