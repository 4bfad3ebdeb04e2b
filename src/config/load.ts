/**
 * Loading a configuration: lexer -> tree -> sections -> cross-section checks -> frozen model.
 * The one entry point the daemon, the CLI and the tests use.
 */
import * as os from 'node:os';
import { ConfigError, Diagnostics, type Diagnostic } from './diagnostics.js';
import { nodeConfigFs, type ConfigFs } from './fs.js';
import { lex } from './lexer.js';
import type { KeepalivedConfig } from './model.js';
import { deepFreeze, Cx } from './schema.js';
import { finishConfig } from './finish.js';
import { newConfigDraft, rootTable } from './sections/root.js';
import { buildTree } from './tree.js';

export interface LoadOptions {
  /** -i / --config-id. Default: the host name up to its first dot, as Keepalived. */
  readonly configId?: string;
  readonly fs?: ConfigFs;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly random?: (min: number, max: number) => number;
  /** -e / --all-config: a missing include is an error. */
  readonly allConfig?: boolean;
}

export interface LoadResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function defaultConfigId(): string {
  return os.hostname().split('.')[0] ?? '';
}

/**
 * Reads `file` and everything it includes. Problems in the text are returned as diagnostics and
 * loading goes on, as Keepalived does; only an unreadable main file throws (ConfigError).
 */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadResult {
  const fs = opts.fs ?? nodeConfigFs;
  if (fs.readFile(file) === undefined) {
    throw new ConfigError('ERR_CONFIG_NOT_FOUND', `Configuration file '${file}' cannot be read`);
  }
  const diag = new Diagnostics();
  const configId = opts.configId ?? defaultConfigId();
  const lines = lex(file, { fs, configId, ...(opts.env ? { env: opts.env } : {}), ...(opts.random ? { random: opts.random } : {}), ...(opts.allConfig ? { allConfig: true } : {}) }, diag);
  const tree = buildTree(lines, diag);
  const cx = new Cx(diag, { configId });
  const draft = newConfigDraft();
  cx.apply(draft, tree, rootTable);
  finishConfig(draft, cx);
  return { config: deepFreeze(draft), diagnostics: diag.list };
}
