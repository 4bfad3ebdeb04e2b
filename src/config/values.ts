/**
 * Value types shared by several sections: addresses, prefixes, ports, scripts.
 * Pure parsing: nothing here looks at the host.
 */
import { isIPv4, isIPv6 } from '../base/ip-syntax.js';
import type { SourcePos } from './diagnostics.js';
import type { Cx } from './schema.js';
import type { ConfNode } from './tree.js';

export type Family = 'inet' | 'inet6';

/**
 * `list` in an array of exactly its length. V8 gives an array that push() grew from empty room for
 * 17 elements (152 bytes); a model holds thousands of one- to four-element lists (checkers, urls,
 * status codes), and `-t` copies each to the old generation, on pages it touches for the first time.
 */
export function exactList<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}

export function ipFamily(addr: string): Family | undefined {
  if (isIPv4(addr)) return 'inet';
  if (isIPv6(addr)) return 'inet6';
  return undefined;
}

export interface Prefix {
  readonly address: string;
  readonly prefixlen: number;
  readonly family: Family;
}

/**
 * `addr` or `addr/len`. Without a length, a host prefix (/32 or /128), as Keepalived does for
 * VIPs. Returns a message for a bad value.
 */
export function parsePrefix(raw: string, defaultLen?: number): Prefix | string {
  const slash = raw.indexOf('/');
  const address = slash < 0 ? raw : raw.slice(0, slash);
  const family = ipFamily(address);
  if (!family) return `invalid IP address '${raw}'`;
  const max = family === 'inet' ? 32 : 128;
  if (slash < 0) return { address, prefixlen: defaultLen ?? max, family };
  const len = raw.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return `invalid prefix length in '${raw}'`;
  return { address, prefixlen: Number(len), family };
}

/** Reads an IP address argument; reports and returns undefined when it is not one. */
export function readAddress(cx: Cx, node: ConfNode, index = 0): string | undefined {
  const raw = cx.str(node, index);
  if (raw === undefined) return undefined;
  if (!ipFamily(raw)) {
    cx.error(node, `${node.keyword}: invalid IP address '${raw}'`);
    return undefined;
  }
  return raw;
}

export function readPort(cx: Cx, node: ConfNode, index = 0): number | undefined {
  return cx.int(node, 0, 65535, index);
}

/**
 * A script as Keepalived stores it (notify.c): the command line split into words, where single
 * and double quotes group words and backslash escapes work as in the shell; then an optional
 * user and group to run it as.
 */
export interface Script {
  readonly args: readonly string[];
  readonly user?: string;
  readonly group?: string;
  readonly pos: SourcePos;
}

/**
 * Reads `keyword "command args" [user [group]]` from the node's text. Keepalived re-splits the raw
 * line allowing single quotes, takes the 2nd word as the command line and the 3rd/4th as
 * user/group, so `notify_master /bin/x.sh arg` runs /bin/x.sh as user "arg".
 */
export function readScript(cx: Cx, node: ConfNode, wordIndex = 1): Script | undefined {
  const words = splitQuoted(node.text, false);
  const command = words[wordIndex];
  if (command === undefined || command === '') {
    cx.error(node, `${node.keyword}: missing script`);
    return undefined;
  }
  const args = splitQuoted(command, true);
  if (args.length === 0) {
    cx.error(node, `${node.keyword}: unable to parse script '${command}'`);
    return undefined;
  }
  const user = words[wordIndex + 1];
  const group = words[wordIndex + 2];
  if (words.length > wordIndex + 3) cx.warn(node, `${node.keyword}: ignoring extra parameters after the group`);
  return { args, ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}), pos: node.pos };
}

/**
 * Keepalived's alloc_strvec_quoted(_escaped): words split at unquoted blanks, quotes (' or ")
 * removed and the text between them kept whole; with `escapes`, \n, \t, \xHH, \nnn, \cC ...
 */
export function splitQuoted(src: string, escapes: boolean): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && /[ \t]/.test(src[i]!)) i++;
    if (i >= src.length) break;
    let word = '';
    let quote = '';
    while (i < src.length) {
      const c = src[i]!;
      if (!quote && /[ \t]/.test(c)) break;
      if (c === '\\' && i + 1 < src.length) {
        if (!escapes) {
          word += c + src[i + 1];
          i += 2;
          continue;
        }
        const [ch, used] = unescape(src, i + 1);
        word += ch;
        i += 1 + used;
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      word += c;
      i++;
    }
    words.push(word);
  }
  return words;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescape(s: string, at: number): [string, number] {
  const c = s[at]!;
  if (c === 'x' && /[0-9a-fA-F]/.test(s[at + 1] ?? '')) {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(at + 1))!;
    return [String.fromCharCode(parseInt(m[0], 16)), 1 + m[0].length];
  }
  if (c === 'c' && at + 1 < s.length) return [String.fromCharCode(s.charCodeAt(at + 1) & 0x1f), 2];
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(at))!;
    return [String.fromCharCode(parseInt(m[0], 8) & 0xff), m[0].length];
  }
  return [SIMPLE_ESCAPES[c] ?? c, 1];
}
