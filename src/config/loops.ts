/**
 * `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, v1, v2, ...)` /
 * `~LST({a, b}, {1, 2}, {3, 4})` line prefixes (keepalived.conf(5) "Sequence blocks",
 * "List blocks"): the rest of the line is read once per value with the variables defined.
 */

export interface LoopSpec {
  /** Each iteration: the variables to define, in order. */
  readonly iterations: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  /** What follows the closing parenthesis. */
  readonly rest: string;
}

/** Largest number of iterations one loop may produce; guards against a typo such as 1..1e12. */
export const MAX_LOOP_ITERATIONS = 1_000_000;

export function isLoopLine(text: string): boolean {
  return text.startsWith('~SEQ(') || text.startsWith('~SEQx(') || text.startsWith('~LST(');
}

/** Parses the loop at the start of `text`; returns an error message when it is malformed. */
export function parseLoop(text: string): LoopSpec | string {
  const open = text.indexOf('(');
  const close = matchingParen(text, open);
  if (close < 0) return `Invalid ${text.slice(0, open)} specification '${text}': missing ')'`;
  const kind = text.slice(1, open);
  const body = text.slice(open + 1, close);
  const rest = text.slice(close + 1).replace(/^[ \t]+/, '');
  const spec = kind === 'LST' ? parseList(body) : parseSeq(body, kind === 'SEQx');
  if (typeof spec === 'string') return `Invalid ~${kind} specification '${text}': ${spec}`;
  return { iterations: spec, rest };
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

const VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseSeq(body: string, hex: boolean): Array<Array<[string, string]>> | string {
  const parts = body.split(',').map((p) => p.trim());
  const name = parts[0] ?? '';
  if (!VAR.test(name)) return `bad variable name '${name}'`;
  const nums = parts.slice(1).map((p) => parseNumber(p));
  if (nums.length < 1 || nums.length > 3 || nums.some((n) => n === undefined)) {
    return 'expected (var, [start, [step,]] end) with integer values';
  }
  const values = nums as number[];
  let start: number;
  let step: number;
  let end: number;
  if (values.length === 1) {
    end = values[0]!;
    start = end >= 0 ? 1 : -1;
    step = end >= start ? 1 : -1;
  } else if (values.length === 2) {
    [start, end] = values as [number, number];
    step = end >= start ? 1 : -1;
  } else {
    [start, step, end] = values as [number, number, number];
  }
  if (step === 0) return 'step may not be 0';
  const out: Array<Array<[string, string]>> = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    if (out.length >= MAX_LOOP_ITERATIONS) return `more than ${MAX_LOOP_ITERATIONS} iterations`;
    out.push([[name, hex ? v.toString(16) : String(v)]]);
  }
  return out;
}

function parseNumber(s: string): number | undefined {
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^-?0x[0-9a-fA-F]+$/.test(s)) return s.startsWith('-') ? -parseInt(s.slice(1), 16) : parseInt(s, 16);
  return undefined;
}

function parseList(body: string): Array<Array<[string, string]>> | string {
  const groups = splitGroups(body);
  if (typeof groups === 'string') return groups;
  const [names, ...valueSets] = groups;
  if (!names || names.length === 0 || !names.every((n) => VAR.test(n))) return 'bad variable name';
  if (valueSets.length === 0) return 'no values';
  const out: Array<Array<[string, string]>> = [];
  for (const set of valueSets) {
    if (set.length !== names.length) return `expected ${names.length} values in each set`;
    out.push(names.map((n, i) => [n, set[i]!] as [string, string]));
  }
  return out;
}

/** `a, 1, 2` -> [[a],[1],[2]];  `{a, b}, {1, 2}` -> [[a,b],[1,2]]. */
function splitGroups(body: string): string[][] | string {
  const out: string[][] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /[ \t,]/.test(body[i]!)) i++;
    if (i >= body.length) break;
    if (body[i] === '{') {
      const close = body.indexOf('}', i);
      if (close < 0) return "missing '}'";
      out.push(body.slice(i + 1, close).split(',').map((v) => v.trim()));
      i = close + 1;
    } else {
      let j = body.indexOf(',', i);
      if (j < 0) j = body.length;
      out.push([body.slice(i, j).trim()]);
      i = j;
    }
  }
  return out;
}
