/**
 * The nftables data plane: every apply builds the ruleset from the pools (nft-rules.ts) and loads
 * what changed in one nft transaction, so the kernel switches from the old forwarding to the new
 * at once: a table whole when its shape changed, else only the chains and maps of the services
 * that changed (nft-nat.ts, nft-dr.ts). DR tables drain across changes
 * (dr-drain.ts); the end of a drain window is an apply of its own. DR servers' MACs are resolved
 * at each apply and re-checked every few seconds (a server whose MAC changes is followed).
 * close() removes the tables unless told to keep them (Keepalived's --dont-release-ipvs).
 * A load nft refuses is tried again with the latest pools, with back-off, until one goes in: the
 * kernel would otherwise keep forwarding to servers the checkers have taken out.
 */
import * as fs from 'node:fs';
import type { Logger } from '../../base/log.js';
import { drainStep, type DrainState, type Slots } from './dr-drain.js';
import { drUpdate, freshSlots, type DrRuleset } from './nft-dr.js';
import type { DrPath } from './nft-match.js';
import { natTableScript, natUpdate, type NatRuleset, type NatServer } from './nft-nat.js';
import { buildRuleset, DEFAULT_TABLES, DR_FLOW_TIMEOUT_S, drTableScript, normalisePools, removalScript, type TableNames } from './nft-rules.js';
import { steer, STEERED } from './steering.js';
import type { DataPlane, ServicePool } from './types.js';

export interface NftDeps {
  readonly log: Logger;
  readonly run: (script: string) => Promise<void>;
  readonly resolve: (ips: readonly string[]) => Promise<Map<string, DrPath>>;
  /** How often DR neighbours are re-checked, ms (default 5000; 0: never). */
  readonly refreshMs?: number;
  /** Where the services as installed are written for `keepalived-ts lvs` (absent: nowhere). */
  readonly statePath?: string;
  /** Live connection counts for the least-connection schedulers (absent: they use plain weights). */
  readonly counts?: () => Promise<ReadonlyMap<string, [number, number]>>;
  /** How often those are re-read, ms (default 1000). */
  readonly steerMs?: number;
  /** The tables' names (default DEFAULT_TABLES; nft-rules.ts tableNames()). */
  readonly names?: TableNames;
  /** DR drain window after a change, s (default DR_FLOW_TIMEOUT_S; 0: no drain). */
  readonly drainS?: number;
  /** NAT: masquerade towards the real servers (one-armed; nft-rules.ts RulesInput.snat). */
  readonly snat?: boolean;
  /** The clock for drain windows, ms (default performance.now). */
  readonly now?: () => number;
  /** After a failed load, the first retry's delay, ms (default 1000), doubled up to retryMaxMs (default 30000). */
  readonly retryMs?: number;
  readonly retryMaxMs?: number;
  /** NAT UDP: deletes the translated flows of a server that left its pool (os/conntrack.ts forgetUdpFlows); false: could not. */
  readonly forgetUdp?: (f: { vip?: string; vport?: number; server: string; serverPort: number }) => Promise<boolean>;
}

/** A server's counts kept by the data plane itself (the proxy): no packets, bytes only. */
export interface LiveCounts {
  readonly conns: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly active: number;
  readonly inactive: number;
}

/** What `keepalived-ts lvs` reads: the services as last installed. */
export interface LvsState {
  /** The tables the counters live in. */
  readonly tables?: TableNames;
  /** Counts by `service_server` index, from a data plane that keeps its own (else nft and conntrack are read). */
  readonly live?: Readonly<Record<string, LiveCounts>>;
  readonly services: ReadonlyArray<{
    readonly index: number;
    readonly key: string;
    readonly protocol: string;
    readonly ip?: string;
    readonly port?: number;
    readonly fwmark?: number;
    /** The resolved address family (IPv6 fwmark services print `FWM  N IPv6`). */
    readonly family?: string;
    readonly scheduler: string;
    readonly method: string;
    readonly persistence?: number;
    readonly granularity?: string | number;
    readonly ops: boolean;
    /** `id`: the server's counters (`in_ID`, `out_ID`, chain `rs_ID`) and live counts. */
    readonly dests: ReadonlyArray<{ readonly ip: string; readonly port: number; readonly weight: number; readonly id?: string }>;
  }>;
}

