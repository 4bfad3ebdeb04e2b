/**
 * Addresses, routes and rules applied with iproute2: every NetConfig call is one `ip -force
 * -batch -` run (two for rules of both families), so a state change costs one process however
 * many VIPs it moves. `-force` goes on past a failed line; iproute2 then names each failed line
 * on stderr ("Command failed -:N") after its message, which is how failures are told apart.
 *
 * Benign failures, as in Keepalived: adding what is already there (EEXIST: "File exists",
 * "Address already assigned"), and removing what is already gone (Keepalived ignores
 * ESRCH/EADDRNOTAVAIL/ENOENT/ENODEV on delete: "No such process", "Cannot assign requested
 * address" / "Address not found", "No such file or directory", "Cannot find device"). The kernel
 * words some of these as extended-ACK messages instead of strerror(), hence both spellings.
 * Everything else rejects with a NetConfigError listing the failed lines, after the rest of the
 * batch has been applied (see runBatch() for a line iproute2 cannot even parse).
 */
import type { Family, NetConfig } from './types.js';
import { parseAddrShow, runIp, type IpOptions } from './ip-command.js';
import { addressArgs, batchLine, routeArgs, ruleArgs, type Op } from './iproute2-syntax.js';

export interface BatchFailure {
  /** 1-based line of the batch. */
  readonly line: number;
  /** The iproute2 command as sent. */
  readonly command: string;
  /** What `ip` said about it. */
  readonly message: string;
}

export class NetConfigError extends Error {
  readonly code = 'ERR_NETCONFIG';
  constructor(readonly failures: readonly BatchFailure[]) {
    super(failures.map((f) => `'ip ${f.command}' failed: ${f.message}`).join('; '));
    this.name = 'NetConfigError';
  }
}

const BENIGN_ADD = /File exists|already assigned|already exists/i;
const BENIGN_DEL = /No such process|Cannot assign requested address|address not found|No such file or directory|Cannot find device/i;

/**
 * What `ip -force -batch` reported on stderr: the message before each "Command failed -:N", and
 * any text after the last of those (`ip` stopped on a line without naming it).
 */
export function parseBatchErrors(stderr: string, commands: readonly string[]): { failures: BatchFailure[]; trailing: string } {
  const out: BatchFailure[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const l = raw.trim();
    if (l === '') continue;
    const m = /^Command failed (?:-|\S+):(\d+)$/.exec(l);
    if (!m) {
      pending.push(l);
      continue;
    }
    const line = Number(m[1]);
    out.push({ line, command: commands[line - 1] ?? '?', message: pending.join(' ') || 'failed' });
    pending = [];
  }
  return { failures: out, trailing: pending.join(' ') };
}

/** Runs one batch; rejects with the failures that are not benign for `op`. */
async function runBatch(o: IpOptions, lines: readonly string[][], op: Op, family?: Family): Promise<void> {
  if (lines.length === 0) return;
  const commands = lines.map(batchLine);
  const pre = family === undefined ? [] : [family === 'inet6' ? '-6' : '-4'];
  const res = await runIp(o, [...pre, '-force', '-batch', '-'], commands.join('\n') + '\n');
  if (res.code === 0) return;
  // With -force, iproute2 goes on after a line the kernel refused and names it. A line it cannot
  // parse ends `ip` at once, -force or not, leaving its message without a "Command failed" after
  // it (or an exit status other than 1), and the lines after it never ran. Then each line is run
  // on its own: one that did apply fails again as benign ("already there" / "already gone").
  const parsed = parseBatchErrors(res.stderr, commands);
  const stopped = res.code !== 1 || parsed.trailing !== '';
  const failures = stopped ? await oneByOne(o, pre, commands) : parsed.failures;
  // Exit status without a line to blame: iproute2 itself failed (bad option, namespace missing).
  if (failures.length === 0) {
    throw new NetConfigError([{ line: 0, command: commands.join(' ; '), message: res.stderr.trim() || `exit ${res.code}` }]);
  }
  const benign = op === 'add' ? BENIGN_ADD : BENIGN_DEL;
  const real = failures.filter((f) => !benign.test(f.message));
  if (real.length > 0) throw new NetConfigError(real);
}

async function oneByOne(o: IpOptions, pre: readonly string[], commands: readonly string[]): Promise<BatchFailure[]> {
  const out: BatchFailure[] = [];
  for (const [i, command] of commands.entries()) {
    const res = await runIp(o, [...pre, '-force', '-batch', '-'], command + '\n');
    if (res.code === 0) continue;
    const message = parseBatchErrors(res.stderr, [command]).failures[0]?.message ?? (res.stderr.trim() || `exit ${res.code}`);
    out.push({ line: i + 1, command, message });
  }
  return out;
}

export function linuxNetConfig(o: IpOptions = {}): NetConfig {
  return {
    addAddresses: (addrs, defaultDev) => runBatch(o, addrs.map((a) => addressArgs(a, defaultDev, 'add')), 'add'),
    removeAddresses: (addrs, defaultDev) => runBatch(o, addrs.map((a) => addressArgs(a, defaultDev, 'del')), 'del'),
    // Routes take no default interface (see iproute2-syntax.ts routeArgs()).
    addRoutes: (routes) => runBatch(o, routes.map((r) => routeArgs(r, 'add')), 'add'),
    removeRoutes: (routes) => runBatch(o, routes.map((r) => routeArgs(r, 'del')), 'del'),
    // `ip rule` takes its family from -4/-6 only (a batch line cannot say it), so one run per family.
    addRules: (rules) => byFamily(rules, (fam, rs) => runBatch(o, rs.map((r) => ruleArgs(r, 'add')), 'add', fam)),
    removeRules: (rules) => byFamily(rules, (fam, rs) => runBatch(o, rs.map((r) => ruleArgs(r, 'del')), 'del', fam)),
    addressesOf: async (ifname) => {
      const res = await runIp(o, ['-j', 'addr', 'show', 'dev', ifname]);
      // A link that is gone holds no addresses.
      if (res.code !== 0) {
        if (/does not exist|Cannot find device/i.test(res.stderr)) return [];
        throw new NetConfigError([{ line: 0, command: `-j addr show dev ${ifname}`, message: res.stderr.trim() }]);
      }
      const link = parseAddrShow(res.stdout)[0];
      return link ? [...link.ipv4, ...link.ipv6] : [];
    },
  };
}

/** Both families in parallel; all failures reported together. */
async function byFamily<T extends { readonly family: Family }>(items: readonly T[], run: (f: Family, items: T[]) => Promise<void>): Promise<void> {
  const fams: Family[] = ['inet', 'inet6'];
  const results = await Promise.allSettled(fams.map((f) => run(f, items.filter((i) => i.family === f))));
  const failures = results.flatMap((r) =>
    r.status === 'fulfilled' ? [] : r.reason instanceof NetConfigError ? r.reason.failures : [{ line: 0, command: '?', message: String(r.reason) }],
  );
  if (failures.length > 0) throw new NetConfigError(failures);
}
