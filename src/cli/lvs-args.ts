/**
 * `keepalived-ts lvs` options, read as ipvsadm reads its listing options (popt): `-L`/`-l`/
 * `--list`, `-n`/`--numeric`, `-c`/`--connection`, `--stats`, `--rate`, `--exact`, and one
 * service by `-t`/`-u`/`--sctp-service ADDR[:PORT]` or `-f MARK`; short flags bundle (`-Lnc`,
 * `-Lnt 10.0.0.1:80`, `-t10.0.0.1:80`), long ones take `--opt VALUE` or `--opt=VALUE`. Ours beside
 * them: `--json`, `--checkers-pid FILE` (the daemon's `-c`/`--checkers_pid`: ipvsadm's `-c` is
 * the connection list, so the pid file has a long name only here) and `--state FILE`.
 * Addresses print numerically whether or not `-n` is given (nothing here resolves names).
 */

export type LvsLayout = 'plain' | 'stats' | 'rate';

export type ServiceSelector =
  | { readonly protocol: 'TCP' | 'UDP' | 'SCTP'; readonly address: string; readonly port: number }
  | { readonly fwmark: number };

export interface LvsOptions {
  readonly layout: LvsLayout;
  /** -c: the connection entries instead of the table. */
  readonly connections: boolean;
  readonly exact: boolean;
  readonly json: boolean;
  readonly service?: ServiceSelector;
  readonly checkersPid?: string;
  readonly state?: string;
}

export class LvsUsageError extends Error {}

export const LVS_USAGE = `Usage: keepalived-ts lvs [-L|-l|--list] [-n] [-c|--connection] [--stats | --rate] [--exact]
                        [-t|-u|--sctp-service ADDR:PORT | -f MARK] [--json]
                        [--checkers-pid FILE | --state FILE]
`;

/** `host[:port]`, `[v6]:port` or a bare IPv6 address, as ipvsadm's parse_service() takes them. */
export function parseServiceAddress(text: string): { address: string; port: number } {
  let address = text;
  let port = 0;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    address = v6[1]!;
    port = v6[2] !== undefined ? Number(v6[2]) : 0;
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.indexOf(':');
    address = text.slice(0, i);
    if (!/^\d+$/.test(text.slice(i + 1))) throw new LvsUsageError(`illegal port in service address ${text}`);
    port = Number(text.slice(i + 1));
  }
  if (port > 65535) throw new LvsUsageError(`illegal port in service address ${text}`);
  if (!/^[0-9.]+$/.test(address) && !/^[0-9A-Fa-f:.]+$/.test(address)) throw new LvsUsageError(`illegal virtual server address ${text}`);
  return { address, port };
}

type Flag = 'list' | 'numeric' | 'connection' | 'stats' | 'rate' | 'exact' | 'json';
type Valued = 'tcp' | 'udp' | 'sctp' | 'fwmark' | 'checkers-pid' | 'state';

const SHORT_FLAGS: Readonly<Record<string, Flag>> = { L: 'list', l: 'list', n: 'numeric', c: 'connection' };
const SHORT_VALUED: Readonly<Record<string, Valued>> = { t: 'tcp', u: 'udp', f: 'fwmark' };
const LONG_FLAGS: Readonly<Record<string, Flag>> = { list: 'list', numeric: 'numeric', connection: 'connection', stats: 'stats', rate: 'rate', exact: 'exact', json: 'json' };
const LONG_VALUED: Readonly<Record<string, Valued>> = {
  'tcp-service': 'tcp', 'udp-service': 'udp', 'sctp-service': 'sctp', 'fwmark-service': 'fwmark', 'checkers-pid': 'checkers-pid', state: 'state',
};

export function parseLvsArgs(argv: readonly string[]): LvsOptions {
  let layout: LvsLayout = 'plain';
  let connections = false;
  let exact = false;
  let json = false;
  let service: ServiceSelector | undefined;
  let checkersPid: string | undefined;
  let state: string | undefined;

  const flag = (f: Flag) => {
    if (f === 'stats' || f === 'rate') {
      if (layout !== 'plain' && layout !== f) throw new LvsUsageError('--stats and --rate exclude each other');
      layout = f;
    } else if (f === 'connection') connections = true;
    else if (f === 'exact') exact = true;
    else if (f === 'json') json = true;
    // -L and -n: listing is the one command here, and addresses are always numeric.
  };
  const valued = (v: Valued, value: string) => {
    if (v === 'checkers-pid') checkersPid = value;
    else if (v === 'state') state = value;
    else {
      if (service) throw new LvsUsageError('one service at a time (-t, -u, --sctp-service or -f)');
      if (v === 'fwmark') {
        if (!/^\d+$/.test(value) || Number(value) === 0) throw new LvsUsageError(`illegal virtual server fwmark ${value}`);
        service = { fwmark: Number(value) };
      } else service = { protocol: v === 'tcp' ? 'TCP' : v === 'udp' ? 'UDP' : 'SCTP', ...parseServiceAddress(value) };
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (name: string): string => {
      const v = argv[++i];
      if (v === undefined) throw new LvsUsageError(`${name} needs a value`);
      return v;
    };
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (LONG_FLAGS[name] && eq < 0) flag(LONG_FLAGS[name]);
      else if (LONG_VALUED[name]) valued(LONG_VALUED[name], eq < 0 ? next(a) : a.slice(eq + 1));
      else if (name === 'checkers_pid') throw new LvsUsageError(`${a}: the checkers pid file is --checkers-pid FILE here`);
      else throw new LvsUsageError(`unknown option ${a}`);
    } else if (a.startsWith('-') && a.length > 1) {
      // Bundled short flags; one that takes a value takes the rest of the word, or the next word.
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (SHORT_FLAGS[c]) flag(SHORT_FLAGS[c]);
        else if (SHORT_VALUED[c]) {
          const rest = a.slice(k + 1);
          valued(SHORT_VALUED[c], rest !== '' ? rest : next(`-${c}`));
          break;
        } else throw new LvsUsageError(`unknown option -${c}`);
      }
    } else if (a.includes('/') || a.endsWith('.pid')) {
      throw new LvsUsageError(`unexpected argument ${a}: -c lists connections as ipvsadm's does; the checkers pid file is --checkers-pid FILE`);
    } else throw new LvsUsageError(`unexpected argument ${a}`);
  }
  if (connections && layout !== 'plain') throw new LvsUsageError(`-c lists connections: --${layout} does not go with it`);
  return {
    layout, connections, exact, json,
    ...(service ? { service } : {}), ...(checkersPid !== undefined ? { checkersPid } : {}), ...(state !== undefined ? { state } : {}),
  };
}
