/**
 * How sections read their keywords: a table from keyword to handler, and a context that reads
 * typed values off a node and reports problems at the node's line.
 *
 * Messages follow Keepalived's wording where it has one ("Unknown keyword 'x'",
 * "number 'x' outside range [a, b]"), prefixed with the keyword so that a line with several
 * numbers says which one is wrong.
 */
import type { Diagnostics, SourcePos } from './diagnostics.js';
import type { ConfNode } from './tree.js';

export type Handler<T> = (target: T, node: ConfNode, cx: Cx) => void;

export interface KeywordSpec<T> {
  readonly run: Handler<T>;
  /** 'required': the keyword must open a block; 'optional': it may. Default: it must not. */
  readonly block?: 'required' | 'optional';
}

export type KeywordTable<T> = Readonly<Record<string, Handler<T> | KeywordSpec<T>>>;

/** Everything a section needs besides its own node: where to report, and load options. */
export interface CxOptions {
  /** Keepalived's default for HTTP/SSL checkers etc. may depend on these; kept here for later. */
  readonly configId: string;
}

/**
 * Where each keyword of a model object was written: every object read through Cx.apply remembers
 * the line of its keywords that later checks report at, so that such a check can point at
 * `interface eth9` rather than at the block that holds it.
 *
 * Only those keywords: a table of every keyword of every object cost `-t` on 50,000 lines about
 * 1.3 MB and 50 ms of collector time, for four lookups. A check that needs another keyword's line
 * adds it here (keywordPos only accepts these).
 */
const REPORTED_KEYWORDS = ['interface', 'use_vmac_addr', 'script_user', 'user'] as const;
export type ReportedKeyword = (typeof REPORTED_KEYWORDS)[number];

/** Asked once per keyword of a table (entriesOf()). */
function isReported(keyword: string): keyword is ReportedKeyword {
  return (REPORTED_KEYWORDS as readonly string[]).includes(keyword);
}

const keywordPositions = new WeakMap<object, Partial<Record<ReportedKeyword, SourcePos>>>();

export function keywordPos(target: object, keyword: ReportedKeyword): SourcePos | undefined {
  return keywordPositions.get(target)?.[keyword];
}

/** For sections that read through a wrapper object: the wrapper's keyword lines go to `to`. */
export function moveKeywordPositions(from: object, to: object): void {
  const table = keywordPositions.get(from);
  if (!table) return;
  keywordPositions.delete(from);
  const held = keywordPositions.get(to);
  keywordPositions.set(to, held ? Object.assign(held, table) : table);
}

/** A keyword's handler as applyOne() needs it: one look-up a line, nothing to work out. */
interface Entry<T> {
  readonly run: Handler<T>;
  readonly block: KeywordSpec<T>['block'];
  /** One of REPORTED_KEYWORDS: its line is remembered for later checks. */
  readonly reported: boolean;
}

const ENTRIES = Symbol('keyword entries');
type Compiled<T> = { [ENTRIES]?: Map<string, Entry<T>> };

/**
 * The table as a map of entries, made on its first use and kept on the table itself (a hidden
 * property: spreads and Object.keys do not see it; tables are constants, never changed after).
 * Every line of a load passes here: an own-property test, a keyed load, two typeof and the
 * reported-keyword scan per line, where this is one map look-up, made loading 50,000 lines take
 * ~3 ms longer (A/B, 15 runs each). A map held in a WeakMap would cost its own look-up.
 */
function entriesOf<T>(table: KeywordTable<T>): Map<string, Entry<T>> {
  const held = (table as Compiled<T>)[ENTRIES];
  if (held) return held;
  const entries = new Map<string, Entry<T>>();
  for (const keyword of Object.keys(table)) {
    const e = table[keyword]!;
    entries.set(keyword, typeof e === 'function' ? { run: e, block: undefined, reported: isReported(keyword) } : { run: e.run, block: e.block, reported: isReported(keyword) });
  }
  // A frozen table (none of the sections' is) is read through a map made for each call.
  if (Object.isExtensible(table)) Object.defineProperty(table, ENTRIES, { value: entries });
  return entries;
}

function rememberPos(target: unknown, keyword: ReportedKeyword, pos: SourcePos): void {
  if (typeof target !== 'object' || target === null) return;
  let table = keywordPositions.get(target);
  if (!table) keywordPositions.set(target, (table = {}));
  table[keyword] = pos;
}

export class Cx {
  constructor(
    readonly diag: Diagnostics,
    readonly options: CxOptions,
  ) {}

  error(at: ConfNode | SourcePos, message: string): void {
    this.diag.error('pos' in at ? at.pos : at, message);
  }

  warn(at: ConfNode | SourcePos, message: string): void {
    this.diag.warn('pos' in at ? at.pos : at, message);
  }

  /** Shown by `-t` but not counted: Keepalived 2.2.7 says nothing here (newer versions do). */
  note(at: ConfNode | SourcePos, message: string): void {
    this.diag.note('pos' in at ? at.pos : at, message);
  }

  /** Runs each node of `nodes` through `table` against `target`. */
  apply<T>(target: T, nodes: readonly ConfNode[] | undefined, table: KeywordTable<T>): void {
    // Indexed: `-t` runs without TurboFan, where for-of allocates an iterator result per node.
    if (nodes) for (let i = 0; i < nodes.length; i++) this.applyOne(target, nodes[i]!, table);
  }

