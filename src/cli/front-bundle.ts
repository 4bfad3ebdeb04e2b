/**
 * What bin/keepalived-ts runs from dist/src/cli/front-bundle.cjs (tools/bundle-cli.ts) when the command line
 * asks for `-t`: Keepalived's command line and the config test, synchronous, in one script. Node's
 * ES module loader takes ~65 ms to link the ~80 modules of `-t`, where one script compiles in ~20
 * ms. Anything else it hands back for cli/main.ts's afterFront().
 */
import { runConfigTestOption, type Entry, type Out } from './config-command.js';
import { commandLine, type FrontResult } from './front.js';

export function bundledCommandLine(argv: readonly string[], out: Out, entry: Entry = {}): FrontResult {
  const r = commandLine(argv, out);
  return 'configTest' in r ? { code: runConfigTestOption(r.configTest, out, entry) } : r;
}
