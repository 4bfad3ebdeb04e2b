/**
 * Tracked objects of VRRP: vrrp_script, track_file (vrrp_track_file), vrrp_track_process
 * (keepalived.conf(5) "VRRP script(s)", "Track files", "VRRP track processes"; Keepalived
 * vrrp_parser.c vrrp_vscript_* / vrrp_tprocess_*, track_file.c track_file_*).
 *
 * Ranges and messages are those of Keepalived 2.2.7, which reads vrrp_script's interval and
 * timeout as whole seconds (its manual already speaks of milliseconds). Problems Keepalived
 * finds at the end of a block are reported at the block's closing brace, as it does. Whether the
 * script's user exists is the daemon's business, not the model's.
 */
import type { SourcePos } from '../diagnostics.js';
import { moveKeywordPositions, parseInteger, type Cx, type KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readScript, type Script } from '../values.js';

export interface VrrpScript {
  name: string;
  pos: SourcePos;
  /** Carries `user`/`group` when the block has a `user` line. */
  script: Script;
  /** Seconds between runs. */
  interval: number;
  /** Seconds before a run counts as failed; defaults to the interval. */
  timeout: number;
  /** -253..253; 0 means fault on failure. */
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  init_fail: boolean;
}

export interface TrackFile {
  name: string;
  pos: SourcePos;
  file: string;
  /** -254..254, default 1. */
  weight: number;
  reverse: boolean;
  /** `init_file [VALUE] [overwrite]`: write VALUE (default 0) at start if missing, or always. */
  init_file?: { value: number; overwrite: boolean };
}

export interface TrackProcess {
  name: string;
  pos: SourcePos;
  process: string;
  /** The parameters after the process name; present only when given. */
  param?: string[];
  /** 'none' unless parameters or param_match are given. */
  param_match: 'none' | 'exact' | 'partial' | 'initial';
  /** -254..254, default 0. */
  weight: number;
  reverse: boolean;
  quorum: number;
  /** Absent: no maximum. */
  quorum_max?: number;
  /** Seconds. */
  fork_delay: number;
  terminate_delay: number;
  full_command: boolean;
}

interface ScriptDraft extends Omit<VrrpScript, 'script' | 'timeout'> {
  script?: Script;
  timeout?: number;
  user?: { user: string; group?: string };
}
interface FileDraft extends Omit<TrackFile, 'file'> {
  file?: string;
}
interface ProcessDraft extends Omit<TrackProcess, 'process'> {
  process?: string;
}

/** An int in [min, max]; undefined (nothing reported) when it is not one. */
function intIn(raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = parseInteger(raw);
  return n !== undefined && n >= min && n <= max ? n : undefined;
}

/** Whole seconds in [0, 4294] (UINT_MAX / TIMER_HZ in Keepalived 2.2.7). */
const MAX_SCRIPT_SECONDS = 4294;

/** `weight N [reverse]` once N has been read; reports an unknown option word. */
function readReverse(node: ConfNode, cx: Cx, what: string): boolean {
  const opt = node.args[1];
  if (opt === undefined) return false;
  if (opt === 'reverse') return true;
  cx.warn(node, `${what} unknown weight option ${opt}`);
  return false;
}

