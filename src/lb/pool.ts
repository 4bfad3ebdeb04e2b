/**
 * A virtual server's live pool: which real servers are in it, with what weight, and when the sorry
 * server stands in (Keepalived check/ipwrapper.c: update_svr_checker_state(), perform_svr_state(),
 * update_quorum_state(), update_svr_wgt(), init_service_rs(); ipvswrapper.c for inhibit_on_failure).
 *
 * Pure: checkers report up/down and weight changes, the step returns the new state and what to
 * tell the world (log lines, real server and quorum notifications). `desiredPool()` is what the data
 * plane should forward to; it is derived from the state alone, so a data plane can always be
 * brought back in line from it.
 *
 * Keepalived's rules kept here:
 * - A real server is alive while none of its checkers is down (num_failed_checkers = 0).
 * - A dead real server leaves the pool, or stays with weight 0 under inhibit_on_failure.
 * - Quorum: the sum of the live weights must reach quorum + hysteresis to be gained and fall
 *   below quorum - hysteresis (or to 0) to be lost. While it is lost and a sorry server exists, the
 *   sorry server alone takes new connections (live real servers are withdrawn).
 * - Weights are clamped to 0..IPVS_WEIGHT_LIMIT when written to the data plane.
 */
import type { VirtualServer } from '../config/model.js';
import type { DeepReadonly } from '../config/schema.js';
import { formatRs, formatVs } from '../config/sections/lvs-format.js';

/** IPVS_WEIGHT_MAX (include/ip_vs.h): INT_MAX. */
export const IPVS_WEIGHT_LIMIT = 2147483647;

export function realWeight(w: number): number {
  return w < 0 ? 0 : w > IPVS_WEIGHT_LIMIT ? IPVS_WEIGHT_LIMIT : w;
}

export interface RealServerLive {
  readonly alive: boolean;
  /** Checkers currently down. */
  readonly failed: number;
  /** The configured weight plus what dynamic checkers (misc_dynamic, FILE_CHECK) add. */
  readonly weight: number;
}

export interface PoolState {
  readonly quorumUp: boolean;
  readonly sorryAlive: boolean;
  readonly rs: readonly RealServerLive[];
}

export type PoolEffect =
  | { readonly kind: 'log'; readonly message: string }
  /** notify_up / notify_down, the FIFO's `RS ... UP|DOWN` line. */
  | { readonly kind: 'rs'; readonly index: number; readonly up: boolean }
  /** quorum_up / quorum_down, the FIFO's `VS ... UP|DOWN` line, the quorum e-mail. */
  | { readonly kind: 'quorum'; readonly up: boolean; readonly init: boolean; readonly threshold: number; readonly weightSum: number };

export interface PoolStep {
  readonly state: PoolState;
  readonly effects: readonly PoolEffect[];
}

export interface PoolEntry {
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
  /** Index in virtual_server.real_server, or 'sorry'. */
  readonly server: number | 'sorry';
}

export type PoolVs = DeepReadonly<Pick<VirtualServer, 'ip' | 'port' | 'fwmark' | 'group' | 'protocol' | 'quorum' | 'hysteresis' | 'real_server' | 'sorry_server'>>;

function liveWeight(rs: readonly RealServerLive[]): number {
  let sum = 0;
  for (const r of rs) if (r.alive) sum += realWeight(r.weight);
  return sum;
}

class Stepper {
  private quorumUp: boolean;
  private sorryAlive: boolean;
  private readonly rs: RealServerLive[];
  readonly effects: PoolEffect[] = [];

  constructor(private readonly vs: PoolVs, s: PoolState) {
    this.quorumUp = s.quorumUp;
    this.sorryAlive = s.sorryAlive;
    this.rs = [...s.rs];
  }

  done(): PoolStep {
    return { state: { quorumUp: this.quorumUp, sorryAlive: this.sorryAlive, rs: this.rs }, effects: this.effects };
  }

  log(message: string): void {
    this.effects.push({ kind: 'log', message });
  }

  rsName(i: number): string {
    return formatRs(this.vs.real_server[i]!, this.vs);
  }

  get vsName(): string {
    return formatVs(this.vs);
  }

  setRs(i: number, patch: Partial<RealServerLive>): void {
    this.rs[i] = { ...this.rs[i]!, ...patch };
  }

  /** perform_svr_state(): a real server joins or leaves. */
  serverState(i: number, alive: boolean): void {
    if (this.rs[i]!.alive === alive) return;
    const inhibit = this.vs.real_server[i]!.inhibit_on_failure;
    const verb = alive ? (inhibit ? 'Enabling' : 'Adding') : inhibit ? 'Disabling' : 'Removing';
    this.log(`${verb} service ${this.rsName(i)} ${inhibit ? 'of' : alive ? 'to' : 'from'} VS ${this.vsName}`);
    this.setRs(i, { alive });
    this.effects.push({ kind: 'rs', index: i, up: alive });
    this.quorum(false);
  }

