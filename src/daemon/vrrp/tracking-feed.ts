/**
 * Turns the state of tracked things (links, vrrp_scripts, track_files, tracked processes) into
 * the engine's 'tracking' and 'interface' events, per instance, only when something changed.
 * A sync group's tracked objects count for each of its members.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { LinkInfo } from '../../os/types.js';
import { trackingOutcome, type TrackedObject } from '../../vrrp/tracking.js';
import type { InstanceEvent } from '../../vrrp/types.js';
import type { Runtime } from './runtime.js';

/** ignored: the tracker will never report (a script disabled at start-up); Keepalived drops it. */
export type TrackedState = { readonly up: boolean } | { readonly value: number } | { readonly ignored: true };
type Kind = 'script' | 'file' | 'process' | 'bfd';

interface Ref {
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
}

interface Watch {
  readonly interfaces: readonly Ref[];
  readonly objects: ReadonlyArray<Ref & { readonly kind: Kind }>;
  readonly ownInterface: string | undefined;
}

export class TrackingFeed {
  private readonly watches = new Map<string, Watch>();
  private readonly values = new Map<string, TrackedState>();
  private readonly last = new Map<string, string>();
  private readonly lastUp = new Map<string, boolean>();

  /** Scripts a reload brought in: unknown until they return, but holding nothing (INIT_RELOAD). */
  private readonly addedByReload = new Set<string>();

  /**
   * `previous`: the feed of the configuration a reload replaces. Scripts it knew keep their last
   * result (Keepalived copies a script's state across a reload), so a reload never sends a
   * master to FAULT while its scripts run again.
   */
  constructor(
    config: KeepalivedConfig,
    runtimes: ReadonlyMap<string, Runtime>,
    private readonly links: Map<string, LinkInfo>,
    previous?: TrackingFeed,
  ) {
    for (const s of config.vrrp_script) {
      const key = `script:${s.name}`;
      const old = previous?.values.get(key);
      if (old) this.values.set(key, old);
      else if (s.init_fail) this.values.set(key, { up: false });
      else if (previous) this.addedByReload.add(s.name);
    }
    for (const [name, rt] of runtimes) {
      const group = config.vrrp_sync_group.find((g) => g.group.includes(name));
      const inst = rt.inst;
      const lists = [inst, ...(group ? [group] : [])];
      this.watches.set(name, {
        interfaces: lists.flatMap((l) => l.track_interface),
        objects: lists.flatMap((l) => [
          ...l.track_script.map((t) => ({ ...t, kind: 'script' as const })),
          ...l.track_file.map((t) => ({ ...t, kind: 'file' as const })),
          ...l.track_process.map((t) => ({ ...t, kind: 'process' as const })),
          ...l.track_bfd.map((t) => ({ ...t, kind: 'bfd' as const })),
        ]),
        ownInterface: inst.dont_track_primary ? undefined : rt.ifname,
      });
    }
  }

  /** The events that bring the engine in line with the world as it is at start-up. */
  initialEvents(): Array<[string, InstanceEvent]> {
    const out: Array<[string, InstanceEvent]> = [];
    for (const name of this.watches.keys()) out.push(...this.eventsFor(name, 'start-up'));
    return out;
  }

  set(kind: Kind, name: string, state: TrackedState): Array<[string, InstanceEvent]> {
    this.values.set(`${kind}:${name}`, state);
    const out: Array<[string, InstanceEvent]> = [];
    for (const [inst, w] of this.watches) {
      if (w.objects.some((o) => o.kind === kind && o.name === name)) out.push(...this.eventsFor(inst, `${kind} ${name} ${describe(state)}`));
    }
    return out;
  }

  linkChanged(link: LinkInfo): Array<[string, InstanceEvent]> {
    this.links.set(link.name, link);
    const out: Array<[string, InstanceEvent]> = [];
    for (const [inst, w] of this.watches) {
      if (w.ownInterface === link.name || w.interfaces.some((i) => i.name === link.name)) {
        out.push(...this.eventsFor(inst, `interface ${link.name} ${link.up ? 'up' : 'down'}`));
      }
    }
    return out;
  }

  private eventsFor(inst: string, reason: string): Array<[string, InstanceEvent]> {
    const w = this.watches.get(inst)!;
    const out: Array<[string, InstanceEvent]> = [];
    if (w.ownInterface !== undefined) {
      const up = this.links.get(w.ownInterface)?.up ?? false;
      if (this.lastUp.get(inst) !== up) {
        this.lastUp.set(inst, up);
        out.push([inst, { kind: 'interface', up }]);
      }
    }
    const objects: TrackedObject[] = [
      ...w.interfaces.map((i) => ({ kind: 'binary' as const, name: `interface ${i.name}`, weight: i.weight, reverse: i.reverse, up: this.links.get(i.name)?.up ?? false })),
      ...w.objects.map((o): TrackedObject | undefined => {
        const v = this.values.get(`${o.kind}:${o.name}`);
        if (o.kind === 'file') return { kind: 'file', name: `track_file ${o.name}`, weight: o.weight, reverse: o.reverse, value: v && 'value' in v ? v.value : 0 };
        if (v && 'ignored' in v) return undefined;
        // A script is unknown until its first result (tracking.ts); other trackers report at
        // once and count as up until they do.
        const unknown = o.kind === 'script' ? undefined : true;
        const holds = !(o.kind === 'script' && this.addedByReload.has(o.name));
        return { kind: 'binary', name: `${o.kind} ${o.name}`, weight: o.weight, reverse: o.reverse, up: v && 'up' in v ? v.up : unknown, holds };
      }).filter((o): o is TrackedObject => o !== undefined),
    ];
    const outcome = trackingOutcome(objects);
    const pending = outcome.faults.length === 0 && outcome.pending.length > 0;
    const key = `${outcome.delta}/${outcome.fault}/${pending}`;
    if (this.last.get(inst) !== key) {
      this.last.set(inst, key);
      const why = outcome.faults.length > 0 ? `${reason}; in fault: ${outcome.faults.join(', ')}` : pending ? `${reason}; waiting for ${outcome.pending.join(', ')}` : reason;
      out.push([inst, { kind: 'tracking', delta: outcome.delta, fault: outcome.fault, reason: why, ...(pending ? { pending } : {}) }]);
    }
    return out;
  }
}

function describe(s: TrackedState): string {
  if ('ignored' in s) return 'disabled';
  return 'up' in s ? (s.up ? 'succeeded' : 'failed') : `= ${s.value}`;
}
