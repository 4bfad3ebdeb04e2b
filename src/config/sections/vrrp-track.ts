/**
 * Tracked objects of VRRP: vrrp_script, track_file (vrrp_track_file), vrrp_track_process
 * (keepalived.conf(5) "VRRP script(s)", "Track files", "VRRP track processes").
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Script } from '../values.js';

export interface VrrpScript {
  name: string;
  pos: SourcePos;
  script?: Script;
  interval: number;
  timeout?: number;
  weight: number;
  rise: number;
  fall: number;
}

export interface TrackFile {
  name: string;
  pos: SourcePos;
  file?: string;
  weight: number;
}

export interface TrackProcess {
  name: string;
  pos: SourcePos;
  process?: string;
  weight: number;
}

export const vrrpScriptTable: KeywordTable<VrrpScript> = {};
export const trackFileTable: KeywordTable<TrackFile> = {};
export const trackProcessTable: KeywordTable<TrackProcess> = {};

export function readVrrpScript(node: ConfNode, cx: Cx): VrrpScript | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const s: VrrpScript = { name, pos: node.pos, interval: 1, weight: 0, rise: 1, fall: 1 };
  cx.apply(s, node.block, vrrpScriptTable);
  return s;
}

export function readTrackFile(node: ConfNode, cx: Cx): TrackFile | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const t: TrackFile = { name, pos: node.pos, weight: 1 };
  cx.apply(t, node.block, trackFileTable);
  return t;
}

export function readTrackProcess(node: ConfNode, cx: Cx): TrackProcess | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const t: TrackProcess = { name, pos: node.pos, weight: 0 };
  cx.apply(t, node.block, trackProcessTable);
  return t;
}
