/**
 * A deterministic simulator: routers running the real VRRP engine on one in-memory L2 segment,
 * under a virtual clock. Adverts go through the real codec and receive checks; the segment adds
 * delivery delay, loss, partitions; nodes crash, restart and lose their interface. A failover that
 * takes seconds on the wire runs here in microseconds of CPU, the same way every time.
 */
import { decodeAdvertisement, encodeAdvertisement, passAuthData, AUTH_NONE, AUTH_PASS } from '../vrrp/packet.js';
import { checkAdvert, type RefuseReason } from '../vrrp/receive.js';
import { initialRouterState, routerWakeup, stepAll, stepRouter, type RouterAction, type RouterParams, type RouterState } from '../vrrp/router.js';
import type { InstanceParams, VrrpState } from '../vrrp/types.js';

export const MCAST_GROUP = '224.0.0.18';

/** A simulated instance: the engine's parameters plus what goes into its adverts. */
export interface SimInstance extends InstanceParams {
  readonly addresses: readonly string[];
  readonly authPass?: string;
  /** The link (interface) the instance runs on; VRIDs are per link. Default 'eth0'. */
  readonly link?: string;
}

export interface SimNodeSpec {
  readonly name: string;
  readonly instances: readonly SimInstance[];
  readonly groups?: RouterParams['groups'];
  /** vrrp_startup_delay of the node's process, applied at every (re)start. */
  readonly startupDelayUs?: number;
}

export interface SegmentOptions {
  /** One-way delivery delay, microseconds. */
  readonly delayUs?: number;
  /** Probability that one delivery is lost. */
  readonly loss?: number;
  /** Deterministic randomness (loss). */
  readonly random?: () => number;
}

export interface TimelineEntry {
  readonly at: number;
  readonly node: string;
  readonly action: RouterAction;
}

interface Node {
  readonly spec: SimNodeSpec;
  readonly params: RouterParams;
  readonly byName: ReadonlyMap<string, SimInstance>;
  state: RouterState;
  alive: boolean;
  interfaceUp: boolean;
  /** vrid -> whether the node holds the virtual addresses. */
  readonly holding: Map<number, boolean>;
  /** routerWakeup(state), kept current by apply() so the event loop does not rescan. */
  wakeup: number | undefined;
  readonly refused: Map<RefuseReason | 'decode', number>;
}

interface Delivery {
  readonly at: number;
  readonly seq: number;
  readonly to: string;
  readonly from: string;
  readonly link: string;
  readonly bytes: Uint8Array;
}

export class Segment {
  now = 0;
  readonly timeline: TimelineEntry[] = [];
  private readonly nodes = new Map<string, Node>();
  private queue: Delivery[] = [];
  private seq = 0;
  /** Nodes in different partition cells cannot hear each other; undefined: all connected. */
  private cells: Map<string, number> | undefined;
  private readonly delayUs: number;
  private readonly loss: number;
  private readonly random: () => number;

  constructor(opts: SegmentOptions = {}) {
    this.delayUs = opts.delayUs ?? 100;
    this.loss = opts.loss ?? 0;
    this.random = opts.random ?? mulberry32(1);
  }

  addNode(spec: SimNodeSpec): void {
    const params: RouterParams = { instances: spec.instances, groups: spec.groups ?? [], ...(spec.startupDelayUs ? { startupDelayUs: spec.startupDelayUs } : {}) };
    this.nodes.set(spec.name, {
      spec, params, byName: new Map(spec.instances.map((i) => [i.name, i])), state: initialRouterState(params), alive: false, interfaceUp: true,
      holding: new Map(), refused: new Map(), wakeup: undefined,
    });
    this.boot(spec.name);
  }

  private boot(name: string): void {
    const n = this.node(name);
    n.state = initialRouterState(n.params);
    n.alive = true;
    n.holding.clear();
    this.apply(n, stepAll(n.params, n.state, 'start', this.now));
    if (!n.interfaceUp) this.setInterfaceState(n, false);
  }

  /** kill -9: the node stops at once, sends nothing and its addresses vanish with it. */
  crash(name: string): void {
    const n = this.node(name);
    n.alive = false;
    n.holding.clear();
  }

  restart(name: string): void {
    this.boot(name);
  }

  /** SIGTERM: masters send priority 0 and release their addresses. */
  shutdown(name: string): void {
    const n = this.node(name);
    this.apply(n, stepAll(n.params, n.state, 'shutdown', this.now));
    n.alive = false;
  }

  setInterface(name: string, up: boolean): void {
    const n = this.node(name);
    n.interfaceUp = up;
    if (n.alive) this.setInterfaceState(n, up);
  }

  private setInterfaceState(n: Node, up: boolean): void {
    for (const i of n.params.instances) this.apply(n, stepRouter(n.params, n.state, i.name, { kind: 'interface', up }, this.now));
  }

  tracking(name: string, instance: string, delta: number, fault: boolean): void {
    const n = this.node(name);
    this.apply(n, stepRouter(n.params, n.state, instance, { kind: 'tracking', delta, fault, reason: 'tracking' }, this.now));
  }

  /** Splits the segment: each list is a cell whose members hear only each other. */
  partition(...cells: string[][]): void {
    this.cells = new Map();
    cells.forEach((cell, i) => cell.forEach((n) => this.cells!.set(n, i)));
  }

  heal(): void {
    this.cells = undefined;
  }

