/**
 * `keepalived-ts genhash` (also `keepalived-ts --genhash`): Keepalived's genhash utility
 * (check/check_genhash.c). It fetches one url and prints the MD5 digest that an HTTP_GET /
 * SSL_GET `digest` line must hold, computed the same way the checker computes it, so
 * `digest $(keepalived-ts genhash -s ... -p ... -u ...)` keeps working.
 */
import { fetchUrl, type HttpCheckModel } from '../check/http.js';
import { tcpDialer } from '../os/dial.js';
import type { Out } from './config-command.js';

const USAGE = `Usage: keepalived-ts genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`;

const LONG: Readonly<Record<string, string>> = {
  help: 'h', verbose: 'v', 'use-ssl': 'S', 'use-sni': 'I', server: 's', 'use-virtualhost': 'V', port: 'p', url: 'u', fwmark: 'm', protocol: 'P', timeout: 't',
};
const WITH_ARG = new Set(['s', 'V', 'p', 'u', 'm', 'P', 't']);

interface GenhashOptions {
  ssl: boolean;
  sni: boolean;
  verbose: boolean;
  server?: string;
  port?: number;
  url?: string;
  vhost?: string;
  fwmark?: number;
  protocol: '1.0' | '1.0C' | '1.1';
  timeout: number;
}

/** Parses genhash's flags; a string is the error to print before the usage. */
export function parseGenhash(argv: readonly string[]): GenhashOptions | string | 'help' {
  const o: GenhashOptions = { ssl: false, sni: false, verbose: false, protocol: '1.0', timeout: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let flag: string | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const [name, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      flag = LONG[name];
      if (!flag) return `Unknown option ${a}`;
      value = v;
    } else if (/^-[A-Za-z]$/.test(a)) flag = a[1]!;
    else return `Unexpected argument(s): ${a}`;
    if (WITH_ARG.has(flag) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return `Missing parameter for option -${flag}`;
    }
    switch (flag) {
      case 'h': return 'help';
      case 'v': o.verbose = true; break;
      case 'S': o.ssl = true; break;
      case 'I': o.sni = true; break;
      case 's':
        if (!/^[\d.]+$|:/.test(value!)) return `server should be an IP, not ${value}`;
        o.server = value!;
        break;
      case 'V': o.vhost = value!; break;
      case 'p': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 65535) return `invalid port number '${value}'`;
        o.port = n;
        break;
      }
      case 'u': o.url = value!; break;
      case 'm': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) return `invalid fwmark '${value}'`;
        o.fwmark = n;
        break;
      }
      case 'P': {
        const p = value!.toLowerCase();
        if (p !== '1.0' && p !== '1.0c' && p !== '1.1') return `invalid HTTP protocol version '${value}'`;
        o.protocol = p === '1.0c' ? '1.0C' : p;
        break;
      }
      case 't': {
        const n = Number(value);
        if (!(n > 0)) return `invalid timeout '${value}'`;
        o.timeout = n;
        break;
      }
      default: return `Unknown option -${flag}`;
    }
  }
  return o;
}

export async function runGenhash(argv: readonly string[], out: Out): Promise<number> {
  const o = parseGenhash(argv);
  if (o === 'help' || typeof o === 'string' || o.server === undefined || o.port === undefined || o.url === undefined) {
    if (typeof o === 'string' && o !== 'help') out.stderr(`${o}\n`);
    out.stderr(USAGE);
    return 1;
  }
  const url = { pos: { file: '-', line: 0 }, path: o.url, status_code: [[100, 599]], regex_no_match: false, regex_options: [], tls_compliant: false, ...(o.vhost !== undefined ? { virtualhost: o.vhost } : {}) };
  const check = {
    checker: o.ssl ? 'SSL_GET' : 'HTTP_GET', pos: url.pos, alpha: false, retry: 0, delay_before_retry: 0, warmup: 0, delay_loop: 1, log_all_failures: false,
    connect_ip: o.server, connect_port: o.port, connect_timeout: o.timeout, ...(o.fwmark !== undefined ? { fwmark: o.fwmark } : {}),
    http_protocol: o.protocol, fast_recovery: false, enable_sni: o.sni, tls_compliant: false, url: [url], ...(o.vhost !== undefined ? { virtualhost: o.vhost } : {}),
  } as unknown as HttpCheckModel;
  const started = process.hrtime.bigint();
  const r = await fetchUrl(check, check.url[0]!, tcpDialer, undefined, new AbortController().signal);
  if (r.error !== undefined) {
    out.stdout(`${r.error} server [${o.server}]:${o.port}.\n`);
    return 1;
  }
  if (!r.reader.answered) {
    out.stderr('no data received from remote webserver\n');
    return 1;
  }
  out.stdout(`${r.reader.digest()}\n`);
  if (o.verbose) out.stdout(`\nGlobal response time for [${o.url}] = ${(process.hrtime.bigint() - started) / 1000n} usecs\n`);
  return 0;
}