  /** update_quorum_state(). */
  quorum(init: boolean): void {
    const { quorum, hysteresis } = this.vs;
    const sum = liveWeight(this.rs);
    const threshold = quorum + (this.quorumUp ? -1 : 1) * hysteresis;
    const sorry = this.vs.sorry_server;
    if (!this.quorumUp && sum >= threshold) {
      this.quorumUp = true;
      this.log(`Gained quorum ${quorum}+${hysteresis}=${threshold} <= ${sum} for VS ${this.vsName}`);
      if (sorry && this.sorryAlive) {
        this.log(`${sorry.inhibit_on_failure ? 'Disabling' : 'Removing'} sorry server ${formatRs(sorry, this.vs)} from VS ${this.vsName}`);
        this.sorryAlive = false;
        this.log(`Adding alive servers to the pool for VS ${this.vsName}`);
      }
      this.effects.push({ kind: 'quorum', up: true, init, threshold, weightSum: sum });
    } else if ((this.quorumUp && (sum === 0 || sum < threshold)) || (init && !this.quorumUp && sorry && !this.sorryAlive)) {
      this.quorumUp = false;
      this.log(`${init ? 'Starting with quorum down' : 'Lost quorum'} ${quorum}-${hysteresis}=${threshold} > ${sum} for VS ${this.vsName}`);
      if (sorry && !this.sorryAlive) {
        this.log(`${sorry.inhibit_on_failure ? 'Enabling' : 'Adding'} sorry server ${formatRs(sorry, this.vs)} to VS ${this.vsName}`);
        this.log(`Removing alive servers from the pool for VS ${this.vsName}`);
        this.sorryAlive = true;
      }
      this.effects.push({ kind: 'quorum', up: false, init, threshold, weightSum: sum });
    }
  }
}

/**
 * The state at start-up (not a reload): real servers whose checkers all start up (no alpha) are in
 * the pool; quorum is judged with hysteresis; a sorry server is put in at once when quorum is not
 * there. `initiallyFailed[i]` is the number of real server i's checkers that start down (alpha).
 */
export function startPool(vs: PoolVs, initiallyFailed: readonly number[], opts: { initNotifies?: boolean } = {}): PoolStep {
  const rs = vs.real_server.map((r, i) => {
    const failed = initiallyFailed[i] ?? 0;
    return { alive: failed === 0, failed, weight: r.weight };
  });
  const s = new Stepper(vs, { quorumUp: liveWeight(rs) >= vs.quorum + vs.hysteresis, sorryAlive: false, rs });
  if (opts.initNotifies) rs.forEach((r, i) => r.alive && s.effects.push({ kind: 'rs', index: i, up: true }));
  s.quorum(true);
  return s.done();
}

/**
 * A checker of real server `i` decided its state (update_svr_checker_state()). `wasUp` is the
 * checker's state before, `firstRun` whether this is its first decision, `alpha` its mode.
 */
export function checkerDecided(vs: PoolVs, state: PoolState, i: number, c: { wasUp: boolean; up: boolean; firstRun: boolean; alpha: boolean }): PoolStep {
  const s = new Stepper(vs, state);
  if (c.wasUp === c.up) {
    // The first result confirms the starting state: alpha servers announce they are down.
    if (c.firstRun && (c.alpha || !c.up)) s.effects.push({ kind: 'rs', index: i, up: state.rs[i]!.alive });
    return s.done();
  }
  const failed = state.rs[i]!.failed;
  if (c.up && failed <= 1) s.serverState(i, true);
  else if (!c.up && failed === 0) s.serverState(i, false);
  s.setRs(i, { failed: c.up ? Math.max(0, failed - 1) : failed + 1 });
  return s.done();
}

/** update_svr_wgt(): a dynamic checker moved the real server's weight. */
export function weightChanged(vs: PoolVs, state: PoolState, i: number, weight: number): PoolStep {
  const s = new Stepper(vs, state);
  const before = realWeight(state.rs[i]!.weight);
  s.setRs(i, { weight });
  if (realWeight(weight) !== before) {
    s.log(`Changing weight from ${before} to ${realWeight(weight)} for ${state.rs[i]!.alive ? '' : 'in'}active service ${s.rsName(i)} of VS ${s.vsName}`);
    s.quorum(false);
  }
  return s.done();
}

/** What the data plane should hold for this virtual server now. */
export function desiredPool(vs: PoolVs, state: PoolState): PoolEntry[] {
  const out: PoolEntry[] = [];
  const sorryActive = !!vs.sorry_server && state.sorryAlive;
  vs.real_server.forEach((r, i) => {
    const live = state.rs[i]!;
    // Withdrawn (while the sorry server stands in) or dead: gone, or kept at 0 by inhibit_on_failure.
    const serving = live.alive && !sorryActive;
    if (serving) out.push({ ip: r.ip, port: r.port, weight: realWeight(live.weight), server: i });
    else if (r.inhibit_on_failure) out.push({ ip: r.ip, port: r.port, weight: 0, server: i });
  });
  const sorry = vs.sorry_server;
  if (sorry && (sorryActive || sorry.inhibit_on_failure)) {
    // A sorry server that is also a real server shares its IPVS destination.
    const dup = out.findIndex((e) => e.ip === sorry.ip && e.port === sorry.port);
    const entry: PoolEntry = { ip: sorry.ip, port: sorry.port, weight: sorryActive ? 1 : 0, server: 'sorry' };
    if (dup < 0) out.push(entry);
    else if (sorryActive) out[dup] = { ...out[dup]!, weight: Math.max(out[dup]!.weight, 1) };
  }
  return out;
}
