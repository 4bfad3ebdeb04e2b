/**
 * `include` and its checking forms (includer, includem, includew, includeb, includea): which
 * files a line names, read in order, and which of their problems count as errors.
 */
import type { Diagnostics, SourcePos } from './diagnostics.js';
import type { ConfigFs } from './fs.js';
import { globPattern } from './glob.js';

/** include_check bits (parser.c INCLUDE_R/M/W/B): which include problems are errors. */
interface IncludeChecks {
  /** Unreadable match (directory, read error). */
  readonly r: boolean;
  /** A named file or a directory to search is missing. */
  readonly m: boolean;
  /** A wildcard matched nothing. */
  readonly w: boolean;
  /** A brace alternative is missing; then nothing of the include is read. */
  readonly b: boolean;
}
const INCLUDE_KINDS: Record<string, IncludeChecks> = {
  include: { r: false, m: false, w: false, b: false },
  includer: { r: true, m: false, w: false, b: false },
  includem: { r: true, m: true, w: false, b: false },
  includew: { r: true, m: true, w: true, b: false },
  includeb: { r: true, m: false, w: false, b: true },
  includea: { r: true, m: true, w: true, b: true },
};

export interface IncludeContext {
  readonly fs: ConfigFs;
  readonly diag: Diagnostics;
  /** -e / --all-config: every include checks as `includea` (include_check_set(NULL)). */
  readonly allConfig: boolean;
  /** The including file's directory, which relative patterns start from. */
  readonly baseDir: string;
  /** Reads one matched file; false when it cannot be opened. */
  readonly read: (file: string) => boolean;
}

/** Reads the files an include line names; false when `text` is not an include line. */
export function readInclude(text: string, pos: SourcePos, cx: IncludeContext): boolean {
  // is_include(): the keyword, then a blank; the rest of the line, quotes and blanks included,
  // is one glob pattern (Keepalived does not strip quotes from it).
  const m = /^(include[rmwba]?)[ \t]+(.*)$/.exec(text);
  if (!m) return false;
  const check = cx.allConfig ? INCLUDE_KINDS['includea']! : INCLUDE_KINDS[m[1]!]!;
  const spec = m[2]!;
  const report = (isError: boolean, message: string) => (isError ? cx.diag.error(pos, message, 'file') : cx.diag.warn(pos, message));
  const g = globPattern(spec, cx.baseDir, cx.fs);
  if (g.matches.length === 0) {
    if (g.missing > 0) cx.diag.missingFile(pos, `Config files missing '${spec}'.`, g.hasBrace ? check.b : check.m);
    else if (check.w) cx.diag.missingFile(pos, `No config files matched '${spec}'.`, true);
    return true;
  }
  if (g.missing > 0) {
    cx.diag.missingFile(pos, `Some config files missing: "${spec}".`, check.b);
    if (check.b) return true;
  }
  for (const f of g.matches) {
    if (cx.fs.isDirectory(f)) report(check.r, `Configuration file '${f}/' is a directory - skipping`);
    else if (!cx.read(f)) report(check.r, `Configuration file '${f}' open problem - skipping`);
  }
  return true;
}
