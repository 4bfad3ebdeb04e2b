/**
 * What `keepalived-ts lvs` reads from the host: the nftables tables of the checker process (do
 * they exist, which NAT services have their chain, the per-server counters) and the counts of
 * connections, then the services as ipvsadm shows them. NAT: connections from the counter of
 * each server's DNAT chain (one per connection, the first packet only), packets and bytes from
 * the named counters on the forward path, active / inactive connections from conntrack
 * (ESTABLISHED is active, as IPVS counts). DR is stateless on the director: its real servers show
 * no connection counts, as there is nothing to count them from. The userspace proxy counts for
 * itself (connections, bytes, active ones) and writes its counts into the state file every
 * second; packets it cannot know.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { DEFAULT_TABLES } from '../lb/dataplane/nft-rules.js';
import type { LvsState } from '../lb/dataplane/nft.js';
import type { Counters, Forward, ServiceView } from '../lb/ipvsadm-format.js';
import { schedulerInForce, type PlaneKind, type SchedulerInForce } from '../lb/scheduler-in-force.js';
import { connectionCounts } from '../os/conntrack.js';

const run = promisify(execFile);
const FORWARD: Readonly<Record<string, Forward>> = { NAT: 'Masq', DR: 'Route', TUN: 'Tunnel' };
const zero = (): Counters => ({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });

export type StateService = LvsState['services'][number];

/** A service as `--json` gives it: ipvsadm's view, the method, and the scheduler that really runs. */
export interface ServiceJson extends ServiceView {
  method: string;
  schedulerInForce: SchedulerInForce;
}

export interface Sample {
  /** Per "i_k": conns, in/out packets and bytes. */
  readonly dest: Map<string, Counters>;
  /** Per "vip|port|rs|rport": [active, inactive]. */
  readonly conns: Map<string, [number, number]>;
}

export interface NatTable {
  /** The service indexes whose `vs_N` chain is in the table. */
  readonly chains: Set<number>;
  readonly counters: Map<string, Counters>;
}

/** The NAT table as the kernel holds it now; undefined when it is not there. */
export async function readNatTable(table: string): Promise<NatTable | undefined> {
  let json: { nftables?: Array<Record<string, unknown>> };
  try {
    json = JSON.parse((await run('nft', ['-j', 'list', 'table', 'inet', table], { maxBuffer: 64 * 1024 * 1024 })).stdout) as typeof json;
  } catch {
    return undefined;
  }
  const counters = new Map<string, Counters>();
  const chains = new Set<number>();
  const get = (k: string) => counters.get(k) ?? (counters.set(k, zero()), counters.get(k)!);
  for (const o of json.nftables ?? []) {
    const ch = o['chain'] as { name: string } | undefined;
    const vs = ch && /^vs_(\d+)$/.exec(ch.name);
    if (vs) chains.add(Number(vs[1]));
    const c = o['counter'] as { name: string; packets: number; bytes: number } | undefined;
    if (c) {
      const m = /^(in|out)_(\d+_\d+)$/.exec(c.name);
      if (!m) continue;
      const d = get(m[2]!);
      if (m[1] === 'in') {
        d.inPkts = c.packets;
        d.inBytes = c.bytes;
      } else {
        d.outPkts = c.packets;
        d.outBytes = c.bytes;
      }
    }
    const r = o['rule'] as { chain: string; expr: Array<Record<string, unknown>> } | undefined;
    const m = r && /^rs_(\d+_\d+)$/.exec(r.chain);
    if (r && m) {
      const counter = r.expr.find((e) => 'counter' in e)?.['counter'] as { packets: number } | undefined;
      if (counter) get(m[1]!).conns = counter.packets;
    }
  }
  return { chains, counters };
}

export async function tableExists(family: 'inet' | 'netdev', table: string): Promise<boolean> {
  try {
    await run('nft', ['list', 'table', family, table], { maxBuffer: 64 * 1024 * 1024 });
    return true;
  } catch {
    return false;
  }
}

export function natTableName(state: LvsState): string {
  return state.tables?.nat ?? DEFAULT_TABLES.nat;
}

export function drTableName(state: LvsState): string {
  return state.tables?.dr ?? DEFAULT_TABLES.dr;
}

/** The proxy writes `live` counts into its state file; the nftables data plane its table names. */
export function planeOf(state: LvsState): PlaneKind {
  return state.live ? 'proxy' : 'nft';
}

/** The proxy keeps its own counts in the state file (re-read, for --rate). */
function liveSample(statePath: string, first: LvsState): Sample {
  let state = first;
  try {
    state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LvsState;
  } catch {
    // gone meanwhile: the counts of the first read
  }
  const dest = new Map<string, Counters>();
  const conns = new Map<string, [number, number]>();
  for (const svc of state.services) {
    svc.dests.forEach((d, k) => {
      const id = d.id ?? `${svc.index}_${k}`;
      const l = state.live?.[id];
      if (!l) return;
      dest.set(id, { conns: l.conns, inPkts: 0, outPkts: 0, inBytes: l.inBytes, outBytes: l.outBytes });
      conns.set(`${svc.ip}|${svc.port}|${d.ip}|${d.port}`, [l.active, l.inactive]);
    });
  }
  return { dest, conns };
}

export async function sample(state: LvsState, statePath: string): Promise<Sample> {
  if (state.live) return liveSample(statePath, state);
  const [nat, conns] = await Promise.all([readNatTable(natTableName(state)), connectionCounts()]);
  return { dest: nat?.counters ?? new Map(), conns };
}

export function views(services: readonly StateService[], plane: PlaneKind, s: Sample, prev?: Sample, seconds = 1): ServiceJson[] {
  return services.map((svc) => {
    const dests = svc.dests.map((d, k) => {
      const id = d.id ?? `${svc.index}_${k}`;
      const now = s.dest.get(id) ?? zero();
      const before = prev?.dest.get(id) ?? now;
      const [active, inactive] = s.conns.get(`${svc.ip}|${svc.port}|${d.ip}|${d.port}`) ?? [0, 0];
      const rate = zero();
      for (const f of Object.keys(rate) as (keyof Counters)[]) rate[f] = Math.max(0, (now[f] - before[f]) / seconds);
      return { address: d.ip, port: d.port, forward: FORWARD[svc.method] ?? 'Masq', weight: d.weight, activeConns: active, inactConns: inactive, stats: now, rate };
    });
    const sum = (pick: (x: (typeof dests)[number]) => Counters): Counters => {
      const t = zero();
      for (const d of dests) for (const f of Object.keys(t) as (keyof Counters)[]) t[f] += pick(d)[f];
      return t;
    };
    return {
      protocol: (svc.protocol as ServiceView['protocol']) ?? 'TCP',
      ...(svc.fwmark !== undefined ? { fwmark: svc.fwmark } : { address: svc.ip!, port: svc.port! }),
      ...(svc.family === 'inet6' || (svc.ip ?? '').includes(':') ? { ipv6: true } : {}),
      scheduler: svc.scheduler,
      ...(svc.persistence !== undefined ? { persistent: svc.persistence } : {}),
      ...(svc.granularity !== undefined ? { mask: String(svc.granularity) } : {}),
      ops: svc.ops,
      stats: sum((d) => d.stats),
      rate: sum((d) => d.rate),
      dests,
      method: svc.method,
      schedulerInForce: schedulerInForce(svc.method, svc.scheduler, plane),
    };
  });
}