/** `servers`: the NAT services' server lists (nft-nat.ts), whose order names the counters. */
export function lvsState(pools: readonly ServicePool[], tables?: TableNames, servers?: ReadonlyMap<string, readonly NatServer[]>): LvsState {
  return {
    ...(tables ? { tables } : {}),
    services: pools.map((p, index) => ({
      index, key: p.key, protocol: p.vs.protocol ?? 'TCP', scheduler: p.vs.lvs_sched, method: p.vs.lvs_method, ops: p.vs.ops,
      ...(p.vs.ip !== undefined ? { ip: p.vs.ip } : {}), ...(p.vs.port !== undefined ? { port: p.vs.port } : {}), ...(p.vs.fwmark !== undefined ? { fwmark: p.vs.fwmark } : {}),
      ...(p.vs.family !== undefined ? { family: p.vs.family } : {}),
      ...(p.vs.persistence_timeout !== undefined ? { persistence: p.vs.persistence_timeout } : {}), ...(p.vs.persistence_granularity !== undefined ? { granularity: p.vs.persistence_granularity } : {}),
      dests: p.entries.map((e, k) => {
        const s = servers?.get(p.key)?.findIndex((x) => x.ip === e.ip && x.port === e.port) ?? -1;
        return { ip: e.ip, port: e.port, weight: e.weight, id: `${index}_${s >= 0 ? s : k}` };
      }),
    })),
  };
}

export class NftDataPlane implements DataPlane {
  private installed: readonly string[] = [];
  private last: readonly ServicePool[] = [];
  private lastDr = '';
  /** The DR paths last known, by server address. */
  private knownPaths = new Map<string, DrPath>();
  private reported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private steerTimer: NodeJS.Timeout | undefined;
  private counts: ReadonlyMap<string, [number, number]> = new Map();
  /** A resteer() round is running. */
  private steering = false;
  private lastSteered = '';
  private busy: Promise<void> = Promise.resolve();
  private nat: NatRuleset | undefined;
  /** NAT: every server each service has had, in order (nft-nat.ts): leaving and returning change no shape. */
  private natServers = new Map<string, NatServer[]>();
  private dr: DrRuleset | undefined;
  private drain = new Map<string, DrainState>();
  private slotMemo = new Map<string, { sig: string; slots: Slots }>();
  private drainTimer: NodeJS.Timeout | undefined;
  /** Loads failed in a row, the retry waiting, and the delay before the next one. */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  /** NAT UDP services as last loaded: their address and their servers (by `ip|port`), by pool key. */
  private natUdp = new Map<string, { vip?: string; vport?: number; servers: Map<string, { ip: string; port: number }> }>();
  private forgetting: Promise<void> = Promise.resolve();
  private readonly names: TableNames;
  private readonly now: () => number;
  /** Applies done and their time, for benchmarks and logs. */
  readonly stats = { applies: 0, lastMs: 0 };

