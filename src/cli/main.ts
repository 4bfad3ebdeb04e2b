/**
 * keepalived-ts command line entry.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, SIGNALS, UsageError } from './args.js';
import { runParent } from '../daemon/parent.js';
import { runConfigCommand, runConfigTest, type Out } from './config-command.js';
import { runGenhash } from './genhash.js';
import { runLvs } from './lvs.js';
import { runRealserver } from './realserver.js';

export const VERSION = '0.1.0';

const USAGE = `Usage: keepalived-ts [OPTION...]
       keepalived-ts config --json -f FILE [-i CONFIG_ID] [--positions]
       keepalived-ts lvs [-L] [-n] [-c] [--stats | --rate] [--exact] [-t|-u ADDR:PORT | -f MARK] [--json] [--checkers-pid FILE]
       keepalived-ts realserver start|stop|status --vip ADDR [--vip ADDR...] [--dev lo] [--state FILE]
       keepalived-ts genhash -s SERVER -p PORT -u URL [-S] [-I] [-V VHOST] [-P 1.0|1.0c|1.1] [-t SECONDS]

  -f, --use-file=FILE          Use the specified configuration file
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
  -n, --dont-fork              Don't fork the daemon process
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -d, --dump-conf              Dump the configuration data
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -v, --version                Display the version number
  -h, --help                   Display this help message
`;

export function main(argv: readonly string[], out: Out): number | Promise<number> {
  if (argv[0] === 'config') return runConfigCommand(argv.slice(1), out);
  // Keepalived runs genhash as `keepalived --genhash ...` as well as through its genhash link.
  if (argv[0] === 'genhash' || argv[0] === '--genhash') return runGenhash(argv.slice(1), out);
  if (argv[0] === 'lvs') return runLvs(argv.slice(1), out);
  if (argv[0] === 'realserver') return runRealserver(argv.slice(1), out);
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`keepalived-ts: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    out.stderr(USAGE);
    return 0;
  }
  if (opts.version) {
    // Exporters read the first line of `keepalived -v` on stderr as "Keepalived vX.Y.Z (...)".
    out.stderr(`Keepalived v2.2.8 (keepalived-ts ${VERSION})\n`);
    return 0;
  }
  if (opts.signum !== undefined) {
    const n = SIGNALS[opts.signum];
    if (n === undefined) {
      out.stderr(`Unknown sigfunc ${opts.signum}\n`);
      return 1;
    }
    out.stdout(`${n}\n`);
    return 0;
  }
  if (opts.configTest) {
    if (opts.configTestLog === undefined) return runConfigTest(opts.useFile, opts.configId, out);
    // -t=LOG_FILE: the report goes to the file, as Keepalived's --config-test=LOG_FILE.
    const report: string[] = [];
    const code = runConfigTest(opts.useFile, opts.configId, { stdout: out.stdout, stderr: (t) => void report.push(t) });
    writeFileSync(opts.configTestLog, report.join(''));
    return code;
  }
  return runParent(opts, argv);
}
