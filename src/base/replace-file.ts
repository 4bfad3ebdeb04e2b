/**
 * Writing a file that others may see or plant links at (a dump in a shared /tmp, a track file):
 * the text goes to a new file beside the target first, created exclusively (O_CREAT|O_EXCL, so
 * nobody can have planted a symlink at its name for us to write through), and is then renamed
 * over the target. rename() replaces a symbolic link at the target, never the link's target, and
 * a reader sees the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';

export interface ReplaceOptions {
  /** The file's mode, set exactly (not filtered by the umask); by default 0666 less the umask, as fopen("w"). */
  readonly mode?: number;
}

const tempName = (path: string) => `${path}.${randomBytes(6).toString('hex')}`;

/** Replaces `path` with `data`. Rejects (leaving any previous file in place, no temporary behind) on error. */
export async function replaceFile(path: string, data: string | Uint8Array, opts: ReplaceOptions = {}): Promise<void> {
  const tmp = tempName(path);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o666);
  try {
    if (opts.mode !== undefined) await fh.chmod(opts.mode);
    await fh.writeFile(data);
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** replaceFile, synchronously (for callers that must finish before they read the file back). */
export function replaceFileSync(path: string, data: string | Uint8Array, opts: ReplaceOptions = {}): void {
  const tmp = tempName(path);
  const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o666);
  let closed = false;
  try {
    if (opts.mode !== undefined) fs.fchmodSync(fd, opts.mode);
    fs.writeFileSync(fd, data);
    fs.closeSync(fd);
    closed = true;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (!closed) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not there */
    }
    throw e;
  }
}
