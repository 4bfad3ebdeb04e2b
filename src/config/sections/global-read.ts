/**
 * The few shapes most global_defs keywords share, so each table entry is one line.
 */
import type { Cx, Handler } from '../schema.js';
import type { GlobalDefs } from './global-model.js';

/** Keys of GlobalDefs whose type is exactly V (or V | undefined). */
type KeysOf<V> = {
  [K in keyof GlobalDefs]-?: [V] extends [GlobalDefs[K]] ? ([NonNullable<GlobalDefs[K]>] extends [V] ? K : never) : never;
}[keyof GlobalDefs];

/** A keyword that takes nothing and turns an option on (Keepalived ignores any words after it). */
export function flag(key: KeysOf<boolean>): Handler<GlobalDefs> {
  return (g, n, cx) => {
    cx.noExtra(n, 0);
    g[key] = true;
  };
}

/** `keyword [<BOOL>]`: on without a value; a bad value leaves the setting as it was. */
export function boolean(key: KeysOf<boolean>): Handler<GlobalDefs> {
  return (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.bool(n);
    if (v !== undefined) g[key] = v;
  };
}

/** `keyword WORD`. */
export function word(key: KeysOf<string>): Handler<GlobalDefs> {
  return (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.str(n);
    if (v !== undefined) g[key] = v;
  };
}

/** `keyword N` with N an integer in [min, max]. */
export function integer(key: KeysOf<number>, min: number, max: number): Handler<GlobalDefs> {
  return (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, min, max);
    if (v !== undefined) g[key] = v;
  };
}

/** `keyword SECONDS` with microsecond resolution, in [min, max]. */
export function seconds(key: KeysOf<number>, min: number, max: number): Handler<GlobalDefs> {
  return (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.seconds(n, min, max);
    if (v !== undefined) g[key] = v;
  };
}

/**
 * Keepalived's keywords kept for old configurations: read as `now`, with a note (Keepalived 2.2.7
 * takes most old names silently), or with its own warning when `warned` (it says so for this one).
 */
export function deprecated(now: string, run: Handler<GlobalDefs>, warned = false): Handler<GlobalDefs> {
  return (g, n, cx: Cx) => {
    if (warned) cx.warn(n, `Keyword "${n.keyword}" is deprecated - please use "${now}"`);
    else cx.note(n, `'${n.keyword}' is deprecated - please use '${now}'`);
    run(g, n, cx);
  };
}

export const UINT_MAX = 4294967295;

/** A keyword Keepalived acts on and keepalived-ts only reads: the operator is told at its line. */
export function notActedOn(why: string, run: Handler<GlobalDefs>): Handler<GlobalDefs> {
  return (g, n, cx: Cx) => {
    cx.note(n, `'${n.keyword}' is read but not acted on here: ${why}`);
    run(g, n, cx);
  };
}
