/**
 * What a vrrp_instance or vrrp_sync_group tracks: track_interface, track_script, track_file,
 * track_process and track_bfd blocks (keepalived.conf(5) "VRRP instance(s)"; Keepalived
 * vrrp/vrrp_track.c alloc_track_*(), core/track_file.c vrrp_alloc_track_file()).
 *
 * Keepalived resolves a tracked name while it reads the block, against the objects defined so
 * far: a vrrp_script written after the instance that tracks it is "not found". We mirror that by
 * resolving against the draft as it stands when the instance is read. A line without `weight`
 * takes the tracked object's own weight (and reverse flag).
 */
import { byName } from '../name-index.js';
import type { SourcePos } from '../diagnostics.js';
import type { ConfigDraft } from '../model.js';
import { parseInteger, type Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { TrackedInterface, TrackedObject } from './vrrp-instance-types.js';

export type TrackKind = 'script' | 'file' | 'process' | 'bfd';

/** The names Keepalived uses in messages for each kind, and the weight range it accepts. */
const KIND: Record<TrackKind, { keyword: string; text: string; min: number; max: number }> = {
  script: { keyword: 'track_script', text: 'track script', min: -254, max: 254 },
  file: { keyword: 'track_file', text: 'track file', min: -254, max: 254 },
  process: { keyword: 'track_process', text: 'track process', min: -254, max: 254 },
  bfd: { keyword: 'track_bfd', text: 'track bfd', min: -253, max: 253 },
};

interface Target {
  readonly weight?: unknown;
  readonly weight_reverse?: unknown;
  readonly reverse?: unknown;
}

/**
 * The objects a tracked name may refer to, as defined so far (undefined: names are not checked).
 */
export function trackTargets(draft: ConfigDraft | undefined, kind: TrackKind): ReadonlyMap<string, Target> | undefined {
  if (!draft) return undefined;
  const list: readonly { name: string }[] | undefined =
    kind === 'script'
      ? draft.vrrp_script
      : kind === 'file'
        ? draft.track_file
        : kind === 'process'
          ? draft.vrrp_track_process
          : draft.bfd_instance;
  if (!list) return undefined;
  return byName(list as readonly (Target & { name: string })[]);
}

function targetWeight(t: Target | undefined): number {
  return typeof t?.weight === 'number' ? t.weight : 0;
}

function targetReverse(t: Target | undefined): boolean {
  return t?.weight_reverse === true || t?.reverse === true;
}

/** One entry per line of the block: `NAME [weight N [reverse|noreverse]]`. */
function entries(node: ConfNode): { name: string; args: readonly string[]; pos: SourcePos }[] {
  return (node.block ?? []).map((l) => ({ name: l.keyword, args: l.args, pos: l.pos }));
}

/** track_interface { IF [weight N [reverse]] } for instance or sync group `owner`. */
export function readTrackInterfaces(owner: string, node: ConfNode, cx: Cx, into: TrackedInterface[]): void {
  for (const { name, args, pos } of entries(node)) {
    if (into.some((t) => t.name === name)) {
      cx.error(pos, `(${owner}) duplicate track_interface ${name} - ignoring`);
      continue;
    }
    let weight = 0;
    let reverse = false;
    if (args.length >= 1) {
      if (args[0] !== 'weight') {
        cx.error(pos, `(${owner}) unknown track_interface ${name} option ${args[0]} - ignoring`);
        continue;
      }
      if (args.length === 1) {
        cx.error(pos, `(${owner}) weight without value specified for track_interface ${name} - ignoring`);
        continue;
      }
      const w = parseInteger(args[1]!);
      if (w === undefined || w < -254 || w > 254) {
        cx.error(pos, `(${owner}) weight ${args[1]} for ${name} must be between [-253..253] inclusive. Ignoring...`);
      } else if (w === 254 || w === -254) {
        cx.warn(pos, `(${owner}) weight for ${name} cannot be +/-254. Setting to +/-253`);
        weight = w > 0 ? 253 : -253;
      } else weight = w;
      if (args.length >= 3) {
        // Keepalived's message spells it "track_interace".
        if (args[2] === 'reverse') reverse = true;
        else cx.error(pos, `(${owner}) unknown track_interace ${name} weight option ${args[2]} - ignoring`);
      }
    }
    into.push({ name, weight, reverse, pos });
  }
}

/** track_script / track_file / track_process / track_bfd { NAME [weight N [reverse|noreverse]] }. */
export function readTrackObjects(
  owner: string,
  kind: TrackKind,
  node: ConfNode,
  cx: Cx,
  targets: ReadonlyMap<string, Target> | undefined,
  into: TrackedObject[],
): void {
  const k = KIND[kind];
  for (const { name, args, pos } of entries(node)) {
    const target = targets?.get(name);
    if (targets && !target) {
      cx.error(pos, `(${owner}) ${k.text} ${name} not found, ignoring...`);
      continue;
    }
    if (into.some((t) => t.name === name)) {
      cx.error(pos, `(${owner}) duplicate ${k.keyword} ${name} - ignoring`);
      continue;
    }
    const dflt = targetWeight(target);
    let weight = dflt;
    let reverse = targetReverse(target);
    let weightSet = false;
    if (args.length >= 1) {
      if (args[0] !== 'weight') {
        const which = kind === 'bfd' ? `${name} option` : 'option';
        cx.error(pos, `(${owner}) unknown ${k.text} ${which} ${args[0]} - ignoring`);
        continue;
      }
      if (args.length === 1) {
        cx.error(pos, `(${owner}) weight without value specified for ${k.text} ${name} - ignoring`);
        continue;
      }
      const w = parseInteger(args[1]!);
      if (w === undefined || w < k.min || w > k.max) {
        cx.error(pos, weightRangeMessage(owner, kind, name));
      } else if (kind === 'script' && (w === 254 || w === -254)) {
        cx.warn(pos, `(${owner}) weight for ${name} cannot be +/-254. Setting to +/-253`);
        weight = w > 0 ? 253 : -253;
        weightSet = true;
      } else {
        weight = w;
        weightSet = true;
      }
      if (args.length >= 3) {
        if (args[2] === 'reverse') reverse = true;
        else if (args[2] === 'noreverse') reverse = false;
        else {
          const what = kind === 'file' || kind === 'bfd' ? k.text : k.keyword;
          cx.error(pos, `(${owner}) unknown ${what} ${name} weight option ${args[2]} - ignoring`);
          // Keepalived drops the whole line for files and BFD, keeps it for scripts and processes.
          if (kind === 'file' || kind === 'bfd') continue;
        }
      }
    }
    into.push({ name, weight, reverse, weight_set: weightSet, pos });
  }
}

function weightRangeMessage(owner: string, kind: TrackKind, name: string): string {
  switch (kind) {
    case 'script':
      return `(${owner}) track script ${name}: weight must be between [-253..253] inclusive, ignoring...`;
    case 'file':
      return `(${owner}) weight for track file ${name} must be in [-254..254] inclusive. Ignoring...`;
    case 'process':
      return `(${owner}) weight for track process ${name} must be in [-254..254] inclusive. Ignoring...`;
    case 'bfd':
      return `(${owner}) weight for track bfd ${name} must be in [-253..253] inclusive. Ignoring...`;
  }
}
