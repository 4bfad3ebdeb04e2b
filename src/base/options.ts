/**
 * What the daemon is told to do at start (keepalived(8)'s options, one field per flag). The
 * command line (cli/args.ts) builds it; the daemon (daemon/parent.ts and the two children) only
 * reads it, so the daemon never imports the command line. The record travels to the children as
 * JSON, so every field is plain data.
 */

export interface Options {
  /** -f, --use-file */
  useFile: string;
  /** -t, --config-test */
  configTest: boolean;
  /** -t=FILE writes the config-test report there instead of stderr. */
  configTestLog?: string;
  /** -i, --config-id */
  configId?: string;
  /** -n, --dont-fork */
  dontFork: boolean;
  /** -l, --log-console */
  logConsole: boolean;
  /** -D, --log-detail */
  logDetail: boolean;
  /**
   * -S, --log-facility: the syslog(3) facility code itself (LOG_DAEMON 3<<3, LOG_USER 1<<3,
   * LOG_LOCALn (16+n)<<3). Absent: LOG_DAEMON, Keepalived's default.
   */
  logFacility?: number;
  /** -G, --no-syslog: with -l only the console, without -l no log output at all. */
  noSyslog: boolean;
  /** -u, --umask: the file creation mask the daemon sets before writing any file. */
  umask?: number;
  /** -P, --vrrp */
  vrrpOnly: boolean;
  /** -C, --check */
  checkOnly: boolean;
  /** -B, --no_bfd (no effect here: there is no BFD process). */
  noBfd: boolean;
  /** --all: run every child process even when the configuration gives it nothing to do. */
  all: boolean;
  /** -p, --pid */
  pidFile?: string;
  /** -r, --vrrp_pid */
  vrrpPidFile?: string;
  /** -c, --checkers_pid */
  checkersPidFile?: string;
  /** -b, --bfd_pid (no effect here). */
  bfdPidFile?: string;
  /** -X, --release-vips */
  releaseVips: boolean;
  /** -V, --dont-release-vrrp */
  dontReleaseVrrp: boolean;
  /** -I, --dont-release-ipvs */
  dontReleaseIpvs: boolean;
  /** -R, --dont-respawn: a child that dies is not restarted; the parent stops instead. */
  dontRespawn: boolean;
  /** -d, --dump-conf */
  dumpConf: boolean;
  /** -a, --address-monitoring (no effect here). */
  addressMonitoring: boolean;
  /** -x, --snmp (no effect here). */
  snmp: boolean;
  /** -A, --snmp-agent-socket (no effect here). */
  snmpAgentSocket?: string;
  /** -s, --namespace (no effect here: run under `ip netns exec NAME`). */
  namespace?: string;
  /** -m, --core-dump (no effect here). -M implies it in Keepalived. */
  coreDump: boolean;
  /** -M, --core-dump-pattern[=PATN]; '' when given without a pattern (Keepalived: 'core'). */
  coreDumpPattern?: string;
  /** -e, --all-config: a missing include file is an error, as `includea` everywhere. */
  allConfig: boolean;
  /** -v, --version */
  version: boolean;
  /** -h, --help */
  help: boolean;
  /** --signum=SIGFUNC */
  signum?: string;
  /** --http ADDR:PORT: /metrics, /api/status and the live page (keepalived-ts only). */
  http?: string;
  /**
   * --conntrackd[=CONF]: run conntrackd's client commands (primary-backup.sh's) on each VRRP
   * transition, with conntrackd's configuration file CONF (keepalived-ts only).
   */
  conntrackd?: string;
  /**
   * --bgp-table N: the kernel routing table where the checker child puts a `proto keepalived`
   * blackhole route for each virtual server address it can serve, for a routing daemon (FRR,
   * BIRD) to announce by BGP (keepalived-ts only; also KEEPALIVED_TS_BGP_TABLE).
   */
  bgpTable?: string;
}

/** The record before any option is read: Keepalived's defaults. */
export function defaultOptions(useFile: string): Options {
  return {
    useFile, configTest: false, dontFork: false, logConsole: false, logDetail: false, noSyslog: false,
    vrrpOnly: false, checkOnly: false, noBfd: false, all: false, releaseVips: false, dontReleaseVrrp: false,
    dontReleaseIpvs: false, dontRespawn: false, dumpConf: false, addressMonitoring: false, snmp: false,
    coreDump: false, allConfig: false, version: false, help: false,
  };
}

/**
 * Options Keepalived 2.2.7 takes that mean nothing here, each with the reason and what to do
 * instead. The daemon says so once per option at start (stderr and the log) rather than failing,
 * so a unit written for Keepalived starts unchanged.
 */
export const NO_EFFECT: readonly { readonly flag: string; readonly given: (o: Options) => boolean; readonly why: string }[] = [
  { flag: '-B', given: (o) => o.noBfd, why: 'keepalived-ts runs no BFD process, so there is none to leave out' },
  { flag: '-b', given: (o) => o.bfdPidFile !== undefined, why: 'keepalived-ts runs no BFD process to write a pid file for' },
  { flag: '-a', given: (o) => o.addressMonitoring, why: 'keepalived-ts does not log netlink address changes; watch them with `ip monitor address`' },
  { flag: '-x', given: (o) => o.snmp, why: 'keepalived-ts has no SNMP subsystem; use the JSON dump (--signum=JSON) or keepalived-exporter' },
  { flag: '-A', given: (o) => o.snmpAgentSocket !== undefined, why: 'keepalived-ts has no SNMP subsystem to connect to a master agent' },
  { flag: '-s', given: (o) => o.namespace !== undefined, why: 'keepalived-ts does not enter a network namespace itself; run it under `ip netns exec NAME` instead' },
  { flag: '-m', given: (o) => o.coreDump, why: 'keepalived-ts leaves core dumps to the environment (ulimit -c, systemd LimitCORE=)' },
  { flag: '-M', given: (o) => o.coreDumpPattern !== undefined, why: 'keepalived-ts does not write /proc/sys/kernel/core_pattern; set it with sysctl kernel.core_pattern' },
];

/** One line per option given that has no effect here: `keepalived-ts: option -x has no effect here: why`. */
export function noEffectWarnings(o: Options): string[] {
  return NO_EFFECT.filter((n) => n.given(o)).map((n) => `keepalived-ts: option ${n.flag} has no effect here: ${n.why}`);
}
