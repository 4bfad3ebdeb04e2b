/**
 * The lexer: configuration files in, logical lines out.
 *
 * It does everything Keepalived's read_line() does before a keyword is looked at: comments,
 * multi-line definitions, `include` (and includer/m/w/b/a) with globs relative to the including
 * file, `@id` / `@^id` conditional lines, `$NAME=value` definitions and their substitution,
 * `~SEQ` / `~SEQx` / `~LST` loops, and splitting each unquoted brace onto a line of its own.
 * Each logical line keeps the file and line it came from.
 *
 * Order per line, as read_line() (checked against keepalived 2.2.7): conditional, definition,
 * loop, substitution - and a line that substitution changed goes through all of it again - then
 * include, then the brace split, whose remainder is again a line of its own (`} $X=1` defines X).
 * A '\' ends a line only inside a multi-line definition: Keepalived does not join other lines
 * (`priority 100 \` is read as the words `priority`, `100\`), and neither do we.
 */
import * as path from 'node:path';
import { Diagnostics, type SourcePos } from './diagnostics.js';
import type { ConfigFs } from './fs.js';
import { readInclude } from './include.js';
import { isLoopLine, parseLoop } from './loops.js';
import { ParamTable, parseDefinition, restoreLiterals, type Builtins } from './params.js';
import { blanksEnd, blanksStart, decomment, firstUnquotedBrace, LineScan, plainWords, splitWords } from './text.js';

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
  /** -e / --all-config: every include checks as `includea` (include_check_set(NULL)). */
  readonly allConfig?: boolean;
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_EXPANSION_DEPTH = 64;
/**
 * All loops of one load together: one loop's worth (MAX_LOOP_ITERATIONS), the size of the man
 * page's largest example. A line that becomes a section costs about 1 kB of heap, so the former
 * bound of ten such loops let a 400-byte file ask for 10 GB (bench/fuzz, issue 17).
 */
export const MAX_LOOP_LINES = 1_000_000;

const CR = 13;
const SP = 0x20;
const TAB = 0x09;
const AT = 0x40;
const DOLLAR = 0x24;
const TILDE = 0x7e;
const LOWER_I = 0x69;

/** Whether a line starting with `c` may be more than words: a conditional, definition, loop or include. */
function isPlainStart(c: number): boolean {
  return c !== AT && c !== DOLLAR && c !== TILDE && c !== LOWER_I;
}

/** Where each logical line goes as soon as it is read: its words, its text and where it was. */
export type LineSink = (words: string[], text: string, pos: SourcePos) => void;

/** All logical lines at once; loading streams them instead (lexInto). */
export function lex(mainFile: string, opts: LexOptions, diag: Diagnostics): LogicalLine[] {
  const out: LogicalLine[] = [];
  lexInto(mainFile, opts, diag, (words, text, pos) => void out.push({ words, text, pos }));
  return out;
}

/**
 * Hands each logical line to `sink` as it is read, so that no list of every line is ever held.
 * Returns false, having read nothing, when the main file cannot be read.
 */
export function lexInto(mainFile: string, opts: LexOptions, diag: Diagnostics, sink: LineSink): boolean {
  return new Lexer(opts, diag, sink).run(path.resolve(mainFile));
}

class Lexer {
  private readonly fileStack: string[] = [];
  private readonly params: ParamTable;
  private loopLines = 0;

  constructor(
    private readonly opts: LexOptions,
    private readonly diag: Diagnostics,
    private readonly sink: LineSink,
  ) {
    const builtins: Builtins = {
      pwd: () => path.dirname(this.fileStack[this.fileStack.length - 1] ?? '.'),
      instance: () => opts.configId,
      random: opts.random ?? ((min, max) => min + Math.floor(Math.random() * (max - min + 1))),
      env: (name) => (opts.env ?? process.env)[name],
    };
    this.params = new ParamTable(builtins);
  }

  run(mainFile: string): boolean {
    return this.lexConfigFile(mainFile, undefined);
  }

