/**
 * Loading a configuration: lexer -> tree -> sections -> cross-section checks -> frozen model.
 * The one entry point the daemon, the CLI and the tests use.
 */
import * as os from 'node:os';
import { ConfigError, Diagnostics, type Diagnostic } from './diagnostics.js';
import { nodeConfigFs, type ConfigFs } from './fs.js';
import { lexInto } from './lexer.js';
import type { KeepalivedConfig } from './model.js';
import { deepFreeze, Cx } from './schema.js';
import { finishConfig } from './finish.js';
import { newConfigDraft, rootTable } from './sections/root.js';
import { TreeBuilder } from './tree.js';

export interface LoadOptions {
  /** -i / --config-id. Default: the host name up to its first dot, as Keepalived. */
  readonly configId?: string;
  readonly fs?: ConfigFs;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly random?: (min: number, max: number) => number;
  /** -e / --all-config: a missing include is an error (hadConfigFileError()), as `includea`. */
  readonly allConfig?: boolean;
  /**
   * Freeze the model (default true). A config test reads it once and exits: walking tens of
   * thousands of objects to freeze them cost it ~15 ms of 50,000 lines.
   */
  readonly freeze?: boolean;
}

export interface LoadResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

/** The command line's part in loading (-i, -e), from the daemon's Options or the like. */
export function loadOptionsOf(o: { readonly configId?: string | undefined; readonly allConfig?: boolean }): LoadOptions {
  return { ...(o.configId !== undefined ? { configId: o.configId } : {}), ...(o.allConfig ? { allConfig: true } : {}) };
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
  const configId = opts.configId ?? defaultConfigId();
  // Each top-level block is read into the model as soon as its last line is lexed, so only one
  // block's lines and nodes are alive at a time. Each stage keeps its own problems, so that they
  // are listed as when the stages ran one after the other: the lexer's, the tree's, the sections'.
  const lexDiag = new Diagnostics();
  const treeDiag = new Diagnostics();
  const diag = new Diagnostics();
  const cx = new Cx(diag, { configId });
  const draft = newConfigDraft();
  const tree = new TreeBuilder(treeDiag, (node) => cx.applyOne(draft, node, rootTable));
  const lexOpts = { fs, configId, ...(opts.env ? { env: opts.env } : {}), ...(opts.random ? { random: opts.random } : {}), ...(opts.allConfig ? { allConfig: true } : {}) };
  if (!lexInto(file, lexOpts, lexDiag, tree.line)) {
    throw new ConfigError('ERR_CONFIG_NOT_FOUND', `Configuration file '${file}' cannot be read`);
  }
  tree.end();
  finishConfig(draft, cx);
  return { config: opts.freeze === false ? (draft as unknown as KeepalivedConfig) : deepFreeze(draft), diagnostics: [...lexDiag.list, ...treeDiag.list, ...diag.list] };
}
