/**
 * `keepalived-ts config --json -f FILE [-i ID] [--positions]`: the resolved, typed model as
 * indented JSON, for users and tests; and `-t` (config test), which prints each problem as
 * `FILE:LINE: message` and exits 5 when anything Keepalived 2.2.7 would report was found (notes,
 * `FILE:LINE: note: message`, leave the exit status alone).
 */
import { dataPlaneOf, substitutionNotes } from '../lb/scheduler-in-force.js';
import * as fs from 'node:fs';
import { ConfigError, counts, formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { checkHost, type HostView } from '../config/host-checks.js';
import { localHost } from '../os/host.js';
import { loadConfig, loadOptionsOf, type LoadOptions, type LoadResult } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Options } from '../base/options.js';

export function configToJson(config: KeepalivedConfig, positions: boolean): string {
  return JSON.stringify(config, (key, value) => (key === 'pos' && !positions ? undefined : value), 2);
}

export interface Out {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `-t`: the problems in the file, then what does not fit this machine (as `keepalived -t`). */
export function runConfigTest(file: string, cmd: { readonly configId?: string | undefined; readonly allConfig?: boolean }, out: Out, host: HostView = localHost()): number {
  const report = configTest(file, { ...(cmd.configId !== undefined ? { configId: cmd.configId } : {}), host, allConfig: cmd.allConfig === true });
  for (const d of report.diagnostics) out.stderr(formatDiagnostic(d) + '\n');
  return report.code;
}

/** What only the process's own entry (bin/keepalived-ts) may do, not a test calling main(). */
export interface Entry {
  /** V8 flags for a one-shot command: `-t` runs without TurboFan (os/v8 setFlagsFromString). */
  readonly setV8Flags?: (flags: string) => void;
}

/** `-t` / `--config-test[=LOG_FILE]` from the command line's options. */
export function runConfigTestOption(opts: Options, out: Out, entry: Entry = {}): number {
  // A check runs each function of the front end over one file, once: TurboFan's compilations
  // cost about 7 MB of the peak (65 -> 58 MB on 50,000 lines) and win back no time (0.47 s both),
  // except the lexer's loop (bin/keepalived-ts's #! line, config/lexer.ts lexConfigFile()).
  entry.setV8Flags?.('--turbo-filter=lexConfigFile');
  if (opts.configTestLog === undefined) return runConfigTest(opts.useFile, opts, out);
  // -t=LOG_FILE: the report goes to the file, as Keepalived's --config-test=LOG_FILE.
  const report: string[] = [];
  const code = runConfigTest(opts.useFile, opts, { stdout: out.stdout, stderr: (t) => void report.push(t) });
  fs.writeFileSync(opts.configTestLog, report.join(''));
  return code;
}

/** Keepalived 2.2.7's exit statuses for `-t` (keepalived.h KEEPALIVED_EXIT_*). */
export const EXIT_CONFIG = 4;
export const EXIT_CONFIG_TEST = 5;
/** -e and an include that finds no file. */
export const EXIT_MISSING_FILE = 6;

export interface ConfigTestReport {
  readonly code: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** What `-t` prints and the status it exits with, as Keepalived 2.2.7's `keepalived -t`. */
export function configTest(file: string, opts: { configId?: string; host?: HostView; allConfig?: boolean } = {}): ConfigTestReport {
  let result: LoadResult;
  try {
    result = loadConfig(file, { freeze: false, ...(opts.configId !== undefined ? { configId: opts.configId } : {}), ...(opts.allConfig ? { allConfig: true } : {}) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.code !== 'ERR_CONFIG_NOT_FOUND') return { code: EXIT_CONFIG_TEST, diagnostics: [{ severity: 'error', message: e.message }, ...e.diagnostics] };
    // Keepalived 2.2.7 reports a missing main file (or a directory) and yet exits 0, unless -e
    // asks for the check.
    const message = isDirectory(file) ? `Configuration file '${file.replace(/\/*$/, '/')}' is a directory - skipping` : `Config files missing '${file}'.`;
    return { code: opts.allConfig ? EXIT_CONFIG : 0, diagnostics: [{ severity: 'note', message, missingFile: true }] };
  }
  const diagnostics = [...result.diagnostics, ...checkHost(result.config, askingOnce(opts.host ?? localHost())), ...substitutionNotes(result.config, dataPlaneOf(process.env))];
  const code = opts.allConfig && diagnostics.some((d) => d.missingFile) ? EXIT_MISSING_FILE : diagnostics.some(counts) ? EXIT_CONFIG_TEST : 0;
  return { code, diagnostics };
}

export function runConfigCommand(argv: readonly string[], out: Out): number {
  let file: string | undefined;
  let configId: string | undefined;
  let json = false;
  let positions = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--positions') positions = true;
    else if (a === '-f' || a === '--use-file') file = argv[++i];
    else if (a.startsWith('--use-file=')) file = a.slice('--use-file='.length);
    else if (a === '-i' || a === '--config-id') configId = argv[++i];
    else if (a.startsWith('--config-id=')) configId = a.slice('--config-id='.length);
    else {
      out.stderr(`keepalived-ts config: unexpected argument '${a}'\n`);
      return 2;
    }
  }
  if (!file) {
    out.stderr('usage: keepalived-ts config --json -f FILE [-i CONFIG_ID] [--positions]\n');
    return 2;
  }
  const result = load(file, loadOptionsOf({ configId }), out);
  if (!result) return 1;
  for (const d of result.diagnostics) out.stderr(formatDiagnostic(d) + '\n');
  if (json) out.stdout(configToJson(result.config, positions) + '\n');
  else out.stdout(summary(result.config));
  return 0;
}

function load(file: string, opts: LoadOptions, out: Out): LoadResult | undefined {
  try {
    return loadConfig(file, opts);
  } catch (e) {
    out.stderr(`keepalived-ts: ${(e as Error).message}\n`);
    return undefined;
  }
}

/**
 * The host's answers, each asked once: a large file names the same interface in every instance,
 * and each question is a file read or a stat under /sys. The host does not change during a check.
 */
function askingOnce(host: HostView): HostView {
  const once = <A, R>(ask: (a: A) => R): ((a: A) => R) => {
    const answers = new Map<A, R>();
    return (a) => {
      if (answers.has(a)) return answers.get(a)!;
      const r = ask(a);
      answers.set(a, r);
      return r;
    };
  };
  return {
    hasInterface: once((n: string) => host.hasInterface(n)),
    hasUser: once((n: string) => host.hasUser(n)),
    hasGroup: once((n: string) => host.hasGroup(n)),
    ...(host.isLoopback ? { isLoopback: once((n: string) => host.isLoopback!(n)) } : {}),
    ...(host.hasTunnel ? { hasTunnel: once((t: 'ipip' | 'gre' | 'gue') => host.hasTunnel!(t)) } : {}),
    ...(host.hasIpvlan ? { hasIpvlan: once((_: void) => host.hasIpvlan!()) } : {}),
  };
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** A few human lines: what the file sets up. */
function summary(c: KeepalivedConfig): string {
  const lines: string[] = [];
  if (c.global_defs.router_id) lines.push(`router_id ${c.global_defs.router_id}`);
  lines.push(`${c.vrrp_instance.length} vrrp_instance, ${c.vrrp_sync_group.length} vrrp_sync_group, ${c.vrrp_script.length} vrrp_script`);
  lines.push(`${c.virtual_server.length} virtual_server, ${c.virtual_server.reduce((n, v) => n + v.real_server.length, 0)} real_server`);
  return lines.join('\n') + '\n';
}
