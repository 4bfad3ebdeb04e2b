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

export type TrackedState = { readonly up: boolean } | { readonly value: number };
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

  constructor(
    config: KeepalivedConfig,
    runtimes: ReadonlyMap<string, Runtime>,
    private readonly links: Map<string, LinkInfo>,
  ) {
    for (const s of config.vrrp_script) if (s.init_fail) this.values.set(`script:${s.name}`, { up: false });
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
      ...w.objects.map((o): TrackedObject => {
        const v = this.values.get(`${o.kind}:${o.name}`);
        if (o.kind === 'file') return { kind: 'file', name: `track_file ${o.name}`, weight: o.weight, reverse: o.reverse, value: v && 'value' in v ? v.value : 0 };
        // Until a runner reports, an object counts as up (Keepalived's scripts start at rise - 1).
        return { kind: 'binary', name: `${o.kind} ${o.name}`, weight: o.weight, reverse: o.reverse, up: v && 'up' in v ? v.up : true };
      }),
    ];
    const outcome = trackingOutcome(objects);
    const key = `${outcome.delta}/${outcome.fault}`;
    if (this.last.get(inst) !== key) {
      this.last.set(inst, key);
      const why = outcome.fault ? `${reason}; in fault: ${outcome.faults.join(', ')}` : reason;
      out.push([inst, { kind: 'tracking', delta: outcome.delta, fault: outcome.fault, reason: why }]);
    }
    return out;
  }
}

function describe(s: TrackedState): string {
  return 'up' in s ? (s.up ? 'succeeded' : 'failed') : `= ${s.value}`;
}
