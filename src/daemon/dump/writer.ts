/**
 * Puts a dump where Keepalived does: $TMPDIR (default /tmp)/keepalived.{data,stats,json},
 * mode 0600, through base/replace-file.ts: a reader (an exporter polling the file right after its
 * signal) sees the old dump or the new one, never half of one, and a symlink planted in a shared
 * /tmp is replaced, never written through.
 */
import { join } from 'node:path';
import { replaceFile } from '../../base/replace-file.js';

export type DumpKind = 'data' | 'stats' | 'json';

export function dumpDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['TMPDIR'] || '/tmp';
}

export function dumpPath(kind: DumpKind, env: NodeJS.ProcessEnv = process.env): string {
  return join(dumpDir(env), `keepalived.${kind}`);
}

/** Writes the dump and returns its path. Rejects (leaving any previous dump in place) on error. */
export async function writeDump(kind: DumpKind, text: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = dumpPath(kind, env);
  await replaceFile(path, text, { mode: 0o600 });
  return path;
}

/** The checker process's dump (SIGUSR1): $TMPDIR/keepalived_check.data, as Keepalived names it. */
export function checkDumpPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dumpDir(env), 'keepalived_check.data');
}

export async function writeCheckDump(text: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = checkDumpPath(env);
  await replaceFile(path, text, { mode: 0o600 });
  return path;
}
