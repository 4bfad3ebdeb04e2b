/**
 * The lexer: configuration files in, logical lines out.
 *
 * It does everything Keepalived's read_line() does before a keyword is looked at: comments,
 * continuation lines, `include` (and includer/m/w/b/a) with globs relative to the including
 * file, `@id` / `@^id` conditional lines, `$NAME=value` definitions and their substitution,
 * `~SEQ` / `~SEQx` / `~LST` loops, and splitting each unquoted brace onto a line of its own.
 * Each logical line keeps the file and line it came from.
 */
import * as path from 'node:path';
import { Diagnostics, type SourcePos } from './diagnostics.js';
import type { ConfigFs } from './fs.js';
import { expandBraces, globOne, hasWildcard } from './glob.js';
import { isLoopLine, parseLoop } from './loops.js';
import { ParamTable, parseDefinition, type Builtins } from './params.js';
import { decomment, splitBraces, splitWords } from './text.js';

export interface LogicalLine {
  readonly words: readonly string[];
  /** The line's text after substitution, for keywords that re-read it (script command lines). */
  readonly text: string;
  readonly pos: SourcePos;
}

export interface LexOptions {
  readonly fs: ConfigFs;
  /** -i / --config-id; Keepalived's default is the host name up to its first dot. */
  readonly configId: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Injected so that ${_RANDOM} is repeatable in tests. */
  readonly random?: (min: number, max: number) => number;
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_EXPANSION_DEPTH = 64;

type IncludeKind = { readable: boolean; match: boolean; braceMatch: boolean };
const INCLUDE_KINDS: Record<string, IncludeKind> = {
  include: { readable: false, match: false, braceMatch: false },
  includer: { readable: true, match: false, braceMatch: false },
  includem: { readable: true, match: true, braceMatch: false },
  includew: { readable: true, match: true, braceMatch: false },
  includeb: { readable: true, match: false, braceMatch: true },
  includea: { readable: true, match: true, braceMatch: true },
};

export function lex(mainFile: string, opts: LexOptions, diag: Diagnostics): LogicalLine[] {
  return new Lexer(opts, diag).run(path.resolve(mainFile));
}

class Lexer {
  private readonly out: LogicalLine[] = [];
  private readonly fileStack: string[] = [];
  private readonly params: ParamTable;

  constructor(
    private readonly opts: LexOptions,
    private readonly diag: Diagnostics,
  ) {
    const builtins: Builtins = {
      pwd: () => path.dirname(this.fileStack[this.fileStack.length - 1] ?? '.'),
      instance: () => opts.configId,
      random: opts.random ?? ((min, max) => min + Math.floor(Math.random() * (max - min + 1))),
      env: (name) => (opts.env ?? process.env)[name],
    };
    this.params = new ParamTable(builtins);
  }

  run(mainFile: string): LogicalLine[] {
    this.readFile(mainFile, undefined);
    return this.out;
  }

