/**
 * Parameter substitution (keepalived.conf(5) "Parameter substitution", "Pre-defined definitions").
 *
 * `$NAME=value` defines; `$NAME` (followed by blank or end of line) and `${NAME}` are replaced,
 * recursively, at use time; an undefined name is left as it is. Multi-line values keep their line
 * breaks ("\n") so that one use can stand for a whole block.
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

export interface Definition {
  readonly name: string;
  readonly value: string;
  /** The value ended in '\': following lines belong to it. */
  readonly multiline: boolean;
}

/** `$NAME=value` with nothing but blanks before the '$' (already stripped by decomment). */
export function parseDefinition(text: string): Definition | undefined {
  if (text[0] !== '$') return undefined;
  const m = NAME.exec(text.slice(1));
  if (!m || text[1 + m[0].length] !== '=') return undefined;
  const value = text.slice(2 + m[0].length);
  return { name: m[0], value, multiline: false };
}

export class ParamTable {
  private readonly defs = new Map<string, string>();

  constructor(private readonly builtins: Builtins) {}

  get size(): number {
    return this.defs.size;
  }

  set(name: string, value: string): void {
    this.defs.set(name, value);
  }

  get(name: string): string | undefined {
    return this.defs.get(name);
  }

  /**
   * Replaces every known parameter in `text`. Returns undefined when nothing was replaced.
   * Throws a RangeError when replacement does not terminate (a parameter that contains itself).
   */
  substitute(text: string): string | undefined {
    let changed = false;
    let out = text;
    let from = 0;
    let budget = 10_000;
    for (;;) {
      const at = out.indexOf('$', from);
      if (at < 0) break;
      const hit = this.replacementAt(out, at);
      if (!hit) {
        from = at + 1;
        continue;
      }
      if (--budget < 0) throw new RangeError('parameter substitution does not terminate');
      out = out.slice(0, at) + hit.value + out.slice(at + hit.length);
      changed = true;
      // A multi-line value is a block of lines: each is substituted when it is read, after the
      // definitions on the lines before it have taken effect (as Keepalived's replace_param()).
      if (hit.value.includes('\n')) break;
      from = at; // the replacement may itself hold parameters
    }
    return changed ? out : undefined;
  }

  private replacementAt(s: string, at: number): { value: string; length: number } | undefined {
    if (s[at + 1] === '{') {
      const close = s.indexOf('}', at + 2);
      if (close < 0) return undefined;
      const inner = s.slice(at + 2, close);
      const value = this.lookup(inner);
      return value === undefined ? undefined : { value, length: close + 1 - at };
    }
    const m = NAME.exec(s.slice(at + 1));
    if (!m) return undefined;
    const end = at + 1 + m[0].length;
    if (end < s.length && s[end] !== ' ' && s[end] !== '\t' && s[end] !== '\n') return undefined;
    const value = this.lookup(m[0]);
    return value === undefined ? undefined : { value, length: end - at };
  }

  private lookup(spec: string): string | undefined {
    const words = spec.trim().split(/[ \t]+/);
    const name = words[0] ?? '';
    const args = words.slice(1);
    switch (name) {
      case '_PWD':
        return args.length === 0 ? this.builtins.pwd() : undefined;
      case '_INSTANCE':
        return args.length === 0 ? this.builtins.instance() : undefined;
      case '_HASH':
        return args.length === 0 ? '\\#' : undefined;
      case '_BANG':
        return args.length === 0 ? '\\!' : undefined;
      case '_ENV':
        return args.length === 1 ? (this.builtins.env(args[0]!) ?? '') : undefined;
      case '_RANDOM': {
        if (args.length > 2 || !args.every((a) => /^\d+$/.test(a))) return undefined;
        const min = args.length > 0 ? Number(args[0]) : 0;
        const max = args.length > 1 ? Number(args[1]) : 32767;
        return String(this.builtins.random(Math.min(min, max), Math.max(min, max)));
      }
      default:
        return args.length === 0 ? this.defs.get(name) : undefined;
    }
  }
}
