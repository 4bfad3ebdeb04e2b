/**
 * The checker child process (Keepalived's "Healthcheck child"): it runs the health checkers and
 * keeps the virtual servers' pools, in a process of its own so that a burst of checks never
 * delays a VRRP advert. Started by parent.ts with the command-line options as JSON. SIGHUP
 * reloads (a bad new configuration keeps the running one), SIGTERM stops, SIGUSR1 writes
 * keepalived_check.data.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Options } from '../base/options.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { loadConfig, type LoadResult } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { formatVs } from '../config/sections/lvs-format.js';
import { checkerDriver } from '../check/index.js';
import { tcpDialer } from '../os/dial.js';
import { openIcmpSocket } from '../os/icmp-socket.js';
import { onSignalNumber, SIG_JSON, SIG_STATS_CLEAR } from '../os/rt-signals.js';
import { syslogLogger } from '../os/syslog.js';
import { coarseClock } from '../base/clock.js';
import { consoleLogger, type Logger } from '../base/log.js';
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
import { connectionCounts } from '../os/conntrack.js';
import { lvsStatePath } from './pidfile.js';
import { trackFileWatcher } from './check/file-watch.js';
import { realSpawner } from '../base/spawn.js';
import { scriptIdentity, systemUserDb } from './track/users.js';
import { formatCheckData } from './check/dump.js';
import { answerPings, tellParent } from './child-link.js';

interface Running {
  config: KeepalivedConfig;
  errors: Set<string>;
  runtime: CheckRuntime;
  notifier: CheckNotifier;
}

function load(opts: Options): LoadResult {
  return loadConfig(opts.useFile, opts.configId !== undefined ? { configId: opts.configId } : {});
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
  return new NftDataPlane({ log, run: (s) => runNft(s), resolve: (ips) => resolveDrPaths(ips), statePath, counts: connectionCounts, names: tableNames(instance), snat, ...drainS });
}

function startRuntime(config: KeepalivedConfig, log: Logger, publisher: PoolPublisher | undefined, previous?: CheckRuntime): Pick<Running, 'runtime' | 'notifier'> {
  const notifier = openCheckNotifier(config, { log });
  const users = systemUserDb();
  const self = { uid: os.userInfo().uid, gid: os.userInfo().gid };
  const scripts = { spawner: realSpawner, identity: (s: { readonly user?: string; readonly group?: string }) => scriptIdentity(users, s, config.global_defs.script_user, self) };
  const runtime = new CheckRuntime(config, {
    clock: coarseClock,
    log,
    random: Math.random,
    initNotifies: config.global_defs.rs_init_notifies,
    driverFor: (c) => checkerDriver(c, { config, dial: tcpDialer, scripts, icmp: { open: openIcmpSocket }, watchFile: trackFileWatcher(log, previous !== undefined) }),
    events: {
      realServer: (vs, i, up) => notifier.realServer(vs, i, up),
      quorum: (vs, up, d) => notifier.quorum(vs, up, d),
      checker: (vs, i, c, up, reason) => notifier.checker?.(vs, i, c, up, reason),
      pool: (v, vs, entries) => {
        log.detail(`Pool of VS ${formatVs(vs)}: ${entries.map((e) => `${e.ip}:${e.port} weight ${e.weight}`).join(', ') || 'empty'}`);
        publisher?.set(v, vs, entries, vs.group !== undefined ? config.virtual_server_group.find((g) => g.name === vs.group) : undefined);
      },
    },
  }, previous);
  runtime.start();
  return { runtime, notifier };
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Options & { childPidFile: string };
  // Keepalived's checker process logs as Keepalived_healthcheckers.
  const log = opts.logConsole
    ? consoleLogger({ detail: opts.logDetail })
    : syslogLogger('Keepalived_healthcheckers', { detail: opts.logDetail, ...(opts.logFacility !== undefined ? { facility: opts.logFacility } : {}) });
  const first = load(opts);
  writePidFile(opts.childPidFile);
  log.info('Initializing ipvs');
  const plane = openDataPlane(log, lvsStatePath(opts.childPidFile), first.config.instance);
  let publisher = plane ? new PoolPublisher(plane, log) : undefined;
  let cur: Running = { config: first.config, errors: errorMessages(first.diagnostics), ...startRuntime(first.config, log, publisher) };

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    cur.runtime.shutdown();
    await cur.notifier.close();
    // --dont-release-ipvs keeps the forwarding in place, as Keepalived keeps its IPVS table.
    await publisher?.close(opts.dontReleaseIpvs).catch((e: Error) => log.error(`data plane: ${e.message}`));
    removePidFile(opts.childPidFile);
    log.info(`Healthcheck child stopped (checks: ${cur.runtime.lag.attempts} started, worst ${Math.round(cur.runtime.lag.maxLateUs / 1000)} ms late)`);
    process.exit(0);
  };
  const reload = async () => {
    log.info('Reloading');
    let next: LoadResult;
    try {
      next = load(opts);
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
    cur = { config: next.config, errors, ...startRuntime(next.config, log, nextPublisher, cur.runtime) };
    publisher = nextPublisher;
    await settled(publisher);
    log.info('Reload finished');
    tellParent({ kind: 'reloaded' });
  };
  const dump = () => {
    const file = path.join(process.env['TMPDIR'] ?? os.tmpdir(), 'keepalived_check.data');
    try {
      fs.writeFileSync(file, formatCheckData(cur.config, cur.runtime), { mode: 0o600 });
    } catch (e) {
      log.error(`Unable to write ${file}: ${(e as Error).message}`);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void reload());
  process.on('SIGUSR1', dump);
  // The parent forwards every dump signal to every child; the VRRP ones are not ours, but must not kill us.
  process.on('SIGUSR2', () => undefined);
  for (const n of [SIG_JSON, SIG_STATS_CLEAR]) onSignalNumber(n, () => undefined);
  process.on('disconnect', () => void stop());
  answerPings();
  // The first table is in the kernel: the parent may tell systemd READY=1.
  await settled(publisher);
  tellParent({ kind: 'ready' });
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
