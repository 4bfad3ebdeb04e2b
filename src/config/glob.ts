/**
 * File name expansion for `include`, as glob(3) with GLOB_BRACE does it for Keepalived:
 * csh-style braces first ("{a,b{c,d}}"), then `*`, `?` and `[...]` per path segment.
 * Names starting with '.' match only a pattern that starts with '.'; results are sorted.
 */
import * as path from 'node:path';
import type { ConfigFs } from './fs.js';

/** Expands csh-style braces. An unbalanced brace is left as literal text. */
export function expandBraces(pattern: string): string[] {
  const open = findOpenBrace(pattern);
  if (open < 0) return [pattern];
  const close = matchingBrace(pattern, open);
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const out: string[] = [];
  for (const alt of splitTopLevel(pattern.slice(open + 1, close))) {
    for (const expanded of expandBraces(head + alt + tail)) out.push(expanded);
  }
  return out;
}

function findOpenBrace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') return i;
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

function segmentRegExp(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '\\' && i + 1 < seg.length) re += '\\' + seg[++i];
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export interface GlobResult {
  /** Sorted per brace alternative, in the order of the alternatives; no duplicates. */
  readonly matches: string[];
  /**
   * A literal name or a directory to search did not exist: glob(3)'s gl_lstat / gl_opendir
   * failures, which Keepalived counts to tell "Config files missing" from "No config files matched".
   */
  readonly missing: number;
  readonly hasBrace: boolean;
  readonly hasWildcard: boolean;
}

/** Expands `pattern` (absolute, or relative to baseDir) as glob(GLOB_BRACE) does. */
export function globPattern(pattern: string, baseDir: string, fs: ConfigFs): GlobResult {
  const alternatives = expandBraces(pattern);
  const matches: string[] = [];
  let missing = 0;
  for (const alt of alternatives) {
    const r = globOne(alt, baseDir, fs);
    missing += r.missing;
    for (const f of r.matches) if (!matches.includes(f)) matches.push(f);
  }
  return { matches, missing, hasBrace: alternatives.length > 1 || alternatives[0] !== pattern, hasWildcard: hasWildcard(pattern) };
}

/** Matches one brace-free pattern (absolute, or relative to baseDir) against the file tree. */
export function globOne(pattern: string, baseDir: string, fs: ConfigFs): { matches: string[]; missing: number } {
  const abs = path.resolve(baseDir, pattern);
  const exists = (p: string) => fs.readFile(p) !== undefined || fs.isDirectory(p);
  if (!hasWildcard(abs)) return exists(abs) ? { matches: [abs], missing: 0 } : { matches: [], missing: 1 };
  const segments = abs.split('/').filter((s) => s !== '');
  let current = ['/'];
  let missing = 0;
  for (const [k, seg] of segments.entries()) {
    const last = k === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(seg)) {
        const p = path.join(dir, seg);
        if (exists(p)) next.push(p);
        else missing++;
        continue;
      }
      const names = fs.readDir(dir);
      if (names === undefined) {
        missing++;
        continue;
      }
      const re = segmentRegExp(seg);
      for (const name of names) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        // Like glob(3), a wildcard before the last '/' matches directories only.
        if (re.test(name) && (last || fs.isDirectory(path.join(dir, name)))) next.push(path.join(dir, name));
      }
    }
    current = next;
  }
  return { matches: current.sort(), missing };
}
