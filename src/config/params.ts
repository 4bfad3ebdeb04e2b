/**
 * Parameter substitution (keepalived.conf(5) "Parameter substitution", "Pre-defined definitions").
 *
 * `$NAME=value` defines; `$NAME` (followed by blank, ',', ')' or end of line) and `${NAME}` are
 * replaced, recursively, at use time; an undefined name is left as it is. A multi-line value keeps
 * its line breaks ("\n") so that one use stands for a whole block; as in Keepalived's
 * find_definition(), a multi-line definition is only replaced where it ends the line.
 */

export interface Builtins {
  /** Directory of the file being read. */
  pwd(): string;
  /** The config id (-i), by default the short host name. */
  instance(): string;
  random(min: number, max: number): number;
  env(name: string): string | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const NAME_AFTER_DOLLAR = /^\$([A-Za-z_][A-Za-z0-9_]*)/;

/**
 * `seg` starts with '$'. While it ends inside what may be a reference (`$`, `$NAM`, `${NAME a`),
 * takes from the segments below it the characters that may continue it and one more, so that the
 * reference is read whole, as in one buffer.
 */
function extendReference(seg: string, stack: string[]): string {
  for (;;) {
    if (stack.length === 0) return seg;
    let more: RegExp;
    if (seg === '$') more = /^/;
    else if (/^\$\{[A-Za-z0-9_ \t]*$/.test(seg)) more = /^[A-Za-z0-9_ \t]*/;
    else if (/^\$[A-Za-z0-9_]+$/.test(seg)) more = /^[A-Za-z0-9_]*/;
    else return seg;
    const next = stack.pop()!;
    const take = Math.min(next.length, more.exec(next)![0].length + 1);
    seg += next.slice(0, take);
    if (take < next.length) stack.push(next.slice(take));
  }
}

/**
 * What `${_HASH}` and `${_BANG}` expand to until the line has been decommented again: the
 * documented meaning is a literal '#' / '!', "which would otherwise start a comment".
 * (Keepalived 2.2.7 decomments after substituting, so there an unquoted ${_HASH} does start a
 * comment - a bug against its own man page, which we do not copy.) See restoreLiterals().
 */
export const HASH_MARK = '\uE000';
export const BANG_MARK = '\uE001';

export function restoreLiterals(s: string): string {
  return s.includes(HASH_MARK) || s.includes(BANG_MARK) ? s.replaceAll(HASH_MARK, '#').replaceAll(BANG_MARK, '!') : s;
}

export interface Definition {
  readonly name: string;
  /** The value with its leading blanks removed, as Keepalived's check_definition(). */
  readonly value: string;
}

/**
 * `$NAME=value` with nothing but blanks before the '$' (already stripped by decomment) and
 * nothing between the name and '='.
 */
export function parseDefinition(text: string): Definition | undefined {
  if (text[0] !== '$') return undefined;
  const m = NAME.exec(text.slice(1));
  if (!m || text[1 + m[0].length] !== '=') return undefined;
  const value = text.slice(2 + m[0].length).replace(/^[ \t]+/, '');
  return { name: m[0], value };
}

interface Entry {
  readonly value: string;
  readonly multiline: boolean;
}

export class ParamTable {
  private readonly defs = new Map<string, Entry>();

  constructor(private readonly builtins: Builtins) {}

  /** `multiline`: the definition ended in '\' and may only be used at the end of a line. */
  set(name: string, value: string, multiline = false): void {
    this.defs.set(name, { value, multiline: multiline && value !== '' });
  }

  get(name: string): string | undefined {
    return this.defs.get(name)?.value;
  }

  /**
   * Replaces every known parameter in `text`. Returns undefined when nothing was replaced.
   * Problems with a built-in's arguments go to `report`; the reference is then left as it is.
   * Throws a RangeError when replacement does not terminate (a parameter that contains itself).
   */
  substitute(text: string, report: (message: string) => void = () => {}): string | undefined {
    // Scanning resumes at each replacement, as Keepalived's replace_param() does in its buffer.
    // Text before the scan point is final; what follows it is a stack of segments (a value on
    // top of the rest of the line), so a replacement costs its value's length, not the line's:
    // re-joining the line at every replacement made long expansions quadratic.
    const done: string[] = [];
    const stack: string[] = [text];
    let total = text.length;
    let changed = false;
    let budget = 10_000;
    const rest = () => stack.reverse().join('');
    while (stack.length > 0) {
      let seg = stack.pop()!;
      const at = seg.indexOf('$');
      if (at < 0) {
        done.push(seg);
        continue;
      }
      done.push(seg.slice(0, at));
      seg = extendReference(seg.slice(at), stack);
      if (seg.length === 1 && stack.length === 0) {
        done.push(seg); // a '$' that ends the line
        break;
      }
      const hit = this.replacementAt(seg, stack.length === 0, report);
      if (!hit) {
        done.push('$');
        if (seg.length > 1) stack.push(seg.slice(1));
        continue;
      }
      total += hit.value.length - hit.length;
      if (--budget < 0 || total > 1_000_000) throw new RangeError('parameter substitution does not terminate');
      changed = true;
      if (seg.length > hit.length) stack.push(seg.slice(hit.length));
      // A multi-line value is a block of lines: each is substituted when it is read, after the
      // definitions on the lines before it have taken effect (as Keepalived's replace_param()).
      // A value that is a loop (`$L=~SEQ(i,1,3) x${i}`) keeps its own references for the loop.
      if (hit.value.includes('\n') || /^[ \t]*~/.test(hit.value)) {
        done.push(hit.value);
        done.push(rest());
        break;
      }
      if (hit.value !== '') stack.push(hit.value); // the replacement may itself hold parameters
    }
    return changed ? done.join('') : undefined;
  }

  /** The reference `s` starts with ('$...'); `last`: nothing follows `s` on the line. */
  private replacementAt(s: string, last: boolean, report: (message: string) => void): { value: string; length: number } | undefined {
    if (s[1] === '{') {
      // `${NAME}` or `${NAME ARG ...}`: a name, then blank-separated words of [A-Za-z0-9_].
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)((?:[ \t]+[A-Za-z0-9_]+)*)\}/.exec(s);
      if (!m) return undefined;
      const args = m[2]!.trim() === '' ? [] : m[2]!.trim().split(/[ \t]+/);
      const atEnd = last && m[0].length === s.length;
      const value = this.lookup(m[1]!, args, atEnd, report);
      return value === undefined ? undefined : { value, length: m[0].length };
    }
    const m = NAME_AFTER_DOLLAR.exec(s);
    if (!m) return undefined;
    const end = 1 + m[1]!.length;
    if (end < s.length && !' \t,)\n'.includes(s[end]!)) return undefined;
    const value = this.lookup(m[1]!, [], last && end === s.length, report);
    return value === undefined ? undefined : { value, length: end };
  }

