/**
 * Puts a dump where Keepalived does: $TMPDIR (default /tmp)/keepalived.{data,stats,json},
 * mode 0600. The text goes to a new file beside it first and is renamed over the old one, so a
 * reader (an exporter polling the file right after its signal) sees the old dump or the new one,
 * never half of one. The temporary name is created exclusively: in a shared /tmp nobody can
 * plant a symlink for us to write through, and rename() replaces a symlink, never its target.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

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
  const tmp = `${path}.${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    // The mode given to open() is filtered by the umask; 0600 is what Keepalived leaves.
    await fh.chmod(0o600);
    await fh.writeFile(text);
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return path;
}
