/**
 * Keepalived's own command line, up to where the daemon starts, in Keepalived's order of events:
 * messages about bad options first (cli/args.ts), then -h, -v, --signum or -T where they stood,
 * then stray words and, if an option was bad, exit 1; -u takes effect before any file is
 * written. What is left, -t, genhash or the daemon, is the caller's (cli/main.ts, or bin through
 * front-bundle.ts). Synchronous, so that bin can run it and -t from one bundled file.
 */
import type { Options } from '../base/options.js';
import { parseCommandLine, SIGNALS } from './args.js';
import type { Out } from './config-command.js';
import { usageText, versionText } from './help.js';

/** The command line's outcome: an exit status, or what runs next. */
export type FrontResult = { readonly code: number } | { readonly genhash: readonly string[] } | { readonly configTest: Options } | { readonly daemon: Options };

export function commandLine(argv: readonly string[], out: Out): FrontResult {
  const cl = parseCommandLine(argv);
  for (const m of cl.messages) out.stderr(`${m}\n`);
  // Keepalived runs genhash as `keepalived -T ...` / `--genhash` as well as through its genhash link.
  if (cl.genhash) return { genhash: cl.genhash };
  const opts = cl.options;
  if (opts.help || opts.version) {
    out.stderr(opts.help ? usageText() : versionText());
    return { code: 0 };
  }
  if (opts.signum !== undefined) {
    const n = SIGNALS[opts.signum];
    if (n === undefined) {
      out.stderr(`Unknown sigfunc ${opts.signum}\n`);
      return { code: 1 };
    }
    out.stdout(`${n}\n`);
    return { code: 0 };
  }
  // Keepalived reports stray words and bad options only once the whole line is read.
  if (cl.unexpected.length > 0) out.stdout(`Unexpected argument(s): ${cl.unexpected.join(' ')} \n`);
  if (cl.failed) return { code: 1 };
  // set_umask() runs while the options are read, before any pid file or -t log is written.
  if (opts.umask !== undefined) process.umask(opts.umask);
  return opts.configTest ? { configTest: opts } : { daemon: opts };
}
