/**
 * Reading an HTTP_GET / SSL_GET answer as Keepalived does (check_http.c http_process_response(),
 * http_handle_response(); lib/html.c): the headers end at the first blank line; the status code
 * is the three digits after the first space; the MD5 digest covers the bytes after the headers
 * as they arrived (no de-chunking), up to Content-Length when there is one; the answer ends when
 * the server closes. Pure: fed with chunks, asked for a verdict.
 */
import { createHash, type Hash } from 'node:crypto';

/** The part of an HttpUrl the verdict needs. */
export interface UrlExpect {
  readonly path: string;
  readonly status_code: ReadonlyArray<readonly number[]>;
  readonly digest?: string;
  readonly regex?: string;
  readonly regex_no_match: boolean;
  readonly regex_options: readonly string[];
  readonly regex_min_offset?: number;
  readonly regex_max_offset?: number;
}

/** pcre2 options with a JavaScript equivalent; the rest (performance hints mostly) change nothing here. */
const REGEX_FLAGS: Readonly<Record<string, string>> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', ucp: 'u' };

/** The body kept for a regex: Keepalived matches within its 4 KiB buffers; we keep a little more. */
const REGEX_KEEP = 64 * 1024;

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** The CRLFCRLF matcher: bytes matched so far, one more byte; on a miss only a CR restarts it. */
const crlfStep = (m: number, byte: number): number => (byte === CRLFCRLF[m] ? m + 1 : byte === 0x0d ? 1 : 0);

export function statusCode(head: string): number {
  const m = /^[^ \r]* (\d{3}) /.exec(head);
  return m ? Number(m[1]) : 0;
}

export function contentLength(head: string): number | undefined {
  const m = /Content-Length:\s*(\d+)\s*(?:\r|\n|$)/.exec(head);
  return m ? Number(m[1]) : undefined;
}

