/**
 * The checker child process (Keepalived's "Healthcheck child"): it runs the health checkers and
 * keeps the virtual servers' pools, in a process of its own so that a burst of checks never
 * delays a VRRP advert. Started by parent.ts with the command-line options as JSON. SIGHUP
 * reloads (a bad new configuration keeps the running one), SIGTERM stops, SIGUSR1 writes
 * keepalived_check.data.
 */
import * as os from 'node:os';
import type { Options } from '../base/options.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { loadConfig, loadOptionsOf, type LoadResult } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { formatRs, formatVs } from '../config/sections/lvs-format.js';
import { checkerDriver } from '../check/index.js';
import { tcpDialer } from '../os/dial.js';
import { openIcmpSocket } from '../os/icmp-socket.js';
import { onSignalNumber, SIG_JSON, SIG_STATS_CLEAR } from '../os/rt-signals.js';
import { daemonLogger } from './logger.js';
import { coarseClock, reportingLateness } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { openCheckNotifier, type CheckNotifier } from './check/notify.js';
import { CheckRuntime } from './check/runtime.js';
import { PoolPublisher } from './check/publisher.js';
import { NftDataPlane } from '../lb/dataplane/nft.js';
import { tableNames } from '../lb/dataplane/nft-rules.js';
import { ProxyDataPlane } from '../lb/dataplane/proxy.js';
import { ProxyWorkers, udpLimits } from '../lb/dataplane/proxy-workers.js';
import type { DataPlane } from '../lb/dataplane/types.js';
import { runNft } from '../os/nft.js';
import { resolveDrPaths } from '../os/neighbours.js';
import { boundedConnectionCounts, connectionCounts, forgetUdpFlows } from '../os/conntrack.js';
import { lvsStatePath } from './pidfile.js';
import { trackFileWatcher } from './check/file-watch.js';
import { realSpawner } from '../base/spawn.js';
import { scriptIdentity, systemUserDb } from './track/users.js';
import { formatCheckData } from './check/dump.js';
import { answerParent, tellParent } from './child-link.js';
import { CheckResults, lvsPart, withConnections } from './status/check-status.js';
import { StatusConnections } from './status/conn-counts.js';
import { dataPlaneOf, substitutionNotes } from '../lb/scheduler-in-force.js';
import { checkDumpPath, writeCheckDump } from './dump/writer.js';
import { installLastResort } from './last-resort.js';
import { secureCheckScripts } from './track/secure-scripts.js';
import { SECURITY_VIOLATION } from './track/script-security.js';
import { startProcessSched } from './process-sched.js';
import { dropStartupPagesSoon } from '../os/startup-pages.js';
import { parseBgpTable } from '../lb/announce.js';
import { kernelBgpRoutes } from '../os/bgp-routes.js';
import { announcementOf, BgpAnnouncer } from './check/bgp-announcer.js';

interface Running {
  config: KeepalivedConfig;
  errors: Set<string>;
  runtime: CheckRuntime;
  notifier: CheckNotifier;
}

/** The file read, with its scripts checked as Keepalived does once it has read it (enable_script_security). */
function load(opts: Options, log: Logger): LoadResult {
  const loaded = loadConfig(opts.useFile, loadOptionsOf(opts));
  const secured = secureCheckScripts(loaded.config, { log });
  if (secured.insecure) log.error(SECURITY_VIOLATION);
  return { ...loaded, config: secured.config };
}

function errorMessages(diags: readonly Diagnostic[]): Set<string> {
  return new Set(diags.filter((d) => d.severity === 'error').map((d) => d.message));
}

/**
 * The data plane the pools go to: nftables (default); the userspace proxy with
 * KEEPALIVED_TS_DATAPLANE=proxy (KEEPALIVED_TS_PROXY_PROTOCOL=v1|v2 to pass client addresses on);
 * none with KEEPALIVED_TS_DATAPLANE=none (checks and notifications only).
 */
function openDataPlane(log: Logger, statePath: string, instance: string | undefined): DataPlane | undefined {
  const kind = process.env['KEEPALIVED_TS_DATAPLANE'];
  if (kind === 'none') return undefined;
  if (kind === 'proxy') {
    const pp = process.env['KEEPALIVED_TS_PROXY_PROTOCOL'];
    const proxyProtocol: { proxyProtocol?: 'v1' | 'v2' } = pp === 'v1' || pp === 'v2' ? { proxyProtocol: pp } : {};
    // One worker per core by default (KEEPALIVED_TS_PROXY_WORKERS=1: the single-threaded proxy).
    const workers = Number(process.env['KEEPALIVED_TS_PROXY_WORKERS'] ?? 0) || undefined;
    // KEEPALIVED_TS_PROXY_ENGINE=streams: Node's sockets and pipes instead of the relay loops.
    const engine = process.env['KEEPALIVED_TS_PROXY_ENGINE'] === 'streams' ? 'streams' : 'relay';
    if (workers === 1 && engine === 'streams') return new ProxyDataPlane({ log, ...proxyProtocol, ...udpLimits(process.env) });
    return new ProxyWorkers(log, { ...(workers ? { workers } : {}), ...proxyProtocol, engine, statePath });
  }
  // KEEPALIVED_TS_DR_DRAIN: seconds a DR service keeps old connections on their servers after a change.
  const drain = process.env['KEEPALIVED_TS_DR_DRAIN'];
  const drainS = drain !== undefined && /^\d+$/.test(drain) ? { drainS: Number(drain) } : {};
  // KEEPALIVED_TS_NAT_SNAT=1: one-armed NAT, the real servers see the director as the client.
  const snat = process.env['KEEPALIVED_TS_NAT_SNAT'] === '1';
  return new NftDataPlane({ log, run: (s) => runNft(s), resolve: (ips) => resolveDrPaths(ips), statePath, counts: connectionCounts, forgetUdp: (f) => forgetUdpFlows(f), names: tableNames(instance), snat, ...drainS });
}

