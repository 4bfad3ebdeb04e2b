/**
 * keepalived-ts command line entry: our commands (config, genhash, lab, lvs, realserver, status),
 * else Keepalived's own command line (front.ts) and then genhash or the daemon.
 */
import type { Entry, Out } from './config-command.js';
import type { FrontResult } from './front.js';

// Each command loads only its own modules: `-v`, `-t` and the small commands would otherwise pay
// for the whole daemon (the status plane, the data plane, the lab) at every start.
const configCommand = () => import('./config-command.js');
const genhash = () => import('./genhash.js');

export type { Entry } from './config-command.js';

export async function main(argv: readonly string[], out: Out, entry: Entry = {}): Promise<number> {
  if (argv[0] === 'config') return (await configCommand()).runConfigCommand(argv.slice(1), out);
  if (argv[0] === 'genhash') return (await genhash()).runGenhash(argv.slice(1), out);
  if (argv[0] === 'lab') return (await import('../lab/lab-command.js')).runLab(argv.slice(1), out);
  if (argv[0] === 'lvs') return (await import('./lvs.js')).runLvs(argv.slice(1), out);
  if (argv[0] === 'realserver') return (await import('./realserver.js')).runRealserver(argv.slice(1), out);
  if (argv[0] === 'status') return (await import('./status.js')).runStatus(argv.slice(1), out);
  const { commandLine } = await import('./front.js');
  return afterFront(commandLine(argv, out), argv, out, entry);
}

/** What follows the command line's front (front.ts, or bin's bundled copy of it): -t, genhash or the daemon. */
export async function afterFront(r: FrontResult, argv: readonly string[], out: Out, entry: Entry = {}): Promise<number> {
  if ('code' in r) return r.code;
  if ('configTest' in r) return (await configCommand()).runConfigTestOption(r.configTest, out, entry);
  if ('genhash' in r) return (await genhash()).runGenhash(r.genhash, out);
  const opts = r.daemon;
  // Once each on stderr, unless the daemon's log writes there itself (-l -n); parent.ts logs them.
  const [{ logSinks }, { noEffectWarnings }, { runParent }] = await Promise.all([import('../daemon/logger.js'), import('../base/options.js'), import('../daemon/parent.js')]);
  if (!logSinks(opts).console) for (const w of noEffectWarnings(opts)) out.stderr(`${w}\n`);
  return runParent(opts, argv);
}