  private readFile(file: string, from: SourcePos | undefined): boolean {
    const text = this.opts.fs.readFile(file);
    if (text === undefined) return false;
    if (this.fileStack.includes(file)) {
      this.diag.error(from, `include loop: ${file} includes itself`);
      return true;
    }
    if (this.fileStack.length >= MAX_INCLUDE_DEPTH) {
      this.diag.error(from, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return true;
    }
    this.fileStack.push(file);
    const lines = text.split('\n');
    // A multi-line definition being collected, or an ordinary line continued with '\'.
    let pendingDef: { name: string; parts: string[] } | undefined;
    let continued: { text: string; pos: SourcePos } | undefined;
    for (let i = 0; i < lines.length; i++) {
      const physical = lines[i]!.replace(/\r$/, '');
      const pos: SourcePos = { file, line: i + 1 };
      if (pendingDef && physical.trim() === '') {
        this.params.set(pendingDef.name, pendingDef.parts.join('\n'));
        pendingDef = undefined;
        continue;
      }
      if (physical.includes('\0')) {
        this.diag.error(pos, 'configuration appears to have embedded NULs - ignoring line');
        continue;
      }
      const d = decomment(physical);
      if (d.unterminatedQuote) this.diag.error(pos, `Unterminated quote '${d.text}'`);
      if (pendingDef) {
        if (d.text !== '') pendingDef.parts.push(d.text);
        if (!d.continues) {
          this.params.set(pendingDef.name, pendingDef.parts.join('\n'));
          pendingDef = undefined;
        }
        continue;
      }
      if (continued) {
        continued = { text: joinContinued(continued.text, d.text), pos: continued.pos };
        if (d.continues) continue;
        const whole = continued;
        continued = undefined;
        this.line(whole.text, whole.pos, 0);
        continue;
      }
      if (d.text === '' && !d.continues) continue;
      const def = d.continues ? parseDefinition(stripConditional(d.text, this.opts.configId) ?? '') : undefined;
      if (def) {
        pendingDef = { name: def.name, parts: def.value.trim() === '' ? [] : [def.value.trim()] };
        continue;
      }
      if (d.continues) {
        continued = { text: d.text, pos };
        continue;
      }
      this.line(d.text, pos, 0);
    }
    if (pendingDef) this.params.set(pendingDef.name, pendingDef.parts.join('\n'));
    if (continued) this.line(continued.text, continued.pos, 0);
    this.fileStack.pop();
    return true;
  }

  /** One decommented line through conditionals, definitions, loops, substitution and include. */
  private line(text: string, pos: SourcePos, depth: number): void {
    if (depth > MAX_EXPANSION_DEPTH) {
      this.diag.error(pos, 'parameter or loop expansion nested too deep');
      return;
    }
    if (text === '') return;
    const kept = stripConditional(text, this.opts.configId);
    if (kept === undefined || kept === '') return;
    text = kept;

    const def = parseDefinition(text);
    if (def) {
      this.params.set(def.name, def.value);
      return;
    }
    if (isLoopLine(text)) {
      const loop = parseLoop(text);
      if (typeof loop === 'string') {
        this.diag.error(pos, loop);
        return;
      }
      for (const vars of loop.iterations) {
        for (const [name, value] of vars) this.params.set(name, value);
        this.line(loop.rest, pos, depth + 1);
      }
      return;
    }
    if (text[0] !== '~' && text.includes('$') && this.params.size >= 0) {
      let replaced: string | undefined;
      try {
        replaced = this.params.substitute(text);
      } catch (e) {
        this.diag.error(pos, (e as Error).message);
        return;
      }
      if (replaced !== undefined) {
        // A multi-line value stands for several lines; each is read as if it were in the file.
        for (const part of replaced.split('\n')) {
          const d = decomment(part);
          this.line(d.text, pos, depth + 1);
        }
        return;
      }
    }
    if (this.include(text, pos)) return;
    this.emit(text, pos);
  }

  private include(text: string, pos: SourcePos): boolean {
    const m = /^(include[rmwba]?)[ \t]+(.*)$/.exec(text);
    if (!m) return false;
    const kind = INCLUDE_KINDS[m[1]!]!;
    const spec = m[2]!.replace(/^"(.*)"$/, '$1');
    const baseDir = path.dirname(this.fileStack[this.fileStack.length - 1]!);
    const alternatives = expandBraces(spec);
    const files: string[] = [];
    for (const alt of alternatives) {
      const found = globOne(alt, baseDir, this.opts.fs).filter((f) => !this.opts.fs.isDirectory(f));
      if (found.length === 0 && alternatives.length > 1 && kind.braceMatch) {
        this.diag.error(pos, `include '${spec}': nothing matches '${alt}'`);
      }
      for (const f of found) if (!files.includes(f)) files.push(f);
    }
    if (files.length === 0) {
      const wild = hasWildcard(spec) || alternatives.length > 1;
      if (kind.match || (kind.readable && !wild)) this.diag.error(pos, `include '${spec}': no such file`);
      else if (!wild) this.diag.warn(pos, `include '${spec}': no such file - ignoring`);
    }
    for (const f of files) {
      if (!this.readFile(f, pos) && kind.readable) this.diag.error(pos, `include: cannot read ${f}`);
    }
    return true;
  }

  private emit(text: string, pos: SourcePos): void {
    for (const piece of splitBraces(text)) {
      const { words, unmatchedQuote } = splitWords(piece);
      if (unmatchedQuote) this.diag.error(pos, `Unmatched quote: '${piece}'`);
      if (words.length > 0) this.out.push({ words, text: piece, pos });
    }
  }
}

function joinContinued(head: string, tail: string): string {
  return tail === '' ? head : `${head} ${tail}`;
}

/**
 * `@id rest` keeps `rest` when the config id is `id`; `@^id rest` when it is not. A conditional
 * with nothing after the id is dropped. Returns undefined for a dropped line.
 */
export function stripConditional(text: string, configId: string): string | undefined {
  if (text[0] !== '@') return text;
  const negate = text[1] === '^';
  const start = negate ? 2 : 1;
  const m = /[ \t]/.exec(text.slice(start));
  if (!m) return undefined;
  const id = text.slice(start, start + m.index);
  if ((id === configId) === negate) return undefined;
  return text.slice(start + m.index).replace(/^[ \t]+/, '');
}