export const vrrpScriptTable: KeywordTable<ScriptDraft> = {
  script: (s, n, cx) => {
    const script = readScript(cx, n);
    if (!script) return;
    // Keepalived takes only the command line here; the user is set with `user`.
    if (script.user !== undefined) cx.warn(n, `script: ignoring '${splitTail(n)}' after the command (use 'user' for the user and group)`);
    s.script = { args: script.args, pos: script.pos };
  },
  interval: (s, n, cx) => {
    const v = intIn(n.args[0], 0, MAX_SCRIPT_SECONDS);
    if (v === undefined) cx.warn(n, `(${s.name}): vrrp script interval '${n.args[0] ?? ''}' must be between 1 and ${MAX_SCRIPT_SECONDS} - ignoring`);
    else if (v === 0) {
      cx.warn(n, `(${s.name}): vrrp script interval must be greater than 0, setting to 1`);
      s.interval = 1;
    } else s.interval = v;
  },
  timeout: (s, n, cx) => {
    const v = intIn(n.args[0], 0, MAX_SCRIPT_SECONDS);
    if (v === undefined) cx.warn(n, `(${s.name}): vrrp script timeout '${n.args[0] ?? ''}' invalid - ignoring`);
    else if (v === 0) {
      cx.warn(n, `(${s.name}): vrrp script timeout must be greater than 0, setting to 1`);
      s.timeout = 1;
    } else s.timeout = v;
  },
  weight: (s, n, cx) => {
    const v = intIn(n.args[0], -253, 253);
    if (v === undefined) cx.error(n, `vrrp_script ${s.name} weight ${n.args[0] ?? ''} must be in [-253, 253]`);
    else s.weight = v;
    s.reverse = readReverse(n, cx, `vrrp_script ${s.name}`);
  },
  rise: (s, n, cx) => {
    const v = intIn(n.args[0], 1, 2 ** 31 - 1);
    if (v === undefined) cx.warn(n, `(${s.name}): vrrp script rise value '${n.args[0] ?? ''}' invalid, defaulting to 1`);
    s.rise = v ?? 1;
  },
  fall: (s, n, cx) => {
    const v = intIn(n.args[0], 1, 2 ** 31 - 1);
    if (v === undefined) cx.warn(n, `(${s.name}): vrrp script fall value '${n.args[0] ?? ''}' invalid, defaulting to 1`);
    s.fall = v ?? 1;
  },
  // `user NAME [GROUP]` (a leading ':' on the group is allowed, as in Keepalived).
  user: (s, n, cx) => {
    const user = cx.str(n);
    if (user === undefined) return;
    cx.noExtra(n, 2);
    const group = n.args[1]?.replace(/^:/, '');
    s.user = group ? { user, group } : { user };
  },
  init_fail: (s, n, cx) => {
    cx.noExtra(n, 0);
    s.init_fail = true;
  },
};

function splitTail(n: ConfNode): string {
  return n.args.slice(1).join(' ');
}

export function readVrrpScript(node: ConfNode, cx: Cx): VrrpScript | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const s: ScriptDraft = { name, pos: node.pos, interval: 1, weight: 0, reverse: false, rise: 1, fall: 1, init_fail: false };
  cx.apply(s, node.block, vrrpScriptTable);
  if (!s.script) {
    cx.error(node.end ?? node.pos, `No script set for vrrp_script ${name} - removing`);
    return undefined;
  }
  const { user, script, timeout, ...rest } = s;
  const done = { ...rest, script: user ? { ...script, ...user } : script, timeout: timeout ?? s.interval };
  // `-t` names the `user` line when that user does not exist.
  moveKeywordPositions(s, done);
  return done;
}

export const trackFileTable: KeywordTable<FileDraft> = {
  file: (t, n, cx) => {
    const v = n.args[0];
    if (v === undefined) cx.error(n, 'track file file name missing');
    else if (t.file !== undefined) cx.warn(n, `File already set for track file ${t.name} - ignoring ${v}`);
    else t.file = v;
  },
  weight: (t, n, cx) => {
    if (n.args[0] === undefined) return cx.warn(n, `No weight specified for track file ${t.name} - ignoring`);
    // Keepalived's test for "already set" is "not the default 1".
    if (t.weight !== 1) return cx.warn(n, `Weight already set for track file ${t.name} - ignoring ${n.args[0]}`);
    const v = intIn(n.args[0], -254, 254);
    if (v === undefined) cx.error(n, `Weight (${n.args[0]}) for track_file ${t.name} must be between [-254..254] inclusive. Ignoring...`);
    t.weight = v ?? 1;
    t.reverse = readReverse(n, cx, `track_file ${t.name}`);
  },
  init_file: (t, n, cx) => {
    const init = { value: 0, overwrite: false };
    for (const word of n.args) {
      if (/^[-\d]/.test(word)) {
        const v = intIn(word, -(2 ** 31), 2 ** 31 - 1);
        if (v === undefined) cx.error(n, `Track file ${t.name} init value ${word} is invalid`);
        else if (v < -254 || v > 254) cx.warn(n, `Track file ${t.name} init value ${v} is outside sensible range [-254, 254]`);
        init.value = v ?? 0;
      } else if (word === 'overwrite') init.overwrite = true;
      else cx.warn(n, `Unknown track file init option ${word}`);
    }
    t.init_file = init;
  },
};

export function readTrackFile(node: ConfNode, cx: Cx): TrackFile | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  // A note: Keepalived 2.2.7 takes the old name silently.
  if (node.keyword === 'vrrp_track_file') cx.note(node, '"vrrp_track_file" is deprecated, please use "track_file"');
  const t: FileDraft = { name, pos: node.pos, weight: 1, reverse: false };
  cx.apply(t, node.block, trackFileTable);
  if (t.file === undefined) {
    cx.error(node.end ?? node.pos, `No file set for track_file ${name} - ignoring`);
    return undefined;
  }
  return { ...t, file: t.file };
}

