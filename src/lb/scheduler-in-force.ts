/**
 * Which scheduler a data plane really runs for a virtual server, where it differs from lb_algo:
 * the nftables DR table always picks by a Maglev hash (every director then agrees on a flow's
 * server); nftables NAT picks rr, wrr, sh, dh, mh and fo exactly, steers lc, wlc, sed and nq by
 * conntrack counts every second (steering.ts), runs ovf as fo without its connection cap, and
 * lblc, lblcr and twos as wrr. The userspace proxy runs every scheduler as IPVS does.
 */
import type { LvsScheduler } from '../config/sections/lvs.js';
import { STEERED } from './dataplane/steering.js';

export type DataPlaneKind = 'nft' | 'proxy' | 'none';

export interface InForce {
  /** The scheduler that picks, in ipvsadm's names. */
  readonly name: string;
  /** False where it is not what lb_algo asks for. */
  readonly exact: boolean;
  readonly note?: string;
}

export function schedulerInForce(plane: DataPlaneKind, kind: string, sched: LvsScheduler): InForce {
  if (plane !== 'nft') return { name: sched, exact: true };
  if (kind === 'DR') return sched === 'mh' ? { name: 'mh', exact: true } : { name: 'mh', exact: false, note: `lb_algo ${sched} runs as mh (Maglev hash) in the DR table` };
  if (STEERED.has(sched)) return { name: sched, exact: false, note: `lb_algo ${sched} is approximated: weights steered by conntrack counts every second` };
  if (sched === 'ovf') return { name: 'fo', exact: false, note: 'lb_algo ovf runs as fo (no connection cap)' };
  if (sched === 'lblc' || sched === 'lblcr' || sched === 'twos') return { name: 'wrr', exact: false, note: `lb_algo ${sched} runs as wrr in the NAT table` };
  return { name: sched, exact: true };
}