  /** Runs the clock forward to `until`, processing deliveries and timers in time order. */
  runUntil(until: number): void {
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > until) break;
      this.now = Math.max(this.now, next);
      this.processAt(this.now);
    }
    this.now = until;
  }

  run(durationUs: number): void {
    this.runUntil(this.now + durationUs);
  }

  private nextEventTime(): number | undefined {
    let t = this.queue.length > 0 ? this.queue[0]!.at : undefined;
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      const w = n.wakeup;
      if (w !== undefined && (t === undefined || w < t)) t = w;
    }
    return t;
  }

  private processAt(t: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= t) this.receive(this.queue.shift()!);
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      if (n.wakeup !== undefined && n.wakeup <= t) this.apply(n, stepAll(n.params, n.state, 'timer', t));
    }
  }

  private apply(n: Node, r: { state: RouterState; actions: readonly RouterAction[] }): void {
    n.state = r.state;
    n.wakeup = routerWakeup(n.state);
    for (const a of r.actions) {
      this.timeline.push({ at: this.now, node: n.spec.name, action: a });
      if (a.kind === 'group_transition') continue;
      const inst = n.byName.get(a.instance)!;
      if (a.kind === 'add_addresses') n.holding.set(inst.vrid, true);
      else if (a.kind === 'remove_addresses') n.holding.set(inst.vrid, false);
      else if (a.kind === 'send_advert') this.broadcast(n, inst, a.priority);
    }
  }

  private broadcast(from: Node, inst: SimInstance, priority: number): void {
    if (!from.interfaceUp) return;
    const bytes = encodeAdvertisement(
      {
        version: inst.version, vrid: inst.vrid, priority, intervalCs: inst.advertIntervalUs / 10_000, family: 'inet',
        addresses: inst.addresses, authType: inst.authPass !== undefined && inst.version === 2 ? AUTH_PASS : AUTH_NONE,
        ...(inst.authPass !== undefined ? { authData: passAuthData(inst.authPass) } : {}),
      },
      { src: inst.primaryAddress, dst: MCAST_GROUP },
    );
    for (const to of this.nodes.values()) {
      if (to === from) continue;
      if (this.cells && this.cells.get(to.spec.name) !== this.cells.get(from.spec.name)) continue;
      if (this.loss > 0 && this.random() < this.loss) continue;
      this.enqueue({ at: this.now + this.delayUs, seq: this.seq++, to: to.spec.name, from: inst.primaryAddress, link: inst.link ?? 'eth0', bytes });
    }
  }

  private enqueue(d: Delivery): void {
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.at > d.at || (this.queue[i - 1]!.at === d.at && this.queue[i - 1]!.seq > d.seq))) i--;
    this.queue.splice(i, 0, d);
  }

  private receive(d: Delivery): void {
    const n = this.nodes.get(d.to);
    if (!n || !n.alive || !n.interfaceUp) return;
    const decoded = decodeAdvertisement(d.bytes, 'inet', { src: d.from, dst: MCAST_GROUP });
    if (!decoded.ok) {
      n.refused.set('decode', (n.refused.get('decode') ?? 0) + 1);
      return;
    }
    const inst = n.spec.instances.find((i) => i.vrid === decoded.advert.vrid && (i.link ?? 'eth0') === d.link);
    if (!inst) return;
    const verdict = checkAdvert(decoded.advert, { src: d.from, ttl: 255, multicast: true }, {
      version: inst.version, authType: inst.authPass !== undefined && inst.version === 2 ? AUTH_PASS : AUTH_NONE,
      ...(inst.authPass !== undefined ? { authData: passAuthData(inst.authPass) } : {}),
      advertIntervalCs: inst.advertIntervalUs / 10_000, addresses: inst.addresses, checkUnicastSrc: false, skipCheckAdvAddr: false,
    });
    if (!verdict.accept) {
      n.refused.set(verdict.reason, (n.refused.get(verdict.reason) ?? 0) + 1);
      return;
    }
    this.apply(n, stepRouter(n.params, n.state, inst.name, { kind: 'advert', advert: decoded.advert, src: d.from }, this.now));
  }

  // Observation, for tests and benchmarks.

  stateOf(node: string, instance: string): VrrpState {
    const n = this.node(node);
    return n.alive ? n.state.instances.get(instance)!.state : 'STOP';
  }

  /** Names of the live nodes in MASTER for `vrid`. */
  masters(vrid: number): string[] {
    const out: string[] = [];
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      for (const i of n.spec.instances) if (i.vrid === vrid && n.state.instances.get(i.name)!.state === 'MASTER') out.push(n.spec.name);
    }
    return out;
  }

  /** Names of the live nodes holding `vrid`'s addresses. */
  holders(vrid: number): string[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.holding.get(vrid)).map((n) => n.spec.name);
  }

  refusedCount(node: string, reason: RefuseReason | 'decode'): number {
    return this.node(node).refused.get(reason) ?? 0;
  }

  routerState(node: string): RouterState {
    return this.node(node).state;
  }

  /** When `node` last entered `state` on `instance` (undefined: never). */
  lastTransition(node: string, instance: string, to: VrrpState): number | undefined {
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const e = this.timeline[i]!;
      if (e.node === node && e.action.kind === 'transition' && e.action.instance === instance && e.action.to === to) return e.at;
    }
    return undefined;
  }

  private node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new RangeError(`no node ${name}`);
    return n;
  }
}

/** A small seeded PRNG, so that loss and property tests replay exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