/**
 * The most header bytes read before giving up on their end. Keepalived looks for it within one
 * 4 KiB read buffer; a server that sends more without a blank line (or never ends its headers)
 * gets no verdict but "no data received", and no more of its bytes are kept.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

export class HttpResponseReader {
  /** The header bytes so far, as they arrived: joined once, when their end is found. */
  private headParts: Buffer[] = [];
  private headBytes = 0;
  /** How many bytes of CRLFCRLF the header bytes so far end with (0..3). */
  private matched = 0;
  private headerDone = false;
  private headerOverflow = false;
  private status = 0;
  private length: number | undefined;
  private bodyBytes = 0;
  private readonly md5: Hash = createHash('md5');
  private kept: Buffer[] = [];
  private keptBytes = 0;

  /** Feeds bytes as they arrive. */
  push(chunk: Buffer): void {
    if (this.headerOverflow) return;
    if (this.headerDone) {
      this.body(chunk);
      return;
    }
    const at = this.headerEnd(chunk);
    if (at === undefined) {
      this.headParts.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes > MAX_HEADER_BYTES) {
        this.headerOverflow = true;
        this.headParts = [];
        this.headBytes = 0;
      }
      return;
    }
    const end = this.headBytes + at;
    const head = Buffer.concat([...this.headParts, chunk]);
    this.headParts = [];
    this.headBytes = 0;
    const text = head.subarray(0, end).toString('latin1');
    this.status = statusCode(text);
    this.length = contentLength(text);
    this.headerDone = true;
    this.body(head.subarray(end + 4));
  }

  /**
   * Where in `chunk` the CRLFCRLF ending the headers starts (down to -3: in earlier reads), or
   * undefined. Each byte is looked at once however the answer is split, one byte a read included.
   */
  private headerEnd(chunk: Buffer): number | undefined {
    // The bytes that may complete a match begun in earlier reads, then indexOf for the rest.
    const through = chunk.length < 16 ? chunk.length : 3;
    let m = this.matched;
    for (let i = 0; i < through; i++) {
      m = crlfStep(m, chunk[i]!);
      if (m === 4) return i - 3;
    }
    if (through === chunk.length) {
      this.matched = m;
      return undefined;
    }
    const at = chunk.indexOf(CRLFCRLF);
    if (at >= 0) return at;
    m = 0;
    for (let i = chunk.length - 3; i < chunk.length; i++) m = crlfStep(m, chunk[i]!);
    this.matched = m;
    return undefined;
  }

  private body(b: Buffer): void {
    if (b.length === 0) return;
    const room = this.length === undefined ? b.length : Math.max(0, Math.min(b.length, this.length - this.bodyBytes));
    if (room > 0) this.md5.update(b.subarray(0, room));
    this.bodyBytes += b.length;
    if (this.keptBytes < REGEX_KEEP) {
      const take = b.subarray(0, REGEX_KEEP - this.keptBytes);
      this.kept.push(take);
      this.keptBytes += take.length;
    }
  }

  /** Bytes the reader keeps (the headers until their end, the body kept for a regex). */
  get heldBytes(): number {
    return this.headBytes + this.keptBytes;
  }

  /** The header block went past MAX_HEADER_BYTES: the answer failed, nothing more is read. */
  get headerTooLarge(): boolean {
    return this.headerOverflow;
  }

  /** Bytes held while the header block is incomplete (bounded by MAX_HEADER_BYTES + one chunk). */
  get pendingHeaderBytes(): number {
    return this.headBytes;
  }

  /** Whether a complete header block arrived (Keepalived: "no data received" otherwise). */
  get answered(): boolean {
    return this.headerDone;
  }

  /**
   * Whether Content-Length bytes are in, so the answer is complete without waiting for the close;
   * or the headers overflowed MAX_HEADER_BYTES, so no more of it would be read.
   */
  get complete(): boolean {
    if (this.headerOverflow) return true;
    return this.headerDone && this.length !== undefined && this.bodyBytes >= this.length;
  }

  digest(): string {
    return this.md5.copy().digest('hex');
  }

  /** The verdict for `url` once the answer has ended. */
  verdict(url: UrlExpect): { ok: boolean; reason: string; status: number; digest: string } {
    const digest = this.digest();
    const base = { status: this.status, digest };
    if (this.headerOverflow) return { ...base, ok: false, reason: `HTTP header over ${MAX_HEADER_BYTES} bytes from` };
    if (!this.headerDone) return { ...base, ok: false, reason: 'Read, no data received from' };
    const accepted = url.status_code.some(([lo, hi]) => this.status >= lo! && this.status <= hi!);
    if (!accepted) return { ...base, ok: false, reason: `HTTP status code error to (got ${this.status})` };
    let msg = 'HTTP status code';
    if (url.digest !== undefined) {
      if (url.digest.toLowerCase() !== digest) return { ...base, ok: false, reason: `MD5 digest error to (got ${digest})` };
      msg = 'MD5 digest';
    }
    if (url.regex !== undefined) {
      if (this.regexMatches(url) === url.regex_no_match) return { ...base, ok: false, reason: 'Regex match failed' };
      msg = 'Regex match';
    }
    return { ...base, ok: true, reason: `${msg} success` };
  }

  private regexMatches(url: UrlExpect): boolean {
    const flags = [...new Set(url.regex_options.map((o) => REGEX_FLAGS[o] ?? ''))].join('');
    let re: RegExp;
    try {
      re = new RegExp(url.regex!, flags);
    } catch {
      return false;
    }
    const body = Buffer.concat(this.kept).toString('latin1');
    // regex_min_offset / regex_max_offset bound where a match may start (pcre2 offset limits).
    const from = url.regex_min_offset ?? 0;
    const text = body.slice(from);
    const m = re.exec(text);
    if (!m) return false;
    return url.regex_max_offset === undefined || from + m.index <= url.regex_max_offset;
  }
}

/** The request Keepalived sends (check_http.c request_template). */
export function httpRequest(o: { path: string; protocol: '1.0' | '1.0C' | '1.1'; host: string; port: number; virtualhost?: string }): string {
  const host = o.virtualhost ?? (o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`);
  const close = o.protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${o.path} HTTP/1.${o.protocol === '1.1' ? 1 : 0}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}