  private lookup(name: string, args: string[], atEnd: boolean, report: (message: string) => void): string | undefined {
    const user = this.defs.get(name);
    if (user) {
      // A definition overrides a built-in of the same name, as set_definition() does.
      if (args.length > 0 || (user.multiline && !atEnd)) return undefined;
      return user.value;
    }
    const arity = (min: number, max: number): boolean => {
      if (args.length >= min && args.length <= max) return true;
      if (args.length > 0 || min > 0) report(`Definition ${name} requires between ${min} and ${max} parameters, ${args.length} specified.`);
      return false;
    };
    switch (name) {
      case '_PWD':
        return arity(0, 0) ? this.builtins.pwd() : undefined;
      case '_INSTANCE':
        return arity(0, 0) ? this.builtins.instance() : undefined;
      case '_HASH':
        return arity(0, 0) ? HASH_MARK : undefined;
      case '_BANG':
        return arity(0, 0) ? BANG_MARK : undefined;
      case '_ENV':
        return arity(1, 1) ? (this.builtins.env(args[0]!) ?? '') : undefined;
      case '_RANDOM': {
        if (!arity(0, 2)) return undefined;
        if (!args.every((a) => /^\d+$/.test(a))) {
          report(`Definition ${name} requires numeric parameters only.`);
          return undefined;
        }
        const min = args.length > 0 ? Number(args[0]) : 0;
        let max = args.length > 1 ? Number(args[1]) : 32767;
        if (min > max) {
          // Keepalived 2.2.7 then always yields MIN (measured); say so rather than guess.
          report(`\${_RANDOM}: min ${min} exceeds max ${max}, using ${min}`);
          max = min;
        }
        return String(this.builtins.random(min, max));
      }
      default:
        return undefined;
    }
  }
}