  constructor(private readonly deps: NftDeps) {
    this.names = deps.names ?? DEFAULT_TABLES;
    this.now = deps.now ?? (() => performance.now());
    this.retryDelay = deps.retryMs ?? 1000;
    const every = deps.refreshMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => void this.refresh(), every);
      this.timer.unref();
    }
    if (deps.counts) {
      this.steerTimer = setInterval(() => void this.resteer(), deps.steerMs ?? 1000);
      this.steerTimer.unref();
    }
  }

  /**
   * Least-connection services: re-read the counts and reload when the steering weights moved.
   * One round at a time: on a loaded director `conntrack -L` can take longer than the period
   * (bench/soak: ~3 s for 15,000 connections at a load of 15 on 2 cores), and the rounds piled up,
   * several listings counted at once in the checker's loop.
   */
  private async resteer(): Promise<void> {
    if (this.steering) return;
    if (!this.last.some((p) => STEERED.has(p.vs.lvs_sched) && p.vs.lvs_method === 'NAT')) return;
    this.steering = true;
    try {
      this.counts = await this.deps.counts!();
      if (JSON.stringify(steer(this.last, this.counts).map((p) => p.entries)) !== this.lastSteered) {
        await this.apply(this.last).catch((e: Error) => this.deps.log.error(`data plane: ${e.message}`));
      }
    } finally {
      this.steering = false;
    }
  }

  apply(pools: readonly ServicePool[]): Promise<void> {
    this.last = pools;
    const p = this.busy.then(() => this.load(pools));
    this.busy = p.then(() => this.loaded(), (e: Error) => this.failed(e));
    return p;
  }

  private loaded(): void {
    if (this.failures > 0) this.deps.log.info(`nftables: rules loaded after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    this.retryDelay = this.deps.retryMs ?? 1000;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Logs the first failure of a streak only, and tries the latest pools again later. */
  private failed(e: Error): void {
    if (this.failures++ === 0) this.deps.log.error(`nftables: loading the rules failed (${e.message}); trying again until it works`);
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.apply(this.last).catch(() => undefined);
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, this.deps.retryMaxMs ?? 30_000);
  }

  private async load(given: readonly ServicePool[]): Promise<void> {
    const t0 = performance.now();
    const odd: string[] = [];
    const pools = normalisePools(given, odd);
    const drPools = pools.filter((p) => p.vs.lvs_method === 'DR');
    const drIps = this.drAddresses(pools);
    const dr = await this.paths(drIps);
    this.lastDr = JSON.stringify([...dr.entries()].sort());
    this.stepDrains(drPools, dr);
    const steered = steer(pools, this.counts);
    this.lastSteered = JSON.stringify(steered.map((p) => p.entries));
    const servers = this.serversOf(pools);
    const r = buildRuleset({ pools: steered, dr, names: this.names, drain: this.drain, flowTimeoutS: this.drainS() || DR_FLOW_TIMEOUT_S, snat: !!this.deps.snat, servers });
    const problems = [...odd, ...r.problems];
    for (const m of problems) {
      if (!this.reported.has(m)) this.deps.log.error(m);
    }
    this.reported = new Set(problems);
    const stale = this.installed.filter((t) => !r.tables.includes(t));
    let script = removalScript(stale);
    if (r.nat) script += this.nat && this.nat.shape === r.nat.shape ? natUpdate(this.names.nat, r.nat, this.nat) : natTableScript(this.names.nat, r.nat);
    if (r.dr) script += this.dr && this.dr.shape === r.dr.shape ? drUpdate(this.names.dr, r.dr, this.dr) : drTableScript(this.names.dr, r.dr);
    if (script) await this.deps.run(script);
    this.forgetLeavers(pools);
    this.installed = r.tables;
    this.nat = r.nat;
    this.dr = r.dr;
    if (this.deps.statePath) {
      try {
        fs.writeFileSync(this.deps.statePath, JSON.stringify(lvsState(pools, this.names, servers)) + '\n', { mode: 0o644 });
      } catch (e) {
        this.deps.log.error(`Unable to write ${this.deps.statePath}: ${(e as Error).message}`);
      }
    }
    this.stats.applies++;
    this.stats.lastMs = performance.now() - t0;
  }

  /**
   * Conntrack keeps a NAT flow on its server after the server leaves the pool, which drains TCP
   * (a connection ends) but not UDP: a client that keeps its port would go on reaching a server
   * that is gone. So the UDP flows of a server that left its pool, or whose service went, are
   * deleted once the new rules are in; the next datagram is scheduled afresh. A server at weight
   * 0 stays in the pool and keeps its flows, as IPVS's quiescent servers do.
   */
  private forgetLeavers(pools: readonly ServicePool[]): void {
    const next: typeof this.natUdp = new Map();
    for (const p of pools) {
      if (p.vs.lvs_method !== 'NAT' || (p.vs.protocol !== 'UDP' && p.vs.fwmark === undefined)) continue;
      const servers = new Map(p.entries.map((e) => [`${e.ip}|${e.port}`, { ip: e.ip, port: e.port }] as const));
      next.set(p.key, { ...(p.vs.ip !== undefined ? { vip: p.vs.ip } : {}), ...(p.vs.port !== undefined ? { vport: p.vs.port } : {}), servers });
    }
    const gone: { vip?: string; vport?: number; server: string; serverPort: number }[] = [];
    for (const [key, was] of this.natUdp) {
      const now = next.get(key);
      for (const [id, s] of was.servers) {
        if (now?.servers.has(id)) continue;
        gone.push({ ...(was.vip !== undefined ? { vip: was.vip } : {}), ...(was.vport !== undefined ? { vport: was.vport } : {}), server: s.ip, serverPort: s.port });
      }
    }
    this.natUdp = next;
    const forget = this.deps.forgetUdp;
    if (!forget || gone.length === 0) return;
    // One deletion at a time, behind the loads: each walks the whole connection table.
    this.forgetting = this.forgetting.then(async () => {
      for (const f of gone) {
        if (!(await forget(f))) this.deps.log.warn(`conntrack: could not delete the UDP flows of ${f.server}:${f.serverPort}; its clients reach it until they time out`);
      }
    });
  }

  /** freshSlots, remembered per service while its servers, weights and MACs stay (a Maglev table is ~0.2 ms). */
  private slotsOf(p: ServicePool, dr: ReadonlyMap<string, DrPath>): Slots {
    const sig = p.entries.map((e) => `${e.ip}:${e.port}:${e.weight}:${dr.has(e.ip)}`).join(',');
    const hit = this.slotMemo.get(p.key);
    if (hit?.sig === sig) return hit.slots;
    const slots = freshSlots(p, dr);
    this.slotMemo.set(p.key, { sig, slots });
    return slots;
  }

  /** The NAT services' server lists, extended by servers seen for the first time; others dropped. */
  private serversOf(pools: readonly ServicePool[]): ReadonlyMap<string, readonly NatServer[]> {
    const next = new Map<string, NatServer[]>();
    for (const p of pools) {
      if (p.vs.lvs_method !== 'NAT') continue;
      const list = [...(this.natServers.get(p.key) ?? [])];
      for (const e of p.entries) if (!list.some((x) => x.ip === e.ip && x.port === e.port)) list.push({ ip: e.ip, port: e.port });
      next.set(p.key, list);
    }
    this.natServers = next;
    return next;
  }

  /** The DR servers to resolve: the pools', and those a drain still holds (their old flows need the MAC). */
  private drAddresses(pools: readonly ServicePool[]): string[] {
    const held = [...this.drain.values()].flatMap((s) => s.held).filter((k): k is string => k !== undefined).map((k) => k.slice(0, k.lastIndexOf(':')));
    return [...new Set([...pools.filter((p) => p.vs.lvs_method === 'DR').flatMap((p) => p.entries.map((e) => e.ip)), ...held])];
  }

  private drainS(): number {
    return this.deps.drainS ?? DR_FLOW_TIMEOUT_S;
  }

  /** Moves each DR service's drain state to its table now, and wakes up when a window ends. */
  private stepDrains(drPools: readonly ServicePool[], dr: ReadonlyMap<string, DrPath>): void {
    const now = this.now();
    const next = new Map<string, DrainState>();
    for (const p of drPools) next.set(p.key, drainStep(this.drain.get(p.key), this.slotsOf(p, dr), now, this.drainS() * 1000));
    this.drain = next;
    for (const k of this.slotMemo.keys()) if (!next.has(k)) this.slotMemo.delete(k);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    const ends = [...next.values()].map((s) => s.until).filter((u): u is number => u !== undefined);
    if (ends.length === 0) return;
    this.drainTimer = setTimeout(() => void this.apply(this.last).catch((e: Error) => this.deps.log.error(`data plane: ${e.message}`)), Math.max(0, Math.min(...ends) - now) + 10);
    this.drainTimer.unref();
  }

  /**
   * DR paths for `ips`: a server the resolver does not answer for keeps its last known path, so
   * a failed neighbour read (ip not run, the table dumped half) drops no server.
   */
  private async paths(ips: readonly string[]): Promise<Map<string, DrPath>> {
    let got = new Map<string, DrPath>();
    if (ips.length === 0) return got;
    try {
      got = await this.deps.resolve(ips);
    } catch (e) {
      this.deps.log.warn(`DR: reading the neighbour table failed (${(e as Error).message}); the last known MACs are kept`);
    }
    const out = new Map<string, DrPath>();
    for (const ip of ips) {
      const p = got.get(ip) ?? this.knownPaths.get(ip);
      if (p) out.set(ip, p);
    }
    this.knownPaths = out;
    return out;
  }

  /** Re-resolves DR neighbours; reloads only if a MAC or path changed. */
  private async refresh(): Promise<void> {
    const drIps = this.drAddresses(normalisePools(this.last, []));
    if (drIps.length === 0) return;
    const dr = await this.paths(drIps);
    if (JSON.stringify([...dr.entries()].sort()) !== this.lastDr) await this.apply(this.last).catch((e: Error) => this.deps.log.error(`data plane: ${e.message}`));
  }

  async close(keep = false): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.steerTimer) clearInterval(this.steerTimer);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    await this.busy;
    await this.forgetting;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!keep && this.installed.length) await this.deps.run(removalScript(this.installed));
    if (!keep && this.deps.statePath) fs.rmSync(this.deps.statePath, { force: true });
    this.installed = [];
    this.nat = undefined;
    this.dr = undefined;
  }
}
