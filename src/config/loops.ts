/**
 * `~SEQ(var, [start, [step,]] end)`, `~SEQx(...)` and `~LST(var, v1, v2, ...)` /
 * `~LST({a, b}, {1, 2}, {3, 4})` line prefixes (keepalived.conf(5) "Sequence blocks",
 * "List blocks"): the rest of the line is read once per value with the variables defined.
 *
 * The grammar is Keepalived's add_seq() / add_lst(), measured against keepalived 2.2.7:
 * numbers are read as strtol(…, 0) reads them (0x hex, leading-0 octal) after parameter
 * substitution (`~SEQ(i, 1, $N)`); a ~LST value set with fewer values than variables leaves the
 * rest empty; values are single words. Where Keepalived accepts any character as the separator
 * after the variable name (`~SEQ(i 1 2)`), we require the ',' the man page shows.
 */

export interface LoopSpec {
  /** Each iteration: the variables to define, in order. */
  readonly iterations: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  /** What follows the closing parenthesis. */
  readonly rest: string;
}

/** Largest number of iterations one loop may produce; guards against a typo such as 1..1e12. */
export const MAX_LOOP_ITERATIONS = 1_000_000;

/** Keepalived treats every line starting `~SEQ` or `~LST` as a loop (and reports it if malformed). */
export function isLoopLine(text: string): boolean {
  return text.startsWith('~SEQ') || text.startsWith('~LST');
}

/**
 * Parses the loop at the start of `text`. `substitute` replaces parameters in ~SEQ's numbers.
 * Returns the error messages Keepalived gives when it is malformed.
 */
export function parseLoop(text: string, substitute: (s: string) => string = (s) => s): LoopSpec | string[] {
  return text.startsWith('~SEQ') ? parseSeq(text, substitute) : parseLst(text);
}

const BLANKS = /^[ \t]*/;
const skipBlanks = (s: string, i: number): number => i + BLANKS.exec(s.slice(i))![0].length;

function parseSeq(text: string, substitute: (s: string) => string): LoopSpec | string[] {
  const invalid = (why: string): string[] => [why, `Invalid ~SEQ specification '${text}'`];
  let i = 4;
  const hex = text[i] === 'x';
  if (hex) i++;
  i = skipBlanks(text, i);
  if (text[i] !== '(') return [`Invalid ~SEQ specification '${text}'`];
  i = skipBlanks(text, i + 1);
  const varEnd = indexOfAny(text, ' \t,)', i);
  const name = text.slice(i, varEnd);
  i = skipBlanks(text, varEnd);
  if (name === '' || name[0] === '{' || text[i] !== ',') return invalid(`Invalid ~SEQ definition '${text}'`);
  const close = text.indexOf(')', i);
  if (close < 0) return invalid(`~SEQ missing terminating ')' '${text}'`);
  const nums: number[] = [];
  for (const part of substitute(text.slice(i + 1, close)).split(',')) {
    const n = parseStrtol(part.trim());
    if (n === undefined) return invalid(`Invalid ~SEQ definition '${text}'`);
    nums.push(n);
  }
  if (nums.length < 1 || nums.length > 3) return invalid(`Invalid ~SEQ definition '${text}'`);
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, end] = nums as [number, number];
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = nums as [number, number, number];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
      return invalid(`Invalid ~SEQ values '${text}'`);
    }
  }
  if (hex && (start < 0 || end < 0)) return invalid(`~SEQx is only valid for positive numbers '${text}'`);
  if (Math.floor((end - start) / step) + 1 > MAX_LOOP_ITERATIONS) {
    return invalid(`~SEQ would produce more than ${MAX_LOOP_ITERATIONS} lines '${text}'`);
  }
  const out: Array<Array<[string, string]>> = [];
  // Keepalived emits the first value, then steps until it passes `end`.
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    out.push([[name, hex ? v.toString(16) : String(v)]]);
  }
  return { iterations: out, rest: text.slice(skipBlanks(text, close + 1)) };
}

/** A whole string as strtol(s, &end, 0) reads it: sign, then 0x hex, 0 octal or decimal. */
function parseStrtol(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : Number(body);
  return m[1] === '-' ? -n : n;
}

function indexOfAny(s: string, chars: string, from: number): number {
  let i = from;
  while (i < s.length && !chars.includes(s[i]!)) i++;
  return i;
}

function parseLst(text: string): LoopSpec | string[] {
  const invalid = (why?: string): string[] => [...(why ? [why] : []), `Invalid ~LST specification '${text}'`];
  let i = skipBlanks(text, 4);
  if (text[i] !== '(') return invalid();
  i = skipBlanks(text, i + 1);
  let endChar = ',';
  if (text[i] === '{') {
    endChar = '}';
    i = skipBlanks(text, i + 1);
  }
  const names: string[] = [];
  for (;;) {
    const e = indexOfAny(text, ' \t,}', i);
    names.push(text.slice(i, e));
    i = skipBlanks(text, e);
    if (text[i] === endChar) break;
    if (text[i] !== ',') return invalid();
    i = skipBlanks(text, i + 1);
  }
  if (text[i] === '}') i = skipBlanks(text, i + 1);
  if (text[i] !== ',') return invalid();
  i = skipBlanks(text, i + 1);
  if (names.some((n) => n === '')) return invalid();

  const sets: Array<Array<[string, string]>> = [];
  for (;;) {
    let setEnd = ',';
    if (text[i] === '{') {
      setEnd = '}';
      i = skipBlanks(text, i + 1);
    }
    const values: string[] = [];
    for (;;) {
      const e = indexOfAny(text, ' \t,})', i);
      values.push(text.slice(i, e));
      i = skipBlanks(text, e);
      if (text[i] === setEnd || (text[i] === ')' && setEnd === ',')) break;
      if (text[i] !== ',') return invalid();
      i = skipBlanks(text, i + 1);
      if (values.length > names.length - 1) return invalid(`~LST specification has too many values '${text}'`);
    }
    if (sets.length >= MAX_LOOP_ITERATIONS) return invalid(`~LST has more than ${MAX_LOOP_ITERATIONS} value sets '${text}'`);
    // Missing values are empty, as in add_lst().
    sets.push(names.map((n, k) => [n, values[k] ?? ''] as [string, string]));
    if (text[i] === '}' && setEnd === '}') i = skipBlanks(text, i + 1);
    if (text[i] === ')') break;
    if (text[i] !== ',') return invalid();
    i = skipBlanks(text, i + 1);
  }
  return { iterations: sets, rest: text.slice(skipBlanks(text, i + 1)) };
}