  /**
   * One file, line by line. bin/keepalived-ts's #! line names this function to V8 (its
   * --turbo-filter): the only one `-t` optimizes. Called once a file, its loop would otherwise run
   * unoptimized to the end, through the whole load (every line's sections are read from inside
   * it); optimized on the spare core while it runs, `-t` on 50,000 lines took ~15 ms less (bench,
   * A/B). The name must stay unique in the bundle (test/cli/turbo-filter.test.ts).
   */
  private lexConfigFile(file: string, from: SourcePos | undefined): boolean {
    const bytes = this.opts.fs.readBytes(file);
    if (bytes === undefined) return false;
    if (this.fileStack.includes(file)) {
      this.diag.error(from, `include loop: ${file} includes itself`);
      return true;
    }
    if (this.fileStack.length >= MAX_INCLUDE_DEPTH) {
      this.diag.error(from, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return true;
    }
    this.fileStack.push(file);
    // A multi-line definition being collected.
    let pendingDef: { name: string; parts: string[] } | undefined;
    const endDef = () => {
      if (pendingDef) this.params.set(pendingDef.name, pendingDef.parts.join('\n'), true);
      pendingDef = undefined;
    };
    // One decode for the whole file, then the line ends, the characters that need more than the
    // plain path and the braces are found by the string's own searches (indexOf, a regular
    // expression), each remembered until the line that holds it: without TurboFan (as `-t` ran
    // then), loops over every byte made lexing 50,000 lines take 113 ms, and these searches 36. Words
    // of 13 or more characters keep the file's string alive (V8 slices them from it): a model
    // holds on to at most its files' size.
    const text = bytes.toString('utf8');
    const scan = new LineScan(text);
    // The next special character, '$' and brace at or after the line being read, kept in locals
    // until passed: most lines have none. `-t` runs this loop unoptimized until TurboFan's copy is
    // ready (about halfway through 50,000 lines, by V8's trace), where a call costs more than the blank
    // skipping written out below, and blanksEnd() made one per character.
    let special = -1;
    let dollar = -1;
    let brace = -1;
    for (let start = 0, lineNo = 1; start <= text.length; lineNo++) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      // fgets() + "remove end of line chars": every trailing CR goes.
      let stop = end;
      while (stop > start && text.charCodeAt(stop - 1) === CR) stop--;
      const lineStart = start;
      start = end + 1;
      if (special < lineStart) special = scan.special(lineStart);
      if (special >= stop) {
        // Nothing to decomment: the same steps as below for a line that does not continue.
        let textStart = lineStart;
        let c = text.charCodeAt(textStart);
        while (textStart < stop && (c === SP || c === TAB)) c = text.charCodeAt(++textStart);
        let textEnd = stop;
        c = text.charCodeAt(textEnd - 1);
        while (textEnd > textStart && (c === SP || c === TAB)) c = text.charCodeAt(--textEnd - 1);
        if (textStart === textEnd) {
          endDef();
          continue;
        }
        if (pendingDef) {
          pendingDef.parts.push(text.slice(textStart, textEnd));
          endDef();
          continue;
        }
        const pos: SourcePos = { file, line: lineNo };
        c = text.charCodeAt(textStart);
        if (dollar < textStart) dollar = scan.dollar(textStart);
        if (c === AT || c === DOLLAR || c === TILDE || c === LOWER_I || dollar < textEnd) {
          this.line(text.slice(textStart, textEnd), pos, 0);
          continue;
        }
        if (brace < textStart) brace = scan.brace(textStart);
        if (brace >= textEnd) {
          const piece = text.slice(textStart, textEnd);
          this.sink(plainWords(piece), piece, pos);
          continue;
        }
        this.plainLine(text, textStart, textEnd, scan, pos);
        continue;
      }
      const physical = text.slice(lineStart, stop);
      const pos: SourcePos = { file, line: lineNo };
      if (physical.includes('\0')) {
        endDef();
        this.diag.error(pos, 'configuration appears to have embedded NULs - ignoring line');
        continue;
      }
      const d = decomment(physical);
      if (d.unterminatedQuote) this.diag.error(pos, `Unterminated quote '${d.text}'`);
      if (pendingDef) {
        // A line that is empty once decommented (blank, or only a comment) ends the definition,
        // as does one without a closing '\' (that line still belongs to it).
        if (d.text === '' && !d.continues) {
          endDef();
          continue;
        }
        if (d.text !== '') pendingDef.parts.push(d.text);
        if (!d.continues) endDef();
        continue;
      }
      if (d.text === '' && !d.continues) continue;
      if (d.continues) {
        // Only a definition (possibly behind a conditional) continues on the next line.
        const kept = stripConditional(d.text, this.opts.configId);
        const def = kept === undefined ? undefined : parseDefinition(kept);
        if (def) {
          pendingDef = { name: def.name, parts: def.value === '' ? [] : [def.value] };
          continue;
        }
        if (kept === undefined) continue;
        this.line(`${d.text}\\`, pos, 0);
        continue;
      }
      this.line(d.text, pos, 0);
    }
    endDef();
    this.fileStack.pop();
    return true;
  }