/** --bgp-table (or KEEPALIVED_TS_BGP_TABLE): the announcer, or none (a bad number is logged). */
function openAnnouncer(opts: Options, log: Logger): BgpAnnouncer | undefined {
  const table = parseBgpTable(opts.bgpTable ?? process.env['KEEPALIVED_TS_BGP_TABLE']);
  if (table instanceof Error) {
    log.error(`${table.message} - no BGP announcements`);
    return undefined;
  }
  if (table === undefined) return undefined;
  log.info(`BGP: the addresses of virtual servers with quorum go to routing table ${table}`);
  return new BgpAnnouncer(kernelBgpRoutes(table), table, log);
}

/** The checker process's scheduling, once set (main()): reloads and its timers' lateness go to it. */
let checkerSched: ReturnType<typeof startProcessSched> | undefined;
/** Keepalived's scheduler checks each wake-up for an overdue timer (max_auto_priority). */
const checkClock = reportingLateness(coarseClock, (lateUs) => checkerSched?.timerLate(lateUs));

function startRuntime(config: KeepalivedConfig, log: Logger, publisher: PoolPublisher | undefined, results: CheckResults, previous?: CheckRuntime, changed: () => void = () => undefined): Pick<Running, 'runtime' | 'notifier'> {
  const notifier = openCheckNotifier(config, { log });
  const users = systemUserDb();
  const self = { uid: os.userInfo().uid, gid: os.userInfo().gid };
  const scripts = { spawner: realSpawner, identity: (s: { readonly user?: string; readonly group?: string }) => scriptIdentity(users, s, config.global_defs.script_user, self) };
  const runtime = new CheckRuntime(config, {
    clock: checkClock,
    log,
    random: Math.random,
    initNotifies: config.global_defs.rs_init_notifies,
    driverFor: (c) => checkerDriver(c, { config, dial: tcpDialer, scripts, icmp: { open: openIcmpSocket }, watchFile: trackFileWatcher(log, previous !== undefined) }),
    events: {
      realServer: (vs, i, up) => notifier.realServer(vs, i, up),
      quorum: (vs, up, d) => {
        notifier.quorum(vs, up, d);
        changed();
      },
      checker: (vs, i, c, up, reason) => {
        notifier.checker?.(vs, i, c, up, reason);
        tellParent({ kind: 'event', event: { at: new Date().toISOString(), type: 'checker', vs: formatVs(vs), rs: formatRs(vs.real_server[i]!, vs), up, reason } });
      },
      attempt: (v, i, c, ok, latencyUs, reason) => results.record(v, i, c.checker, ok, latencyUs, reason),
      pool: (v, vs, entries) => {
        log.detail(`Pool of VS ${formatVs(vs)}: ${entries.map((e) => `${e.ip}:${e.port} weight ${e.weight}`).join(', ') || 'empty'}`);
        publisher?.set(v, vs, entries, vs.group !== undefined ? config.virtual_server_group.find((g) => g.name === vs.group) : undefined);
        changed();
        tellParent({ kind: 'event', event: { at: new Date().toISOString(), type: 'pool', vs: formatVs(vs), servers: entries.map((e) => ({ rs: `[${e.ip}]:${e.port}`, weight: e.weight })) } });
      },
    },
  }, previous);
  runtime.start();
  return { runtime, notifier };
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Options & { childPidFile: string };
  // Keepalived's checker process logs as Keepalived_healthcheckers.
  const log = daemonLogger('Keepalived_healthcheckers', opts);
  installLastResort(log, 'Healthcheck child');
  const first = load(opts, log);
  writePidFile(opts.childPidFile);
  log.info('Initializing ipvs');
  const plane = openDataPlane(log, lvsStatePath(opts.childPidFile), first.config.instance);
  let publisher = plane ? new PoolPublisher(plane, log) : undefined;
  const results = new CheckResults();
  const planeKind = dataPlaneOf(process.env);
  // What is configured is what runs, or the log says so at the line.
  for (const d of substitutionNotes(first.config, planeKind)) log.warn(formatDiagnostic(d));
  // --bgp-table: pool and quorum changes (and VRRP states from the parent) recompute the
  // announcement once per tick, after `cur` holds the runtime that reported them.
  const announcer = openAnnouncer(opts, log);
  let vrrpStates: Readonly<Record<string, string>> = {};
  let stopping = false;
  let announceQueued = false;
  const announce = () => {
    if (!announcer || announceQueued) return;
    announceQueued = true;
    setImmediate(() => {
      announceQueued = false;
      // After the data plane has the pools: an address announced before its forwarding is in
      // place would attract flows the director drops (a pool regaining quorum rebuilds its table).
      void (publisher?.flush() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => announcer.set(announcementOf(cur.config, (v) => cur.runtime.quorumUp(v), vrrpStates, stopping)));
    });
  };
  let cur: Running = { config: first.config, errors: errorMessages(first.diagnostics), ...startRuntime(first.config, log, publisher, results, undefined, announce) };
  announce();

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Withdrawn before the data plane goes: the routers move the flows while this node still forwards them.
    await announcer?.set([]);
    cur.runtime.shutdown();
    await cur.notifier.close();
    // --dont-release-ipvs keeps the forwarding in place, as Keepalived keeps its IPVS table.
    await publisher?.close(opts.dontReleaseIpvs).catch((e: Error) => log.error(`data plane: ${e.message}`));
    removePidFile(opts.childPidFile);
    log.info(`Healthcheck child stopped (checks: ${cur.runtime.lag.attempts} started, worst ${Math.round(cur.runtime.lag.maxLateUs / 1000)} ms late)`);
    process.exit(0);
  };
  // Scheduling as Keepalived's reload_check_thread(): standard scheduling while the file is read,
  // then the new settings (or the running ones again when the file is refused).
  const reload = async () => {
    checkerSched?.reloading();
    try {
      await reloadConfig();
    } finally {
      checkerSched?.reloaded(cur.config.global_defs);
    }
  };
  const reloadConfig = async () => {
    log.info('Reloading');
    let next: LoadResult;
    try {
      next = load(opts, log);
    } catch (e) {
      log.error(`reload failed, keeping the running configuration: ${(e as Error).message}`);
      tellParent({ kind: 'reload-refused', reason: (e as Error).message });
      return;
    }
    for (const d of next.diagnostics) log.warn(formatDiagnostic(d));
    const errors = errorMessages(next.diagnostics);
    const added = [...errors].filter((m) => !cur.errors.has(m));
    if (added.length > 0) {
      log.error(`reload refused, keeping the running configuration: ${added.length} new configuration error(s): ${added[0]}`);
      tellParent({ kind: 'reload-refused', reason: added[0]! });
      return;
    }
    cur.runtime.stop();
    await cur.notifier.close();
    // A fresh picture: virtual servers that are gone must not linger in the data plane.
    const nextPublisher = plane ? new PoolPublisher(plane, log) : undefined;
    cur = { config: next.config, errors, ...startRuntime(next.config, log, nextPublisher, results, cur.runtime, announce) };
    announce();
    publisher = nextPublisher;
    await settled(publisher);
    log.info('Reload finished');
    tellParent({ kind: 'reloaded' });
    dropStartupPagesSoon();
  };
  const dump = () => {
    writeCheckDump(formatCheckData(cur.config, cur.runtime)).catch((e: Error) => log.error(`Unable to write ${checkDumpPath()}: ${e.message}`));
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void reload());
  process.on('SIGUSR1', dump);
  // The parent forwards every dump signal to every child; the VRRP ones are not ours, but must not kill us.
  process.on('SIGUSR2', () => undefined);
  for (const n of [SIG_JSON, SIG_STATS_CLEAR]) onSignalNumber(n, () => undefined);
  process.on('disconnect', () => void stop());
  const conns = new StatusConnections(boundedConnectionCounts);
  answerParent(async () => {
    // conntrack lists in its own process while this one builds the part: the answer waits for
    // the longer of the two, not their sum (the parent gives the children 1 s).
    const reading = conns.counts(cur.config, planeKind);
    const part = lvsPart({ config: cur.config, runtime: cur.runtime, results, plane: planeKind });
    const counts = await reading;
    return { lvs: counts ? withConnections(part, counts) : part };
  }, (states) => {
    vrrpStates = states;
    announce();
  });
  // The first table is in the kernel: the parent may tell systemd READY=1.
  await settled(publisher);
  // checker_priority, checker_rt_priority, checker_rlimit_rttime, checker_cpu_affinity, once
  // start-up's work is done (Keepalived: at the end of start_check()).
  checkerSched = startProcessSched('checker', cur.config.global_defs, log);
  tellParent({ kind: 'ready' });
  dropStartupPagesSoon();
}

/** After the checkers' first burst of pool events (set in start()), once the data plane has them. */
async function settled(publisher: PoolPublisher | undefined): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await publisher?.flush();
}

main().catch((e: Error) => {
  process.stderr.write(`Healthcheck child: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
