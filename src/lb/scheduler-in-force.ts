/**
 * The scheduler a service really runs with here, beside the one configured (what `keepalived-ts
 * lvs` shows as ipvsadm would). The nftables data plane cannot run every IPVS scheduler as the
 * kernel does:
 * - DR rewrites MACs statelessly at ingress, so it always picks through a Maglev table
 *   (nft-dr.ts): every lb_algo runs as mh.
 * - NAT (nft-nat.ts) runs rr, wrr, sh, dh, mh and fo as they are, steers lc, wlc, sed and nq by
 *   conntrack counts (steering.ts: the same balance, converging each second); lblc, lblcr and
 *   twos are a weighted random draw (numgen random), and ovf sends everything to the highest
 *   weight as fo does, with no overflow to the next server.
 * The userspace proxy schedules every connection through the schedulers of lb/schedulers/.
 */

import type { Diagnostic } from '../config/diagnostics.js';
import type { KeepalivedConfig } from '../config/model.js';
import { formatVs } from '../config/sections/lvs-format.js';

export type PlaneKind = 'nft' | 'proxy';
/** What KEEPALIVED_TS_DATAPLANE selects: a plane, or none (checks and notifications only). */
export type DataPlaneChoice = PlaneKind | 'none';

export interface SchedulerInForce {
  /** An IPVS scheduler name where one fits, else a short name of what runs. */
  readonly scheduler: string;
  /** How it runs, for a person: "Maglev", "weighted random". */
  readonly description: string;
}

const NAT_SUBSTITUTES: Readonly<Record<string, SchedulerInForce>> = {
  lblc: { scheduler: 'random', description: 'weighted random' },
  lblcr: { scheduler: 'random', description: 'weighted random' },
  twos: { scheduler: 'random', description: 'weighted random' },
  ovf: { scheduler: 'fo', description: 'highest weight, no overflow' },
};

/** What runs for `configured` with lb_kind `method` on `plane`. */
export function schedulerInForce(method: string, configured: string, plane: PlaneKind): SchedulerInForce {
  if (plane === 'nft' && method === 'DR') return { scheduler: 'mh', description: 'Maglev' };
  if (plane === 'nft' && method === 'NAT') return NAT_SUBSTITUTES[configured] ?? { scheduler: configured, description: configured };
  return { scheduler: configured, description: configured };
}

/** The trailing note line when what runs differs from what is configured; undefined when not. */
export function schedulerNote(method: string, service: string, configured: string, inForce: SchedulerInForce): string | undefined {
  if (inForce.scheduler === configured) return undefined;
  const what = inForce.description === inForce.scheduler ? inForce.scheduler : inForce.scheduler === 'random' ? inForce.description : `${inForce.scheduler} (${inForce.description})`;
  return `# ${method} ${service}: lb_algo ${configured} runs as ${what} here`;
}

/**
 * What is configured is what runs, or the operator is told: a note at each virtual server whose
 * scheduler the data plane replaces, for `-t` and the checker process's start-up log.
 */
export function substitutionNotes(config: KeepalivedConfig, plane: DataPlaneChoice): Diagnostic[] {
  if (plane === 'none') return [];
  const out: Diagnostic[] = [];
  for (const vs of config.virtual_server) {
    const inForce = schedulerInForce(vs.lvs_method, vs.lvs_sched, plane);
    const note = schedulerNote(vs.lvs_method, formatVs(vs), vs.lvs_sched, inForce);
    if (note === undefined) continue;
    const message = `${note.replace(/^# /, '')} (the ${vs.lvs_method === 'DR' ? 'nftables DR table picks by a Maglev hash' : 'nftables NAT table cannot run it'}; KEEPALIVED_TS_DATAPLANE=proxy runs every scheduler)`;
    out.push(vs.pos ? { severity: 'note', message, pos: vs.pos } : { severity: 'note', message });
  }
  return out;
}

/** The data plane KEEPALIVED_TS_DATAPLANE selects (default nftables). */
export function dataPlaneOf(env: NodeJS.ProcessEnv): DataPlaneChoice {
  const kind = env['KEEPALIVED_TS_DATAPLANE'];
  return kind === 'none' || kind === 'proxy' ? kind : 'nft';
}
