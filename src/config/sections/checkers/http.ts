/**
 * HTTP_GET and SSL_GET: fetch URLs and check the status code, an MD5 digest of the body and/or a
 * regex (Keepalived check_http.c; SNI and tls_compliant from check_ssl.c).
 *
 * Defaults (check_http.c): http_protocol 1.0; a url with neither status_code nor any code accepts
 * 200-299; delay_before_retry 3 s.
 */
import type { SourcePos } from '../../diagnostics.js';
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { exactList, splitQuoted } from '../../values.js';
import { readFlag } from '../lvs-values.js';
import { connectingTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

/** pcre2 options Keepalived knows by name (regex_options). */
export const REGEX_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames',
  'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture',
  'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf',
  'never_backslash_c', 'alt_circumflex', 'alt_verbnames', 'use_offset_limit',
] as const;

export interface HttpUrl {
  pos: SourcePos;
  path: string;
  /** MD5 of the body, 32 lower-case hex digits. */
  digest?: string;
  /** Accepted codes as inclusive [from, to] ranges, merged and sorted; default [[200, 299]]. */
  status_code: [number, number][];
  /** Resolved: url, else checker, else real_server, else virtual_server. */
  virtualhost?: string;
  /** A pcre2 pattern (not validated here: pcre2 and JavaScript syntax differ). */
  regex?: string;
  regex_no_match: boolean;
  regex_options: string[];
  regex_min_offset?: number;
  /** As written (Keepalived stores one more internally). */
  regex_max_offset?: number;
  regex_stack?: { start: number; max: number };
  tls_compliant: boolean;
}

export interface HttpCheck extends CheckerTiming, Connection {
  checker: 'HTTP_GET' | 'SSL_GET';
  http_protocol: '1.0' | '1.0C' | '1.1';
  /** Resolved: checker, else real_server, else virtual_server. */
  virtualhost?: string;
  fast_recovery: boolean;
  enable_sni: boolean;
  sni_name?: string;
  tls_compliant: boolean;
  url: HttpUrl[];
}

export const httpDefaults: CheckerDefaults = { retry: 1, delay_before_retry: 3 };

const STATUS_MIN = 100;
const STATUS_MAX = 599;

interface UrlDraft extends Unresolved<HttpUrl> {
  codes: Set<number>;
  /** The url block's '}' line: Keepalived checks a url there. */
  end?: SourcePos;
}

const urlTable: KeywordTable<UrlDraft> = {
  path: (u, n, cx) => {
    const v = cx.str(n);
    if (v !== undefined) u.path = v;
  },
  digest: (u, n, cx) => {
    const d = cx.str(n);
    if (d === undefined) return;
    if (u.digest !== undefined) return cx.error(n, `Digest '${d}' is a duplicate`);
    if (d.length !== 32) return cx.error(n, `digest '${d}' character length should be 32 rather than ${d.length}`);
    for (let i = 15; i >= 0; i--) {
      if (!/^[0-9a-fA-F]{2}$/.test(d.slice(2 * i, 2 * i + 2))) {
        return cx.error(n, `Unable to interpret hex digit in '${d}' at offset ${2 * i}/${2 * i + 1}`);
      }
    }
    u.digest = d.toLowerCase();
  },
  status_code: (u, n, cx) => {
    if (n.args.length === 0) cx.error(n, 'status_code: missing value');
    for (const s of n.args) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      const min = m ? Number(m[1]) : NaN;
      const max = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || min < STATUS_MIN || max > STATUS_MAX || min > max) {
        cx.error(n, `Invalid HTTP_GET status code '${s}'`);
        continue;
      }
      for (let c = min; c <= max; c++) u.codes.add(c);
    }
  },
  virtualhost: (u, n, cx) => {
    if (n.args[0] === undefined) return cx.error(n, 'Missing HTTP_GET virtualhost name');
    u.virtualhost = n.args[0];
  },
  regex: (u, n, cx) => {
    const words = splitQuoted(n.text, true);
    if (words.length !== 2) return cx.error(n, 'regex missing or too many fields');
    if (u.regex !== undefined) cx.error(n, `Duplicate regex specified - replacing ${u.regex} with ${words[1]}`);
    u.regex = words[1];
  },
  regex_no_match: (u) => {
    u.regex_no_match = true;
  },
  regex_options: (u, n, cx) => {
    for (const o of n.args) {
      if ((REGEX_OPTIONS as readonly string[]).includes(o)) {
        if (!u.regex_options!.includes(o)) u.regex_options!.push(o);
      } else {
        // Keepalived skips unknown options without a word.
        cx.warn(n, `regex_options: unknown option '${o}' - ignoring`);
      }
    }
  },
  regex_min_offset: (u, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 0, Number.MAX_SAFE_INTEGER);
    if (v !== undefined) u.regex_min_offset = v;
  },
  regex_max_offset: (u, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 0, Number.MAX_SAFE_INTEGER);
    if (v !== undefined) u.regex_max_offset = v;
  },
  regex_stack: (u, n, cx) => {
    if (n.args.length !== 2) return cx.error(n, 'regex_stack requires start and max values');
    const start = cx.int(n, 0, Number.MAX_SAFE_INTEGER, 0);
    const max = cx.int(n, 0, Number.MAX_SAFE_INTEGER, 1);
    if (start === undefined || max === undefined) return;
    if (start > max) return cx.error(n, 'regex stack start cannot exceed max value');
    u.regex_stack = { start, max };
  },
};

