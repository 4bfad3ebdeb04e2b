/**
 * What every vrrp_instance keyword handler shares: the instance being read (with the draft read
 * so far, as Keepalived resolves names against what precedes them) and the value forms its
 * keywords take, read with Keepalived's rules and messages (check_true_false(),
 * read_decimal_unsigned_strvec(), flags, bounded unsigned numbers).
 */
import type { ConfigDraft } from '../model.js';
import { parseBool, type Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readUnsigned } from './vrrp-instance-net.js';
import type { InstanceRaw, VrrpInstance } from './vrrp-instance-types.js';

/** The draft as read so far: Keepalived resolves tracked names against what precedes them. */
export interface Reading {
  readonly inst: VrrpInstance;
  readonly raw: InstanceRaw;
  readonly draft: ConfigDraft | undefined;
}

export type H = (r: Reading, node: ConfNode, cx: Cx) => void;

/**
 * Keepalived's optional <BOOL> argument (check_true_false): none means true; an invalid word is
 * reported with `message` and leaves the setting alone.
 */
export function optBool(node: ConfNode, cx: Cx, message: (word: string) => string): boolean | undefined {
  const w = node.args[0];
  if (w === undefined) return true;
  const v = parseBool(w);
  if (v === undefined) cx.error(node, message(w));
  return v;
}

/**
 * Keepalived's read_decimal_unsigned_strvec(): a non-negative decimal with up to `digits`
 * decimals, as an integer count of 10^-digits units. Extra decimals are rounded (with a warning).
 */
export function readDecimalUnits(node: ConfNode, cx: Cx, digits: number, index = 0): number | undefined {
  const raw = node.args[index];
  if (raw === undefined) return undefined;
  const m = /^(\d*)(?:\.(\d*))?$/.exec(raw);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  let frac = m[2] ?? '';
  let roundUp = false;
  if (frac.length > digits) {
    cx.warn(node, `number '${raw}' has too many decimal places`);
    roundUp = frac[digits]! >= '5';
    frac = frac.slice(0, digits);
  }
  return Number(m[1] || '0') * 10 ** digits + Number(frac.padEnd(digits, '0')) + (roundUp ? 1 : 0);
}

export function need(node: ConfNode, cx: Cx): string | undefined {
  return cx.str(node);
}

export function flag(set: (r: Reading) => void): H {
  return (r, node, cx) => {
    cx.noExtra(node, 0);
    set(r);
  };
}

/** A <BOOL> keyword whose message is "(INST) invalid KEYWORD X specified". */
export function boolInto(set: (r: Reading, v: boolean) => void): H {
  return (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) invalid ${node.keyword} ${w} specified`);
    if (v !== undefined) set(r, v);
  };
}

/** An unsigned keyword read as Keepalived reads it, with its own message when invalid. */
export function uintInto(min: number, max: number, message: (r: Reading, word: string) => string, set: (r: Reading, v: number) => void): H {
  return (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    const v = readUnsigned(w, min, max);
    if (v === undefined) cx.error(node, message(r, w));
    else set(r, v);
  };
}

/** A keyword that takes a block. */
export const block = 'required' as const;
