/**
 * All the VRRP instances of one keepalived-ts process, and their sync groups, as one pure state
 * machine. Sync groups follow Keepalived (vrrp_sync.c): a member goes MASTER only when every other
 * member wants MASTER too (preferring BACKUP avoids thrashing), and when one member becomes
 * MASTER, BACKUP or FAULT the others are moved with it.
 */
import { initialState, nextWakeup, step } from './instance.js';
import { InstanceStates } from './instance-states.js';
import type { Action, InstanceEvent, InstanceParams, InstanceState, VrrpState } from './types.js';

export interface SyncGroupParams {
  readonly name: string;
  readonly members: readonly string[];
}

export interface RouterParams {
  readonly instances: readonly InstanceParams[];
  readonly groups: readonly SyncGroupParams[];
  /** vrrp_startup_delay (global_defs): applies to the 'start' of stepAll, not to later starts. */
  readonly startupDelayUs?: number;
}

export interface RouterState {
  readonly instances: InstanceStates;
  readonly groups: Readonly<Record<string, VrrpState>>;
}

export type RouterAction =
  | (Action & { readonly instance: string })
  | { readonly kind: 'group_transition'; readonly group: string; readonly from: VrrpState; readonly to: VrrpState; readonly reason: string };

export interface RouterStep {
  readonly state: RouterState;
  readonly actions: readonly RouterAction[];
}

export function initialRouterState(p: RouterParams): RouterState {
  const instances = InstanceStates.of(p.instances.map((i) => [i.name, initialState(i)] as const));
  const groups: Record<string, VrrpState> = {};
  for (const g of p.groups) groups[g.name] = 'INIT';
  return { instances, groups };
}

export function routerWakeup(s: RouterState): number | undefined {
  let t: number | undefined;
  for (const i of s.instances.values()) {
    const w = nextWakeup(i);
    if (w !== undefined && (t === undefined || w < t)) t = w;
  }
  return t;
}

/** Delivers `event` to one instance (by name) and lets its sync group follow. */
export function stepRouter(p: RouterParams, s: RouterState, name: string, event: InstanceEvent, now: number): RouterStep {
  const r = new RouterMachine(p, s, now);
  r.deliver(name, event);
  return { state: r.s, actions: r.actions };
}

/** Starts every instance, or runs every due timer: the events that concern all instances. */
export function stepAll(p: RouterParams, s: RouterState, kind: 'start' | 'timer' | 'shutdown', now: number): RouterStep {
  const r = new RouterMachine(p, s, now);
  for (const i of p.instances) {
    if (kind === 'timer') {
      const w = nextWakeup(r.s.instances.get(i.name)!);
      if (w === undefined || w > now) continue;
    }
    r.deliver(i.name, kind === 'start' && p.startupDelayUs ? { kind, delayUs: p.startupDelayUs } : { kind });
  }
  return { state: r.s, actions: r.actions };
}

interface RouterIndex {
  readonly params: ReadonlyMap<string, InstanceParams>;
  readonly groupOf: ReadonlyMap<string, SyncGroupParams>;
}

/** Lookups by name, built once per configuration rather than once per event. */
const indexes = new WeakMap<RouterParams, RouterIndex>();

function indexOf(p: RouterParams): RouterIndex {
  let ix = indexes.get(p);
  if (!ix) {
    const params = new Map(p.instances.map((i) => [i.name, i] as const));
    const groupOf = new Map<string, SyncGroupParams>();
    for (const g of p.groups) for (const m of g.members) if (params.has(m)) groupOf.set(m, g);
    ix = { params, groupOf };
    indexes.set(p, ix);
  }
  return ix;
}

/** The context of an instance outside any sync group: one object, not one per event. */
const NOT_IN_GROUP = { canGoMaster: true, inGroup: false } as const;

class RouterMachine {
  readonly actions: RouterAction[] = [];
  /**
   * This step's own copy of the instance record, made at the first change: later changes in the
   * same step write into it, so that a step costs one copy of the record, not one per event (a
   * sync group or a timer batch delivers several). The caller's state is never written.
   */
  private own: ((name: string, st: InstanceState) => void) | undefined;
  private readonly params: ReadonlyMap<string, InstanceParams>;
  private readonly groupOf: ReadonlyMap<string, SyncGroupParams>;

  constructor(
    p: RouterParams,
    public s: RouterState,
    readonly now: number,
  ) {
    ({ params: this.params, groupOf: this.groupOf } = indexOf(p));
  }

  deliver(name: string, event: InstanceEvent): void {
    const p = this.params.get(name);
    const before = this.s.instances.get(name);
    if (!p || !before) return;
    const group = this.groupOf.get(name);
    const canGoMaster = !group || this.s.groups[group.name] === 'MASTER' || group.members.every((m) => m === name || this.s.instances.get(m)?.wantState === 'MASTER');
    const r = step(p, before, event, this.now, group ? { canGoMaster, inGroup: true } : NOT_IN_GROUP);
    if (r.state !== before) {
      if (!this.own) {
        const copy = this.s.instances.withMutable();
        this.s = { ...this.s, instances: copy.states };
        this.own = copy.set;
      }
      this.own(name, r.state);
    }
    for (const a of r.actions) this.actions.push(tagged(a, name));
    if (!group) return;
    for (const a of r.actions) if (a.kind === 'transition') this.follow(group, name, a.to);
  }

  /** Moves the rest of the group after member `name` entered `to`. */
  private follow(g: SyncGroupParams, name: string, to: VrrpState): void {
    const current = this.s.groups[g.name]!;
    let target: 'MASTER' | 'BACKUP' | 'FAULT';
    if (to === 'MASTER') target = 'MASTER';
    else if (to === 'FAULT') target = 'FAULT';
    else if (to === 'BACKUP') {
      // Leaving FAULT: the group recovers only when no member is itself faulty.
      const stillFaulty = g.members.some((m) => m !== name && isFaulty(this.s.instances.get(m), this.params.get(m)));
      if (current === 'FAULT' && stillFaulty) return;
      target = 'BACKUP';
    } else return;
    if (current === target) return;
    this.s = { ...this.s, groups: { ...this.s.groups, [g.name]: target } };
    this.actions.push({ kind: 'group_transition', group: g.name, from: current, to: target, reason: `member ${name} entered ${to}` });
    for (const m of g.members) {
      if (m === name) continue;
      const st = this.s.instances.get(m);
      if (!st || st.state === target || st.state === 'INIT' || st.state === 'STOP') continue;
      this.deliver(m, { kind: 'sync', to: target, group: g.name });
    }
  }
}

/**
 * The action named after its instance. Each action is a new object of the step that just
 * returned it (every emit site builds a literal), so it is named in place: a copy per action
 * (`{ ...a, instance }`) was promoted to the old generation by V8's scavenger, all of them,
 * although none outlives the step's batch (--trace-gc-nvp, 100 masters at 100 ms: 57,600 B
 * promoted per scavenge with the copy, 0 without). That was the VRRP child's old generation
 * growing by ~100 kB/s until a full collection, the saw in its RSS (issue 13).
 */
function tagged(a: Action, instance: string): RouterAction {
  (a as { instance?: string }).instance = instance;
  return a as RouterAction;
}

function isFaulty(s: InstanceState | undefined, p: InstanceParams | undefined): boolean {
  return !!s && (s.trackFault || !s.interfaceUp || p?.configFault !== undefined);
}
