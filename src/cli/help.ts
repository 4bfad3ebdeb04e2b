/**
 * What `keepalived-ts --help` and `-v` print. The option list is Keepalived 2.2.7's help, word for
 * word (test/fixtures/keepalived-help.txt is the golden copy the tests hold it to), with a
 * `keepalived-ts:` line under each option that means something else here; then our own commands
 * and the KEEPALIVED_TS_* environment settings. Both go to stderr, as Keepalived's do.
 */

import { KEEPALIVED_VERSION, packageVersion } from '../base/version.js';

export { KEEPALIVED_VERSION, packageVersion };

/**
 * keepalived-exporter and others parse the first line as "Keepalived vX.Y.Z (...)" on stderr;
 * the second says what answers.
 */
export function versionText(): string {
  const v = packageVersion();
  return `Keepalived v${KEEPALIVED_VERSION} (keepalived-ts ${v})\n` +
    `keepalived-ts ${v}: Keepalived ${KEEPALIVED_VERSION} rebuilt in TypeScript on Node.js ${process.version}\n`;
}

const NOTE = '                                keepalived-ts: ';

/** Every KEEPALIVED_TS_* setting read in src/, one line each (a test holds this list to src/). */
export const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['KEEPALIVED_TS_DATAPLANE=proxy|none', 'virtual servers through the userspace proxy, or no data plane (checks and notifications only); default nftables'],
  ['KEEPALIVED_TS_PROXY_PROTOCOL=v1|v2', 'the proxy sends a PROXY protocol header so real servers see the client address'],
  ['KEEPALIVED_TS_PROXY_WORKERS=N', 'proxy worker threads (default one per core; 1: the single-threaded proxy)'],
  ['KEEPALIVED_TS_PROXY_ENGINE=streams', "the proxy relays with Node's sockets and pipes instead of its relay loops"],
  ['KEEPALIVED_TS_DR_DRAIN=SECONDS', 'how long a DR service keeps old connections on their real servers after a change'],
  ['KEEPALIVED_TS_NAT_SNAT=1', 'one-armed NAT: real servers see the director as the client'],
  ['KEEPALIVED_TS_VRRP_SLICE_US=N', 'the VRRP process\'s fair-scheduler slice in µs, so an advert preempts busy processes (default 100; 0: the kernel\'s)'],
  ['KEEPALIVED_TS_URING=0', 'a master\'s adverts sent from the event loop, not queued to the kernel (io_uring) for their time'],
  ['KEEPALIVED_TS_TRACE=1', 'one log line per VRRP takeover with the time each step took'],
  ['KEEPALIVED_TS_HTTP=ADDR:PORT', 'as --http: serve /metrics, /api/status and the live page there (read-only)'],
  ['KEEPALIVED_TS_CONNTRACKD=CONF', 'as --conntrackd=CONF: run conntrackd\'s commands on each VRRP transition (1: /etc/conntrackd/conntrackd.conf)'],
  ['KEEPALIVED_TS_BGP_TABLE=N', 'as --bgp-table: the routing table for the addresses of healthy virtual servers'],
  ['KEEPALIVED_TS_LAB_PREFIX=NAME-', '`keepalived-ts lab`: its namespaces\' name prefix (default ktslab-)'],
  ['KEEPALIVED_TS_LAB_DIR=DIR', '`keepalived-ts lab`: its state directory (default /run/keepalived-ts/lab)'],
];

export function usageText(): string {
  return `Usage: keepalived-ts [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
${NOTE}no effect (no BFD process), a warning says so
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
${NOTE}with -n only, as Keepalived (a forked daemon has no console);
${NOTE}syslog as well unless -G
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
${NOTE}logs the resolved model at start, one line per block as
${NOTE}compact JSON (the model \`keepalived-ts config --json\` prints)
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
${NOTE}the same as \`keepalived-ts genhash\`
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
${NOTE}no effect, a warning says so (use \`ip monitor address\`)
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
${NOTE}no effect (no BFD process), a warning says so
  -x, --snmp                   Enable SNMP subsystem
${NOTE}no effect (no SNMP), a warning says so
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
${NOTE}no effect (no SNMP), a warning says so
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
${NOTE}no effect, a warning says so: run under \`ip netns exec NAME\`
  -m, --core-dump              Produce core dump if terminate abnormally
${NOTE}no effect, a warning says so (ulimit -c, systemd LimitCORE=)
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
${NOTE}no effect, a warning says so (sysctl kernel.core_pattern)
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message

Options of keepalived-ts only:
      --http=ADDR:PORT         Serve /metrics (Prometheus), /api/status (JSON) and a live page, read-only
      --conntrackd[=CONF]      On each transition of the sync group (or instance), run conntrackd's
                                commands as primary-backup.sh does (MASTER: -c -f -R -B, BACKUP: -t -n,
                                FAULT: -t) with conntrackd -C CONF (default /etc/conntrackd/conntrackd.conf)
      --bgp-table=N            Put a blackhole route (proto keepalived) for each virtual server address
                                with quorum in routing table N (1-252), for FRR or BIRD to announce by BGP

Commands of keepalived-ts:
  keepalived-ts status [-p PIDFILE] [--json] [--follow]
                               What the running daemon is doing (its control socket, the pid file's .sock)
  keepalived-ts config --json -f FILE [-i CONFIG_ID] [--positions]
                               Print the resolved configuration model as JSON
  keepalived-ts lvs [-L] [-n] [-c] [--stats | --rate] [--exact] [-t|-u ADDR:PORT | -f MARK] [--json] [--checkers-pid FILE]
                               Show the virtual servers as \`ipvsadm -L -n\` does
  keepalived-ts realserver start|stop|status --vip ADDR [--vip ADDR...] [--dev lo] [--state FILE]
                               A DR real server's side: VIPs on lo, arp_ignore 1, arp_announce 2
  keepalived-ts lab up|down|status|fail HOST|heal HOST|stop WEB|start WEB|traffic [--seconds N]
                               Seed 004's lab (two directors, two web servers, a client) in network namespaces, to try by hand (root)
  keepalived-ts genhash -s SERVER -p PORT -u URL [-S] [-I] [-V VHOST] [-P 1.0|1.0c|1.1] [-t SECONDS]
                               Print the digest an HTTP_GET / SSL_GET url needs (also -T, --genhash)

Environment:
${ENVIRONMENT.map(([name, what]) => `  ${name}\n                               ${what[0]!.toUpperCase()}${what.slice(1)}\n`).join('')}`;
}
