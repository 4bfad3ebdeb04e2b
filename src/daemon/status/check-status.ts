/**
 * The checker child's part of the status: every virtual server with its real servers (weight in
 * force, alive, the last check's outcome and latency, connection counts when the data plane has
 * them) and the scheduler the data plane really runs; plus a latency histogram per real server
 * and checker, which Keepalived has nowhere. Results are recorded as attempts finish; the
 * snapshot is built only when asked for.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import { formatRs, formatVs } from '../../config/sections/lvs-format.js';
import { schedulerInForce, type DataPlaneChoice } from '../../lb/scheduler-in-force.js';
import type { CheckRuntime } from '../check/runtime.js';
import { connectionKey } from './conn-counts.js';
import type { CheckHistogram, CheckResult, LvsPart, VirtualServerStatus } from './model.js';

/** Upper bounds, ms: a check on a LAN takes about a millisecond; a timeout, seconds. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class CheckResults {
  private readonly last = new Map<string, CheckResult>();
  private readonly hist = new Map<string, { vs: number; rs: number; checker: string; h: Histogram }>();

  record(vs: number, rs: number, checker: string, ok: boolean, latencyUs: number, reason: string, now = new Date()): void {
    const ms = latencyUs / 1000;
    this.last.set(`${vs}/${rs}`, { ok, at: now.toISOString(), latencyMs: Math.round(ms * 1000) / 1000, reason });
    const key = `${vs}/${rs}/${checker}`;
    let e = this.hist.get(key);
    if (!e) this.hist.set(key, (e = { vs, rs, checker, h: { counts: LATENCY_BUCKETS_MS.map(() => 0), sum: 0, count: 0 } }));
    LATENCY_BUCKETS_MS.forEach((b, i) => {
      if (ms <= b) e!.h.counts[i]!++;
    });
    e.h.sum += ms;
    e.h.count++;
  }

  lastOf(vs: number, rs: number): CheckResult | undefined {
    return this.last.get(`${vs}/${rs}`);
  }

  histograms(config: KeepalivedConfig): CheckHistogram[] {
    const out: CheckHistogram[] = [];
    for (const { vs, rs, checker, h } of this.hist.values()) {
      const v = config.virtual_server[vs];
      const r = v?.real_server[rs];
      if (!v || !r) continue;
      out.push({ vs: formatVs(v), rs: formatRs(r, v), checker, buckets: [...LATENCY_BUCKETS_MS], counts: [...h.counts], sum: h.sum, count: h.count });
    }
    return out;
  }
}

export interface LvsStatusInput {
  readonly config: KeepalivedConfig;
  readonly runtime: Pick<CheckRuntime, 'poolState'>;
  readonly results: CheckResults;
  readonly plane: DataPlaneChoice;
}

export function lvsPart(input: LvsStatusInput): LvsPart {
  const { config } = input;
  const virtualServers = config.virtual_server.map((vs, v): VirtualServerStatus => {
    const st = input.runtime.poolState(v);
    const inForce = input.plane === 'none' ? vs.lvs_sched : schedulerInForce(vs.lvs_method, vs.lvs_sched, input.plane).scheduler;
    return {
      name: formatVs(vs),
      ...(vs.ip !== undefined ? { address: vs.ip } : {}),
      ...(vs.port !== undefined ? { port: vs.port } : {}),
      ...(vs.fwmark !== undefined ? { fwmark: vs.fwmark } : {}),
      protocol: vs.protocol ?? 'TCP',
      kind: vs.lvs_method,
      scheduler: vs.lvs_sched,
      schedulerInForce: inForce,
      quorumUp: st.quorumUp,
      realServers: vs.real_server.map((rs, i) => {
        const live = st.rs[i]!;
        const last = input.results.lastOf(v, i);
        return {
          address: rs.ip,
          port: rs.port,
          weight: live.weight,
          alive: live.alive,
          ...(last ? { lastCheck: last } : {}),
        };
      }),
    };
  });
  return { virtualServers, histograms: input.results.histograms(config) };
}

/**
 * The part with each real server's active and inactive connections (conn-counts.ts, keyed by
 * connectionKey()): a NAT service's server without an entry has none (0 and 0); DR and TUN
 * leave nothing in conntrack to count, so theirs stay unknown. Apart from lvsPart() so the part is
 * built while conntrack is being read, not after.
 */
export function withConnections(part: LvsPart, counts: ReadonlyMap<string, readonly [number, number]>): LvsPart {
  return {
    ...part,
    virtualServers: part.virtualServers.map((vs) => vs.address === undefined || vs.port === undefined ? vs : {
      ...vs,
      realServers: vs.realServers.map((rs) => {
        const c = counts.get(connectionKey(vs.address!, vs.port!, rs.address, rs.port)) ?? (vs.kind === 'NAT' ? [0, 0] : undefined);
        return c ? { ...rs, activeConns: c[0], inactiveConns: c[1] } : rs;
      }),
    }),
  };
}