const sslUrlTable: KeywordTable<UrlDraft> = {
  ...urlTable,
  tls_compliant: (u, n, cx) => {
    const v = readFlag(cx, n, 'tls_compliant option');
    if (v !== undefined) u.tls_compliant = v;
  },
};

/** url_check(): the url's end. Returns undefined (after the message) when it has no path. */
function finishUrl(u: UrlDraft, cx: Cx): HttpUrl | undefined {
  if (u.path === undefined) {
    cx.error(u.end ?? u.pos!, 'HTTP/SSL_GET checker url has no path - ignoring');
    return undefined;
  }
  if (u.codes.size === 0) for (let c = 200; c <= 299; c++) u.codes.add(c);
  const ranges: [number, number][] = [];
  for (const c of [...u.codes].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else ranges.push([c, c]);
  }
  // A copy without the draft's own keys, property by property, not a rest pattern: like a spread
  // (measured, lvs.ts newVirtualServer()), V8 builds it by copying, and such an object took each
  // property added later (status_code here) at microseconds. The rest pattern was not timed alone.
  const url: Unresolved<HttpUrl> = {};
  const from = u as unknown as Record<string, unknown>;
  const to = url as Record<string, unknown>;
  for (const k in from) if (k !== 'codes' && k !== 'end') to[k] = from[k];
  url.status_code = exactList(ranges);
  if (url.regex === undefined) {
    const stray = url.regex_options!.length > 0 || url.regex_no_match || url.regex_min_offset !== undefined || url.regex_max_offset !== undefined || url.regex_stack;
    if (stray) {
      cx.warn(u.pos!, 'regex parameters specified without regex');
      url.regex_options = [];
      url.regex_no_match = false;
      delete url.regex_min_offset;
      delete url.regex_max_offset;
      delete url.regex_stack;
    }
  }
  if (url.regex_max_offset !== undefined && (url.regex_min_offset ?? 0) > url.regex_max_offset) {
    cx.warn(u.pos!, `regex min offset ${url.regex_min_offset} > regex_max_offset ${url.regex_max_offset} - ignoring`);
    delete url.regex_min_offset;
    delete url.regex_max_offset;
  }
  return url as HttpUrl;
}

type HttpDraft = Unresolved<HttpCheck>;

const httpTable: KeywordTable<HttpDraft> = {
  ...connectingTable,
  virtualhost: (c, n, cx) => {
    if (n.args[0] === undefined) return cx.error(n, 'HTTP_GET virtualhost name missing');
    c.virtualhost = n.args[0];
  },
  http_protocol: (c, n, cx) => {
    const v = n.args[0];
    if (v === undefined) return cx.error(n, 'Missing http_protocol version');
    if (v === '1.0' || v === '1.1') c.http_protocol = v;
    else if (v === '1.0C' || v === '1.0c') c.http_protocol = '1.0C';
    else cx.error(n, `Invalid http_protocol version ${v}`);
  },
  enable_sni: (c, n, cx) => {
    const v = readFlag(cx, n, 'enable_sni');
    if (v !== undefined) c.enable_sni = v;
  },
  sni_name: (c, n, cx) => {
    if (n.args[0] !== undefined) c.sni_name = n.args[0];
    else if (c.sni_name !== undefined) return cx.error(n, `sni_name already specified as ${c.sni_name} - ignoring setting to default`);
    c.enable_sni = true;
  },
  fast_recovery: (c, n, cx) => {
    const v = readFlag(cx, n, 'fast_recovery');
    if (v !== undefined) c.fast_recovery = v;
  },
  url: {
    block: 'required',
    run: (c, n, cx) => {
      const u: UrlDraft = { pos: n.pos, codes: new Set(), regex_no_match: false, regex_options: [], tls_compliant: false };
      if (n.end) u.end = n.end;
      cx.apply(u, n.block, c.checker === 'SSL_GET' ? sslUrlTable : urlTable);
      const url = finishUrl(u, cx);
      if (url) c.url!.push(url);
    },
  },
};

const sslTable: KeywordTable<HttpDraft> = {
  ...httpTable,
  tls_compliant: (c, n, cx) => {
    const v = readFlag(cx, n, 'tls_compliant option');
    if (v !== undefined) c.tls_compliant = v;
  },
};

export function readHttpCheck(node: ConfNode, cx: Cx): HttpCheck | undefined {
  const checker = node.keyword === 'SSL_GET' ? 'SSL_GET' : 'HTTP_GET';
  // With the fields lvs-finish.ts resolves, unset (checkers/common.ts says why).
  const c: HttpDraft = {
    checker,
    pos: node.pos,
    http_protocol: '1.0',
    fast_recovery: false,
    enable_sni: false,
    tls_compliant: false,
    url: [],
    alpha: undefined,
    log_all_failures: undefined,
    retry: undefined,
    delay_loop: undefined,
    warmup: undefined,
    delay_before_retry: undefined,
    connect_ip: undefined,
    connect_port: undefined,
    connect_timeout: undefined,
  };
  cx.apply(c, node.block, checker === 'SSL_GET' ? sslTable : httpTable);
  if (c.url!.length === 0) {
    cx.error(node.end ?? node, 'HTTP/SSL_GET checker has no urls specified - ignoring');
    return undefined;
  }
  c.url = exactList(c.url!);
  return c as HttpCheck;
}
