/**
 * The VRRP child's part of the status: each instance with its state, configured and effective
 * priority, master, VIPs, tracked objects and their state, the last transitions with their
 * reasons, and Keepalived's counters; built from what the dumps already read (DumpInput), so the
 * status and the dump files never disagree. Transitions are kept here as they happen (a short
 * ring per instance) and turned into events for followers.
 */
import { counters, dumpedInstances, type DumpInput } from '../dump/common.js';
import type { TimerLag } from '../vrrp/driver.js';
import type { TrackedState } from '../vrrp/tracking-feed.js';
import type { InstanceStatus, StatusEvent, TrackedStatus, TransitionRecord, VrrpPart } from './model.js';

const KEEP = 20;

export class TransitionLog {
  private readonly rings = new Map<string, TransitionRecord[]>();
  readonly byReason: Record<string, number> = {};

  /** Records a transition; returns the event followers are sent. */
  record(instance: string, from: string, to: string, reason: string, priority: number, now = new Date()): StatusEvent {
    const at = now.toISOString();
    const ring = this.rings.get(instance) ?? [];
    ring.push({ at, from, to, reason });
    if (ring.length > KEEP) ring.shift();
    this.rings.set(instance, ring);
    // "init: interface down" and "init" count under their cause, without the instance's details.
    const cause = reason.replace(/\s*\(.*\)$/, '');
    this.byReason[cause] = (this.byReason[cause] ?? 0) + 1;
    return { at, type: 'transition', instance, from, to, reason, priority };
  }

  of(instance: string): readonly TransitionRecord[] {
    return this.rings.get(instance) ?? [];
  }
}

export interface VrrpStatusInput {
  readonly dump: DumpInput;
  readonly transitions: TransitionLog;
  /** Last state each tracker reported, by "kind:name". */
  readonly tracked: ReadonlyMap<string, TrackedState>;
  /** Whether a link is up, as the kernel says now. */
  readonly linkUp: (ifname: string) => boolean | undefined;
  readonly lag: TimerLag;
}

function trackedState(s: TrackedState | undefined): string {
  if (s === undefined) return 'unknown';
  if ('ignored' in s) return 'disabled';
  return 'up' in s ? (s.up ? 'up' : 'down') : String(s.value);
}

export function vrrpPart(input: VrrpStatusInput): VrrpPart {
  const { dump } = input;
  const instances: InstanceStatus[] = dumpedInstances(dump).map(({ rt, st }) => {
    const inst = rt.inst;
    const group = dump.config.vrrp_sync_group.find((g) => g.group.includes(inst.name));
    const lists = [inst, ...(group ? [group] : [])];
    const tracked: TrackedStatus[] = [
      ...lists.flatMap((l) => l.track_interface.map((t): TrackedStatus => {
        const up = input.linkUp(t.name);
        return { kind: 'interface', name: t.name, weight: t.weight, state: up === undefined ? 'missing' : up ? 'up' : 'down' };
      })),
      ...lists.flatMap((l) => [
        ...l.track_script.map((t) => ({ kind: 'script' as const, name: t.name, weight: t.weight })),
        ...l.track_file.map((t) => ({ kind: 'file' as const, name: t.name, weight: t.weight })),
        ...l.track_process.map((t) => ({ kind: 'process' as const, name: t.name, weight: t.weight })),
        ...l.track_bfd.map((t) => ({ kind: 'bfd' as const, name: t.name, weight: t.weight })),
      ].map((t): TrackedStatus => ({ ...t, state: trackedState(input.tracked.get(`${t.kind}:${t.name}`)) }))),
    ];
    return {
      name: inst.name,
      interface: rt.ifname,
      vrid: inst.virtual_router_id,
      version: inst.version,
      state: st.state,
      priority: inst.priority,
      effectivePriority: st.effectivePriority,
      ...(st.state === 'MASTER' ? { master: rt.src } : st.masterAddress !== undefined ? { master: st.masterAddress } : {}),
      vips: inst.virtual_ipaddress.map((a) => `${a.address}/${a.prefixlen}`),
      tracked,
      transitions: input.transitions.of(inst.name),
      counters: counters(rt, st, dump.baseline),
    };
  });
  const scripts = dump.config.vrrp_script.map((s) => {
    const status = dump.scripts?.get(s.name);
    const result = status?.result ?? (s.init_fail ? 0 : s.rise - 1);
    return { name: s.name, status: result >= s.rise ? ('GOOD' as const) : ('BAD' as const), state: status?.state ?? 'idle' };
  });
  return {
    instances,
    scripts,
    transitionsByReason: { ...input.transitions.byReason },
    timerLateness: { maxUs: input.lag.maxLateUs, fired: input.lag.fired },
  };
}
