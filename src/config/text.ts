/**
 * Line-level text rules of keepalived.conf, shared by the lexer and the preprocessor.
 * Mirrors Keepalived's lib/parser.c: decomment(), the brace split in read_line() and the
 * word split of alloc_strvec_r().
 */
import { BANG_MARK, HASH_MARK } from './params.js';

export interface Decommented {
  readonly text: string;
  /** The line ended in a backslash: it continues on the next line. */
  readonly continues: boolean;
  readonly unterminatedQuote: boolean;
}

/**
 * Strips leading and trailing blanks and the comment ('!' or '#' outside double quotes).
 * `\#` and `\!` outside quotes stand for the characters themselves.
 */
export function decomment(line: string): Decommented {
  // Most lines have nothing to strip but blanks.
  if (!/[!#"\\]/.test(line)) return { text: line.replace(/^[ \t]+|[ \t]+$/g, ''), continues: false, unterminatedQuote: false };
  let out = '';
  let quote = false;
  let continues = false;
  const s = line.replace(/^[ \t]+/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      quote = !quote;
      out += c;
    } else if (c === '\\') {
      if (i + 1 >= s.length) {
        continues = true;
        break;
      }
      const next = s[i + 1]!;
      if (!quote && (next === '#' || next === '!')) out += next;
      else out += c + next;
      i++;
    } else if (!quote && (c === '!' || c === '#')) {
      break;
    } else {
      out += c;
    }
  }
  return { text: out.replace(/[ \t]+$/, ''), continues, unterminatedQuote: quote };
}

/** Index of the first character at or after `i` (before `end`) that is not a blank. */
export function blanksEnd(s: string, i: number, end = s.length): number {
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** Index just after the last character before `i` (not before `start`) that is not a blank. */
export function blanksStart(s: string, i: number, start = 0): number {
  while (i > start && isBlank(s.charCodeAt(i - 1))) i--;
  return i;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Splits a line so that each unquoted '{' and '}' stands alone, as Keepalived's read_line() does:
 * `virtual_ipaddress { 10.0.0.1 }` becomes `virtual_ipaddress`, `{`, `10.0.0.1`, `}`.
 */
export function splitBraces(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest !== '') {
    const at = firstUnquotedBrace(rest);
    if (at < 0) {
      out.push(rest);
      break;
    }
    if (at === 0) {
      out.push(rest[0]!);
      rest = rest.slice(1).replace(/^[ \t]+/, '');
    } else {
      const before = rest.slice(0, at).replace(/[ \t]+$/, '');
      if (before !== '') out.push(before);
      rest = rest.slice(at);
    }
  }
  return out;
}

/** Index of the first '{' or '}' outside double quotes, or -1. */
export function firstUnquotedBrace(s: string): number {
  let quote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quote = !quote;
    else if (!quote && (c === '{' || c === '}')) return i;
  }
  return -1;
}

/**
 * Words separated by blanks; a double-quoted string is one word without its quotes
 * (`"killall -0 nginx"` is one word). Returns undefined for the words when a quote is unmatched,
 * with the words read before it.
 */
export function splitWords(text: string): { words: string[]; unmatchedQuote: boolean } {
  // Word bounds first, then an array of exactly that many words: push() would give every line's
  // array room for 16 or more, and a configuration has tens of thousands of lines.
  let n = 0;
  let i = 0;
  let unmatchedQuote = false;
  while (i < text.length) {
    i = blanksEnd(text, i);
    if (i >= text.length) break;
    let from = i;
    let to: number;
    if (text.charCodeAt(i) === QUOTE) {
      const end = text.indexOf('"', i + 1);
      if (end < 0) {
        unmatchedQuote = true;
        break;
      }
      from = i + 1;
      to = end;
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c === 0x20 || c === 0x09 || c === QUOTE) break;
        j++;
      }
      to = i = j;
    }
    if (2 * n + 1 >= bounds.length) bounds = growBounds(bounds);
    bounds[2 * n] = from;
    bounds[2 * n + 1] = to;
    n++;
  }
  return { words: wordsAt(text, n), unmatchedQuote };
}

/**
 * The words of a piece without quotes, blanks at either end or braces. Most are one to three
 * words between single spaces: an array of exactly that many, where split() gives every line's
 * array room for more (~145 bytes a line, 8 of the 50 MB `-t` allocated on 50,000 lines).
 */
export function plainWords(piece: string): string[] {
  const a = piece.indexOf(' ');
  if (a < 0) return piece.includes('\t') ? piece.split(BLANKS) : [piece];
  if (piece.includes('\t') || piece.charCodeAt(a + 1) === SPACE) return piece.split(BLANKS);
  const b = piece.indexOf(' ', a + 1);
  if (b < 0) return [piece.slice(0, a), piece.slice(a + 1)];
  if (piece.charCodeAt(b + 1) === SPACE) return piece.split(BLANKS);
  const c = piece.indexOf(' ', b + 1);
  if (c < 0) return [piece.slice(0, a), piece.slice(a + 1, b), piece.slice(b + 1)];
  return piece.split(BLANKS);
}

const BLANKS = /[ \t]+/;
const SPACE = 0x20;
const QUOTE = 0x22;
/** Start and end of each word of the line being split; reused from line to line. */
let bounds = new Int32Array(64);

function growBounds(b: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(b.length * 2);
  bigger.set(b);
  return bigger;
}

function wordsAt(text: string, n: number): string[] {
  const b = bounds;
  switch (n) {
    case 0:
      return [];
    case 1:
      return [text.slice(b[0], b[1])];
    case 2:
      return [text.slice(b[0], b[1]), text.slice(b[2], b[3])];
    case 3:
      return [text.slice(b[0], b[1]), text.slice(b[2], b[3]), text.slice(b[4], b[5])];
    default: {
      const words: string[] = [];
      for (let k = 0; k < n; k++) words.push(text.slice(b[2 * k], b[2 * k + 1]));
      return words;
    }
  }
}

/**
 * Where the next character of a kind is in a file's text, searched once and remembered until the
 * line that holds it has been read: a search runs only for a line past the last match, so each
 * kind costs one pass over the file, and a line before the next match costs no search at all.
 */
export class LineScan {
  private nextSpecial = -1;
  private nextDollar = -1;
  private nextBrace = -1;

  constructor(private readonly text: string) {}

  /** What decomment() has to read (comment, quote, backslash), a NUL, or a literal's stand-in. */
  special(from: number): number {
    if (this.nextSpecial < from) this.nextSpecial = this.find(SPECIAL, from);
    return this.nextSpecial;
  }

  dollar(from: number): number {
    if (this.nextDollar < from) this.nextDollar = this.find(DOLLARS, from);
    return this.nextDollar;
  }

  brace(from: number): number {
    if (this.nextBrace < from) this.nextBrace = this.find(BRACES, from);
    return this.nextBrace;
  }

  private find(re: RegExp, from: number): number {
    re.lastIndex = from;
    return re.test(this.text) ? re.lastIndex - 1 : this.text.length;
  }
}
const SPECIAL = new RegExp(`[!#"\\\\\\0${HASH_MARK}${BANG_MARK}]`, 'g');
const DOLLARS = /\$/g;
const BRACES = /[{}]/g;
