/**
 * Builders for simulated instances with Keepalived's defaults, so a scenario states only what
 * it is about.
 */
import { US_PER_SECOND } from '../vrrp/types.js';
import type { SimInstance } from './segment.js';

export const DEFAULT_GARP = {
  delayUs: 5 * US_PER_SECOND,
  repeat: 5,
  refreshUs: 0,
  refreshRepeat: 1,
  lowerPrioDelayUs: 5 * US_PER_SECOND,
  lowerPrioRepeat: 5,
} as const;

export function simInstance(over: Partial<SimInstance> & Pick<SimInstance, 'primaryAddress'>): SimInstance {
  return {
    name: 'VI_1',
    vrid: 51,
    version: 2,
    basePriority: 100,
    advertIntervalUs: US_PER_SECOND,
    initialMaster: false,
    nopreempt: false,
    preemptDelayUs: 0,
    downTimerAdverts: 3,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    garp: DEFAULT_GARP,
    ownerIgnoreAdverts: false,
    addresses: ['10.0.0.100'],
    ...over,
  };
}