/** fork_delay / terminate_delay / delay: seconds with microseconds, in [0.000001, 3600]. */
function readDelay(t: ProcessDraft, n: ConfNode, cx: Cx): number | undefined {
  const raw = n.args[0] ?? '';
  const v = /^(\d+(\.\d{0,6})?|\.\d{1,6})$/.test(raw) ? Number(raw) : undefined;
  if (v === undefined || v < 0.000001 || v > 3600) {
    const prefix = n.keyword === 'delay' ? '' : `${n.keyword.replace(/delay$/, '')}`;
    cx.error(n, `${prefix}delay (${raw}) for vrrp_track_process ${t.name} must be between [0.000001..3600] inclusive. Ignoring...`);
    return undefined;
  }
  return v;
}

export const trackProcessTable: KeywordTable<ProcessDraft> = {
  process: (t, n, cx) => {
    const [path, ...params] = n.args;
    if (path === undefined) return cx.error(n, `process: missing value`);
    if (t.process !== undefined) return cx.warn(n, `Process already set for track process ${t.name} - ignoring ${path}`);
    t.process = path;
    if (params.length) {
      t.param = params;
      if (t.param_match === 'none') t.param_match = 'exact';
      t.full_command = true;
    }
  },
  param_match: (t, n, cx) => {
    const v = n.args[0];
    if (v === undefined) t.param_match = 'exact';
    else if (v === 'initial' || v === 'partial') t.param_match = v;
    else return cx.warn(n, `Invalid param_match type ${v} - ignoring`);
    t.full_command = true;
  },
  weight: (t, n, cx) => {
    if (n.args[0] === undefined) return cx.warn(n, `No weight specified for track process ${t.name} - ignoring`);
    if (t.weight !== 0) return cx.warn(n, `Weight already set for track process ${t.name} - ignoring ${n.args[0]}`);
    const v = intIn(n.args[0], -254, 254);
    if (v === undefined) {
      return cx.error(n, `Weight (${n.args[0]}) for vrrp_track_process ${t.name} must be between [-254..254] inclusive. Ignoring...`);
    }
    t.reverse = readReverse(n, cx, `vrrp_track_process ${t.name}`);
    t.weight = v;
  },
  quorum: (t, n, cx) => {
    const v = intIn(n.args[0], 1, 65535);
    if (v === undefined) {
      return cx.error(n, `Quorum (${n.args[0] ?? ''}) for vrrp_track_process ${t.name} must be between [1..65535] inclusive. Ignoring...`);
    }
    if (t.quorum_max !== undefined && v > t.quorum_max) return cx.warn(n, 'Quorum is greater than quorum_max - ignoring');
    t.quorum = v;
  },
  quorum_max: (t, n, cx) => {
    const v = intIn(n.args[0], 0, 65535);
    if (v === undefined) {
      return cx.error(n, `quorum_max (${n.args[0] ?? ''}) for vrrp_track_process ${t.name} must be between [0..65535] inclusive. Ignoring...`);
    }
    // quorum_max 0 (fail when the process runs at all) is allowed while quorum is the default.
    if ((v !== 0 || t.quorum > 1) && v < t.quorum) return cx.warn(n, 'quorum_max is less than quorum - ignoring');
    t.quorum_max = v;
    if (v === 0) t.quorum = 0;
    else if (t.quorum === 0) t.quorum = 1;
  },
  fork_delay: (t, n, cx) => {
    const v = readDelay(t, n, cx);
    if (v !== undefined) t.fork_delay = v;
  },
  terminate_delay: (t, n, cx) => {
    const v = readDelay(t, n, cx);
    if (v !== undefined) t.terminate_delay = v;
  },
  delay: (t, n, cx) => {
    const v = readDelay(t, n, cx);
    if (v !== undefined) t.fork_delay = t.terminate_delay = v;
  },
  full_command: (t, n, cx) => {
    cx.noExtra(n, 0);
    t.full_command = true;
  },
};

export function readTrackProcess(node: ConfNode, cx: Cx): TrackProcess | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const t: ProcessDraft = {
    name,
    pos: node.pos,
    param_match: 'none',
    weight: 0,
    reverse: false,
    quorum: 1,
    fork_delay: 0,
    terminate_delay: 0,
    full_command: false,
  };
  cx.apply(t, node.block, trackProcessTable);
  if (t.process === undefined) {
    cx.error(node.end ?? node.pos, `track process '${name}' process name not specified`);
    return undefined;
  }
  return { ...t, process: t.process };
}