  /**
   * A line that needs none of what piece() does before the brace split (isPlainStart, no '$'),
   * read from the file's text: each piece up to a brace, then the brace, as emit() would. What
   * follows a brace is read as a line again when it might be more than words (`} include f`).
   */
  private plainLine(text: string, from: number, to: number, scan: LineScan, pos: SourcePos): void {
    while (from < to) {
      const brace = scan.brace(from);
      if (brace >= to) {
        const piece = text.slice(from, to);
        this.sink(plainWords(piece), piece, pos);
        return;
      }
      if (brace > from) {
        const piece = text.slice(from, blanksStart(text, brace, from));
        this.sink(plainWords(piece), piece, pos);
        from = brace;
        continue;
      }
      const b = text[brace]!;
      this.sink([b], b, pos);
      from = blanksEnd(text, brace + 1, to);
      if (from < to && !isPlainStart(text.charCodeAt(from))) {
        this.line(text.slice(from, to), pos, 0);
        return;
      }
    }
  }

  /** One decommented line through conditionals, definitions, loops, substitution and include. */
  private line(text: string, pos: SourcePos, depth: number): void {
    if (depth > MAX_EXPANSION_DEPTH) {
      this.diag.error(pos, 'parameter or loop expansion nested too deep');
      return;
    }
    // What follows a brace is read as a line of its own: a loop, not a call per brace, so that a
    // line of 10,000 braces does not overflow the stack.
    for (let rest = text; rest !== ''; ) rest = this.piece(rest, pos, depth);
  }

  /** Reads `text` up to its first unquoted brace; returns what is left to read as a line. */
  private piece(text: string, pos: SourcePos, depth: number): string {
    // Most lines are a keyword and its values: not a conditional ('@'), a definition ('$'), a loop
    // ('~'), an include ('i'), nor holding a '$' to substitute. For them only the brace split is
    // left, and one test here spares the steps below.
    const c = text.charCodeAt(0);
    if (c !== AT && c !== DOLLAR && c !== TILDE && c !== LOWER_I && !text.includes('$')) return this.emit(text, pos);
    const kept = stripConditional(text, this.opts.configId);
    if (kept === undefined || kept === '') return '';
    text = kept;

    const def = parseDefinition(text);
    if (def) {
      this.params.set(def.name, def.value);
      return '';
    }
    if (isLoopLine(text)) {
      this.loop(text, pos, depth);
      return '';
    }
    // Keepalived does not substitute in any other line that starts with '~'.
    if (text[0] !== '~' && text.includes('$')) {
      let replaced: string | undefined;
      try {
        replaced = this.params.substitute(text, (m) => this.diag.error(pos, m));
      } catch (e) {
        this.diag.error(pos, (e as Error).message);
        return '';
      }
      if (replaced !== undefined) {
        // A multi-line value stands for several lines; each is read as if it were in the file.
        for (const part of replaced.split('\n')) this.line(decomment(part).text, pos, depth + 1);
        return '';
      }
    }
    if (this.include(text, pos)) return '';
    return this.emit(text, pos);
  }

  private loop(text: string, pos: SourcePos, depth: number): void {
    const loop = parseLoop(text, (s) => {
      try {
        return this.params.substitute(s) ?? s;
      } catch {
        return s;
      }
    });
    if (Array.isArray(loop)) {
      for (const m of loop) this.diag.error(pos, m);
      return;
    }
    this.loopLines += loop.iterations.length;
    if (this.loopLines > MAX_LOOP_LINES) {
      this.diag.error(pos, `loops produce more than ${MAX_LOOP_LINES} lines - ignoring '${text}'`);
      return;
    }
    for (const vars of loop.iterations) {
      for (const [name, value] of vars) this.params.set(name, value);
      this.line(loop.rest, pos, depth + 1);
    }
  }

  private include(text: string, pos: SourcePos): boolean {
    if (!text.startsWith('include')) return false;
    const baseDir = path.dirname(this.fileStack[this.fileStack.length - 1]!);
    return readInclude(text, pos, { fs: this.opts.fs, diag: this.diag, allConfig: this.opts.allConfig === true, baseDir, read: (f) => this.lexConfigFile(f, pos) });
  }

  /**
   * Splits off the first unquoted brace, as read_line() does, and returns what follows it, to be
   * read again as a line of its own (so `} @main x`, `} $X=1` and `} include f` keep their meaning).
   */
  private emit(text: string, pos: SourcePos): string {
    const at = firstUnquotedBrace(text);
    let piece = text;
    let rest = '';
    if (at === 0) {
      piece = text[0]!;
      rest = text.slice(blanksEnd(text, 1));
    } else if (at > 0) {
      piece = text.slice(0, blanksStart(text, at));
      rest = text.slice(at);
    }
    const { words, unmatchedQuote } = splitWords(piece);
    if (unmatchedQuote) this.diag.error(pos, `Unmatched quote: '${piece}'`);
    if (words.length > 0) {
      const restored = restoreLiterals(piece);
      // Only a line with a literal '#' or '!' (from ${_HASH} / ${_BANG}) has words to restore.
      if (restored !== piece) for (let i = 0; i < words.length; i++) words[i] = restoreLiterals(words[i]!);
      this.sink(words, restored, pos);
    }
    return rest;
  }
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
