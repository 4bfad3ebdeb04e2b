/**
 * keepalived-ts command line entry: Keepalived's own order of events. Messages about bad options
 * first (cli/args.ts), then -h, -v, --signum or -T where they stood, then stray words and, if an
 * option was bad, exit 1; -u takes effect before any file is written; then -t or the daemon.
 */
import { writeFileSync } from 'node:fs';
import { noEffectWarnings } from '../base/options.js';
import { parseCommandLine, SIGNALS } from './args.js';
import { runParent } from '../daemon/parent.js';
import { logSinks } from '../daemon/logger.js';
import { runConfigCommand, runConfigTest, type Out } from './config-command.js';
import { runGenhash } from './genhash.js';
import { usageText, versionText } from './help.js';
import { runLvs } from './lvs.js';
import { runStatus } from './status.js';
import { runRealserver } from './realserver.js';
import { runLab } from '../lab/lab-command.js';

export function main(argv: readonly string[], out: Out): number | Promise<number> {
  if (argv[0] === 'config') return runConfigCommand(argv.slice(1), out);
  if (argv[0] === 'genhash') return runGenhash(argv.slice(1), out);
  if (argv[0] === 'lab') return runLab(argv.slice(1), out);
  if (argv[0] === 'lvs') return runLvs(argv.slice(1), out);
  if (argv[0] === 'realserver') return runRealserver(argv.slice(1), out);
  if (argv[0] === 'status') return runStatus(argv.slice(1), out);
  const cl = parseCommandLine(argv);
  for (const m of cl.messages) out.stderr(`${m}\n`);
  // Keepalived runs genhash as `keepalived -T ...` / `--genhash` as well as through its genhash link.
  if (cl.genhash) return runGenhash(cl.genhash, out);
  const opts = cl.options;
  if (opts.help) {
    out.stderr(usageText());
    return 0;
  }
  if (opts.version) {
    out.stderr(versionText());
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
  // Keepalived reports stray words and bad options only once the whole line is read.
  if (cl.unexpected.length > 0) out.stdout(`Unexpected argument(s): ${cl.unexpected.join(' ')} \n`);
  if (cl.failed) return 1;
  // set_umask() runs while the options are read, before any pid file or -t log is written.
  if (opts.umask !== undefined) process.umask(opts.umask);
  if (opts.configTest) {
    if (opts.configTestLog === undefined) return runConfigTest(opts.useFile, opts, out);
    // -t=LOG_FILE: the report goes to the file, as Keepalived's --config-test=LOG_FILE.
    const report: string[] = [];
    const code = runConfigTest(opts.useFile, opts, { stdout: out.stdout, stderr: (t) => void report.push(t) });
    writeFileSync(opts.configTestLog, report.join(''));
    return code;
  }
  // Once each on stderr, unless the daemon's log writes there itself (-l -n); parent.ts logs them.
  if (!logSinks(opts).console) for (const w of noEffectWarnings(opts)) out.stderr(`${w}\n`);
  return runParent(opts, argv);
}
