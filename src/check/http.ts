/**
 * HTTP_GET and SSL_GET (Keepalived check_http.c, check_ssl.c): each url in turn is fetched and
 * judged by status code, MD5 digest and regex (http-response.ts). connect_timeout is one deadline
 * for the whole fetch of a url (connect, TLS handshake, request, answer), as Keepalived's checker
 * timer bounds an attempt: a server that trickles a byte at a time cannot hold a check open past
 * it, and a header block over MAX_HEADER_BYTES fails at once. SSL_GET speaks TLS with SNI (sni_name, else the
 * virtualhost) and, like Keepalived, does not verify the server's certificate; the global `ssl`
 * section's certificate and key are offered to servers that ask for one.
 *
 * One attempt checks every url; Keepalived spreads a multi-url check over several delay_loops,
 * one url each, which changes when a failure is seen but not whether.
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import type { KeepalivedConfig } from '../config/model.js';
import { HttpResponseReader, MAX_HEADER_BYTES, httpRequest } from './http-response.js';
import { dialOptions, serviceName } from './tcp.js';
import type { Dialer, Probe, ProbeResult, Stream } from './types.js';

type Vs = KeepalivedConfig['virtual_server'][number];
export type HttpCheckModel = Extract<Vs['real_server'][number]['checkers'][number], { checker: 'HTTP_GET' | 'SSL_GET' }>;
type Url = HttpCheckModel['url'][number];
type Ssl = KeepalivedConfig['SSL'];

export interface FetchResult {
  readonly reader: HttpResponseReader;
  /** Set when the exchange itself failed (connect, TLS, timeout, reset). */
  readonly error?: string;
}

function tlsOptions(c: HttpCheckModel, url: Url, ssl: Ssl): tls.ConnectionOptions {
  const name = c.sni_name ?? url.virtualhost ?? c.virtualhost;
  const opts: tls.ConnectionOptions = { rejectUnauthorized: false };
  if (c.enable_sni && name !== undefined && !/^[\d.]+$|:/.test(name)) opts.servername = name;
  // Node sends SNI by default when given a host name; without enable_sni, Keepalived sends none.
  if (!opts.servername) opts.servername = '';
  if (ssl?.certificate) opts.cert = fs.readFileSync(ssl.certificate);
  if (ssl?.key) opts.key = fs.readFileSync(ssl.key);
  if (ssl?.password) opts.passphrase = ssl.password;
  return opts;
}

/** Reads until the server closes (or sends Content-Length bytes), by `deadline` (performance.now() ms) at the latest. */
function readAnswer(s: Stream, reader: HttpResponseReader, deadline: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      resolve(error);
    };
    // One timer for the whole answer: data arriving does not push it back.
    const timer = setTimeout(() => finish('Timeout HTTP read'), Math.max(0, deadline - performance.now()));
    const onAbort = () => finish('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    s.on('data', (chunk) => {
      if (done) return;
      reader.push(chunk);
      if (reader.headerTooLarge) finish(`HTTP header over ${MAX_HEADER_BYTES} bytes from`);
      else if (reader.complete) finish();
    });
    s.on('end', () => finish());
    s.on('close', () => finish());
    s.on('error', (e) => finish(reader.answered ? undefined : `Read error with (${e.message})`));
  });
}

/** One GET of `url` (also what `keepalived-ts genhash` runs). */
export async function fetchUrl(c: HttpCheckModel, url: Url, dial: Dialer, ssl: Ssl, signal: AbortSignal): Promise<FetchResult> {
  const reader = new HttpResponseReader();
  const timeoutMs = Math.max(1, Math.round(c.connect_timeout * 1000));
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.max(1, Math.round(deadline - performance.now()));
  let s: Stream;
  try {
    s = await dial(dialOptions(c, signal));
  } catch (e) {
    const why = (e as Error).message;
    return { reader, error: why === 'timeout' ? 'Timeout connecting' : `Error connecting (${why})` };
  }
  if (c.checker === 'SSL_GET') {
    try {
      s = await handshake(s as unknown as import('node:net').Socket, tlsOptions(c, url, ssl), left(), signal);
    } catch (e) {
      return { reader, error: `SSL handshake failed with (${(e as Error).message})` };
    }
  }
  const host = { path: url.path, protocol: c.http_protocol, host: c.connect_ip, port: c.connect_port, ...(url.virtualhost !== undefined ? { virtualhost: url.virtualhost } : {}) };
  s.write(httpRequest(host));
  const error = await readAnswer(s, reader, deadline, signal);
  return error !== undefined ? { reader, error } : { reader };
}

function handshake(socket: import('node:net').Socket, opts: tls.ConnectionOptions, timeoutMs: number, signal: AbortSignal): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ ...opts, socket });
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    const onAbort = () => fail(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    function fail(e: Error) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      t.destroy();
      socket.destroy();
      reject(e);
    }
    t.once('error', fail);
    t.once('secureConnect', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      t.removeListener('error', fail);
      t.on('error', () => undefined);
      resolve(t);
    });
  });
}

export function httpProbe(c: HttpCheckModel, dial: Dialer, ssl?: Ssl): Probe {
  const kind = c.checker === 'SSL_GET' ? 'SSL' : 'HTTP';
  return {
    async run(signal): Promise<ProbeResult> {
      for (const url of c.url) {
        const r = await fetchUrl(c, url, dial, ssl, signal);
        const where = `${serviceName(c)} url(${url.path})`;
        if (r.error !== undefined) return { ok: false, reason: `${r.error} ${kind} server ${where}` };
        const v = r.reader.verdict(url);
        if (!v.ok) return { ok: false, reason: `${v.reason} ${where}` };
      }
      return { ok: true, reason: `Remote Web server ${serviceName(c)} succeed on service.` };
    },
  };
}
