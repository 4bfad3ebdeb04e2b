/**
 * keepalived-ts command line entry: Keepalived's own order of events. Messages about bad options
 * first (cli/args.ts), then -h, -v, --signum or -T where they stood, then stray words and, if an
 * option was bad, exit 1; -u takes effect before any file is written; then -t or the daemon.
 */
import { writeFileSync } from 'node:fs';
import type { Out } from './config-command.js';

// Each command loads only its own modules: `-v`, `-t` and the small commands would otherwise pay
// for the whole daemon (the status plane, the data plane, the lab) at every start.
const configCommand = () => import('./config-command.js');
const genhash = () => import('./genhash.js');

/** What only the process's own entry (bin/keepalived-ts) may do, not a test calling main(). */
export interface Entry {
  /** V8 flags for a one-shot command: `-t` runs without TurboFan (os/v8 setFlagsFromString). */
  readonly setV8Flags?: (flags: string) => void;
}

export async function main(argv: readonly string[], out: Out, entry: Entry = {}): Promise<number> {
  if (argv[0] === 'config') return (await configCommand()).runConfigCommand(argv.slice(1), out);
  if (argv[0] === 'genhash') return (await genhash()).runGenhash(argv.slice(1), out);
  if (argv[0] === 'lab') return (await import('../lab/lab-command.js')).runLab(argv.slice(1), out);
  if (argv[0] === 'lvs') return (await import('./lvs.js')).runLvs(argv.slice(1), out);
  if (argv[0] === 'realserver') return (await import('./realserver.js')).runRealserver(argv.slice(1), out);
  if (argv[0] === 'status') return (await import('./status.js')).runStatus(argv.slice(1), out);
  const { parseCommandLine, SIGNALS } = await import('./args.js');
  const cl = parseCommandLine(argv);
  for (const m of cl.messages) out.stderr(`${m}\n`);
  // Keepalived runs genhash as `keepalived -T ...` / `--genhash` as well as through its genhash link.
  if (cl.genhash) return (await genhash()).runGenhash(cl.genhash, out);
  const opts = cl.options;
  if (opts.help || opts.version) {
    const { usageText, versionText } = await import('./help.js');
    out.stderr(opts.help ? usageText() : versionText());
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
    // A check runs each function of the front end over one file, once: TurboFan's compilations
    // cost about 7 MB of the peak (65 -> 58 MB on 50,000 lines) and win back no time (0.47 s both).
    entry.setV8Flags?.('--no-opt');
    const { runConfigTest } = await configCommand();
    if (opts.configTestLog === undefined) return runConfigTest(opts.useFile, opts, out);
    // -t=LOG_FILE: the report goes to the file, as Keepalived's --config-test=LOG_FILE.
    const report: string[] = [];
    const code = runConfigTest(opts.useFile, opts, { stdout: out.stdout, stderr: (t) => void report.push(t) });
    writeFileSync(opts.configTestLog, report.join(''));
    return code;
  }
  // Once each on stderr, unless the daemon's log writes there itself (-l -n); parent.ts logs them.
  const [{ logSinks }, { noEffectWarnings }, { runParent }] = await Promise.all([import('../daemon/logger.js'), import('../base/options.js'), import('../daemon/parent.js')]);
  if (!logSinks(opts).console) for (const w of noEffectWarnings(opts)) out.stderr(`${w}\n`);
  return runParent(opts, argv);
}