  /** Runs one node through `table` against `target`. */
  applyOne<T>(target: T, node: ConfNode, table: KeywordTable<T>): void {
    const entry = entriesOf(table).get(node.keyword);
    if (entry === undefined) {
      this.unknown(node);
      return;
    }
    const block = entry.block;
    if (block === 'required' && !node.block) {
      this.error(node, `${node.keyword}: missing '{' at beginning of configuration block`);
      return;
    }
    if (entry.reported) rememberPos(target, node.keyword as ReportedKeyword, node.pos);
    entry.run(target, node, this);
    if (node.block && !block) {
      // Keepalived reads a block after a keyword that takes none as lines of the same level.
      this.error(node, `${node.keyword}: unexpected '{' - reading its lines as part of the enclosing block`);
      this.apply(target, node.block, table);
    }
  }

  /**
   * An unknown keyword. Keepalived 2.2.7 does not know that a block follows: it ignores the '{',
   * reads each line inside as a keyword of its own (unknown too) and reports the closing '}' as an
   * unknown keyword; we report the same lines. (Inside a known block Keepalived then takes that
   * '}' as the end of the enclosing block and reads on one level up; we keep the block structure.)
   */
  unknown(node: ConfNode, hint?: string): void {
    this.error(node, `Unknown keyword '${node.keyword}'${hint ? ` - did you mean ${hint}?` : ''}`);
    if (!node.block) return;
    this.error(node, "Unexpected '{' - ignoring");
    for (const child of node.block) this.unknown(child);
    if (node.end) this.error(node.end, "Unknown keyword '}'");
  }

  /** The argument at `index`, or undefined (and an error) when it is missing. */
  str(node: ConfNode, index = 0): string | undefined {
    const v = node.args[index];
    if (v === undefined) this.error(node, `${node.keyword}: missing value`);
    return v;
  }

  /** Warns about words beyond the `max` arguments the keyword takes. */
  noExtra(node: ConfNode, max: number): void {
    if (node.args.length > max) {
      this.warn(node, `${node.keyword}: ignoring extra parameter${node.args.length - max > 1 ? 's' : ''} '${node.args.slice(max).join(' ')}'`);
    }
  }

  /** An integer in [min, max] (decimal; 0x hex where `hex`). */
  int(node: ConfNode, min: number, max: number, index = 0, hex = false): number | undefined {
    const raw = this.str(node, index);
    if (raw === undefined) return undefined;
    const n = parseInteger(raw, hex);
    if (n === undefined) {
      this.error(node, `${node.keyword}: invalid number '${raw}'`);
      return undefined;
    }
    if (n < min || n > max) {
      this.error(node, `${node.keyword}: number '${raw}' outside range [${min}, ${max}]`);
      return undefined;
    }
    return n;
  }

  /**
   * A decimal number of seconds with up to six decimals (Keepalived's timers have microsecond
   * resolution), in [min, max] seconds.
   */
  seconds(node: ConfNode, min: number, max: number, index = 0): number | undefined {
    const raw = this.str(node, index);
    if (raw === undefined) return undefined;
    if (!/^\d+(\.\d{0,6})?$|^\.\d{1,6}$/.test(raw)) {
      this.error(node, `${node.keyword}: invalid number '${raw}'`);
      return undefined;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      this.error(node, `${node.keyword}: number '${raw}' outside range [${formatSeconds(min)}, ${formatSeconds(max)}]`);
      return undefined;
    }
    return n;
  }

  /** A <BOOL>: no argument means true; otherwise on|off|true|false|yes|no. */
  bool(node: ConfNode, index = 0): boolean | undefined {
    const raw = node.args[index];
    if (raw === undefined) return true;
    const v = parseBool(raw);
    if (v === undefined) this.error(node, `${node.keyword}: invalid boolean '${raw}' (use on|off|true|false|yes|no)`);
    return v;
  }

  /** One of `choices`, compared as Keepalived does for the keyword (case-sensitive unless told). */
  choice<C extends string>(node: ConfNode, choices: readonly C[], index = 0, ignoreCase = false): C | undefined {
    const raw = this.str(node, index);
    if (raw === undefined) return undefined;
    const found = choices.find((c) => (ignoreCase ? c.toLowerCase() === raw.toLowerCase() : c === raw));
    if (found === undefined) this.error(node, `${node.keyword}: invalid value '${raw}' (expected ${choices.join('|')})`);
    return found;
  }

  /** All words of a value block (`{ a b \n c }` -> [a, b, c]), as Keepalived's read_value_block(). */
  blockWords(node: ConfNode): string[] {
    const out: string[] = [];
    for (const child of node.block ?? []) out.push(child.keyword, ...child.args);
    return out;
  }
}

export function parseInteger(raw: string, hex = false): number | undefined {
  if (/^[-+]?\d+$/.test(raw)) return Number(raw);
  if (hex && /^0x[0-9a-fA-F]+$/.test(raw)) return parseInt(raw.slice(2), 16);
  return undefined;
}

export function parseBool(raw: string): boolean | undefined {
  if (raw === 'on' || raw === 'true' || raw === 'yes') return true;
  if (raw === 'off' || raw === 'false' || raw === 'no') return false;
  return undefined;
}

function formatSeconds(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(6).replace(/0+$/, '');
}

/** Marks the whole model read-only once built. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) freezeTree(value);
  return value as DeepReadonly<T>;
}

/**
 * Freezes `o` and, below it, every object not frozen yet (a shared or already frozen subtree is
 * not walked twice). Indexes and for-in rather than Object.values(), which would allocate an
 * array per object of a model with tens of thousands of them.
 */
function freezeTree(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freezeTree(v);
    }
    return;
  }
  const rec = o as Record<string, unknown>;
  for (const k in rec) {
    const v = rec[k];
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v) && Object.hasOwn(rec, k)) freezeTree(v);
  }
}
