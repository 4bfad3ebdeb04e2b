/**
 * `keepalived-ts lvs`: the forwarding table as `ipvsadm -L -n` shows it, with ipvsadm's listing
 * options (lvs-args.ts: -c connection entries, --stats, --rate, --exact, one service by -t/-u/-f)
 * and --json. What runs now, not what once ran: the checker process named by its pid file must be
 * alive and its nftables tables present, else it says so on stderr and exits 1 (a daemon killed
 * with SIGKILL leaves its state file in /run; that is no table). NAT services are listed when
 * their chain is in the kernel's table; servers and weights are those the checker process last
 * installed (its state file); the counts come from the host (lvs-kernel.ts).
 *
 * The text is ipvsadm's, byte for byte; where this data plane runs another scheduler than the one
 * configured (scheduler-in-force.ts), one note line per such service follows the table, starting
 * with `#`, and --json carries `schedulerInForce` for every service.
 */
import * as fs from 'node:fs';
import { canonicalAddress } from '../base/addr.js';
import { DEFAULT_CHECKERS_PID_FILE, lvsStatePath, runningPid } from '../daemon/pidfile.js';
import type { LvsState } from '../lb/dataplane/nft.js';
import { formatConnections, formatIpvsadm, serviceLabel, sortLikeIpvsadm, type ConnectionView } from '../lb/ipvsadm-format.js';
import { schedulerNote } from '../lb/scheduler-in-force.js';
import { conntrackEntries, type ConntrackEntry } from '../os/conntrack.js';
import type { Out } from './config-command.js';
import { LVS_USAGE, LvsUsageError, parseLvsArgs, type LvsOptions, type ServiceSelector } from './lvs-args.js';
import { drTableName, natTableName, planeOf, readNatTable, sample, tableExists, views, type Sample, type StateService } from './lvs-kernel.js';

const PREFIX = 'keepalived-ts lvs: ';

/** One text per address (the configuration may spell an IPv6 address otherwise than conntrack does). */
function canon(a: string | undefined): string | undefined {
  return a === undefined ? undefined : canonicalAddress(a);
}

function selected(svc: StateService, sel: ServiceSelector | undefined): boolean {
  if (!sel) return true;
  if ('fwmark' in sel) return svc.fwmark === sel.fwmark;
  return svc.fwmark === undefined && svc.protocol === sel.protocol && canon(svc.ip) === canon(sel.address) && svc.port === sel.port;
}

/** IPVS's names for the connection states conntrack reports. */
function ipvsState(e: ConntrackEntry): string {
  if (e.protocol === 'udp') return 'UDP';
  if (e.state === 'SYN_SENT2') return 'SYN_SENT';
  return e.state ?? 'NONE';
}

/** The conntrack entries of the NAT services among `services`, as ipvsadm -c lines. */
export function connectionRows(entries: readonly ConntrackEntry[], services: readonly StateService[]): ConnectionView[] {
  const nat = services.filter((s) => s.method === 'NAT');
  const rows: ConnectionView[] = [];
  for (const e of entries) {
    const proto = e.protocol.toUpperCase();
    const ours = nat.some((s) =>
      s.ip !== undefined && s.fwmark === undefined
        ? canon(s.ip) === canon(e.vip) && s.port === e.vport && s.protocol === proto
        : s.dests.some((d) => canon(d.ip) === canon(e.server) && (d.port === e.serverPort || d.port === 0)),
    );
    if (!ours) continue;
    rows.push({
      protocol: proto, expires: e.expires, state: ipvsState(e),
      source: { address: e.client, port: e.clientPort }, virtual: { address: e.vip, port: e.vport }, destination: { address: e.server, port: e.serverPort },
    });
  }
  return rows;
}

/** The state of a live checker process whose tables are in the kernel, or the reason there is none. */
async function liveState(o: LvsOptions): Promise<{ state: LvsState; statePath: string; services: StateService[] } | string> {
  const pidFile = o.checkersPid ?? DEFAULT_CHECKERS_PID_FILE;
  const pid = runningPid(pidFile);
  if (pid === undefined) return `no keepalived-ts checker process is running (pid file ${pidFile})`;
  const statePath = o.state ?? lvsStatePath(pidFile);
  let state: LvsState;
  try {
    state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LvsState;
  } catch {
    return `the checker process (pid ${pid}) has installed no forwarding table (${statePath} not found)`;
  }
  if (planeOf(state) === 'proxy') return { state, statePath, services: [...state.services] };
  let services = [...state.services];
  if (services.some((s) => s.method === 'NAT')) {
    const nat = await readNatTable(natTableName(state));
    if (!nat) return `the checker process (pid ${pid}) is running, but the nftables table inet ${natTableName(state)} is missing`;
    services = services.filter((s) => s.method !== 'NAT' || nat.chains.has(s.index));
  }
  if (services.some((s) => s.method === 'DR') && !(await tableExists('netdev', drTableName(state)))) {
    return `the checker process (pid ${pid}) is running, but the nftables table netdev ${drTableName(state)} is missing`;
  }
  return { state, statePath, services };
}

export async function runLvs(argv: readonly string[], out: Out): Promise<number> {
  let o: LvsOptions;
  try {
    o = parseLvsArgs(argv);
  } catch (e) {
    if (!(e instanceof LvsUsageError)) throw e;
    out.stderr(`${PREFIX}${e.message}\n${LVS_USAGE}`);
    return 2;
  }
  const live = await liveState(o);
  if (typeof live === 'string') {
    out.stderr(`${PREFIX}${live}\n`);
    return 1;
  }
  const { state, statePath } = live;
  const services = live.services.filter((s) => selected(s, o.service));
  if (o.service && services.length === 0) {
    // ipvsadm: ipvs_get_service() fails with ESRCH.
    out.stderr('No such service\n');
    return 1;
  }

  if (o.connections) {
    const rows = planeOf(state) === 'nft' ? connectionRows(await conntrackEntries(), services) : [];
    out.stdout(o.json ? JSON.stringify({ connections: rows }, null, 2) + '\n' : formatConnections(rows));
    return 0;
  }

  let first: Sample = await sample(state, statePath);
  let prev: Sample | undefined;
  if (o.layout === 'rate') {
    prev = first;
    await new Promise((r) => setTimeout(r, 1000));
    first = await sample(state, statePath);
  }
  const v = sortLikeIpvsadm(views(services, planeOf(state), first, prev));
  if (o.json) {
    out.stdout(JSON.stringify({ services: v }, null, 2) + '\n');
    return 0;
  }
  const notes = v.flatMap((s) => schedulerNote(s.method, serviceLabel(s), s.scheduler, s.schedulerInForce) ?? []);
  out.stdout(formatIpvsadm(v, o.layout, { exact: o.exact, header: o.service === undefined }) + notes.map((n) => n + '\n').join(''));
  return 0;
}
