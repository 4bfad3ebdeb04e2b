/**
 * Running iproute2's `ip` and reading its JSON (`ip -j addr show`), shared by links.ts and
 * net-config.ts. `netns` runs `ip -n NS`, which enters the namespace inside `ip` itself: the
 * daemon leaves it unset; namespace tests set it instead of moving the test process.
 */
import { spawn } from 'node:child_process';
import type { LinkInfo } from './types.js';

export interface IpOptions {
  /** A named network namespace (`ip netns`) to work in; the current one when absent. */
  readonly netns?: string;
  /** The `ip` binary; `ip` from PATH when absent. */
  readonly ipPath?: string;
}

export interface IpResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function ipArgv(o: IpOptions, args: readonly string[]): [string, string[]] {
  return [o.ipPath ?? 'ip', [...(o.netns !== undefined ? ['-n', o.netns] : []), ...args]];
}

/** Runs `ip args...` with `input` on stdin; resolves with its exit code, rejects only if it cannot start. */
export function runIp(o: IpOptions, args: readonly string[], input?: string): Promise<IpResult> {
  const [cmd, argv] = ipArgv(o, args);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (b: Buffer) => out.push(b));
    p.stderr!.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (input !== undefined) p.stdin!.end(input);
  });
}

/** The parts of one `ip -j addr show` entry we read. */
interface AddrShowEntry {
  ifindex: number;
  ifname: string;
  flags?: string[];
  operstate?: string;
  address?: string;
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; scope?: string; secondary?: boolean }>;
}

/**
 * LinkInfo from `ip -j addr show` output. `up` is Keepalived's IFF_UP && IFF_RUNNING: iproute2
 * prints NO-CARRIER exactly when a link is UP but not RUNNING (operstate neither UP nor UNKNOWN).
 */
export function parseAddrShow(json: string): LinkInfo[] {
  const entries = (json.trim() === '' ? [] : JSON.parse(json)) as AddrShowEntry[];
  return entries.map((e) => {
    const flags = e.flags ?? [];
    const addrs = e.addr_info ?? [];
    const withLen = (a: { local?: string; prefixlen?: number }) => `${a.local}/${a.prefixlen}`;
    const v4 = addrs.filter((a) => a.family === 'inet' && a.local !== undefined);
    const v6 = addrs.filter((a) => a.family === 'inet6' && a.local !== undefined);
    // Stable partitions: primaries before secondaries, link-local before the rest.
    const ipv4 = [...v4.filter((a) => !a.secondary), ...v4.filter((a) => a.secondary)].map(withLen);
    const ipv6 = [...v6.filter((a) => a.scope === 'link'), ...v6.filter((a) => a.scope !== 'link')].map(withLen);
    return {
      name: e.ifname,
      index: e.ifindex,
      up: flags.includes('UP') && !flags.includes('NO-CARRIER'),
      mac: e.address ?? '',
      ipv4,
      ipv6,
    };
  });
}
