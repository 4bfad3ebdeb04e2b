/**
 * The file access the configuration front end needs, behind a small interface so that lexer tests
 * can run on an in-memory tree and the loader never reaches past it.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';

export interface ConfigFs {
  /** The file's text, or undefined when it cannot be read. */
  readFile(file: string): string | undefined;
  /**
   * The file's bytes, or undefined when it cannot be read. The lexer reads these and decodes line
   * by line: words sliced from a string of the whole file would keep all of it alive in the model.
   */
  readBytes(file: string): Buffer | undefined;
  /** Entry names of a directory, or undefined when it is not one. */
  readDir(dir: string): string[] | undefined;
  isDirectory(p: string): boolean;
}

export const nodeConfigFs: ConfigFs = {
  readFile(file) {
    try {
      return nodeFs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  readBytes(file) {
    try {
      return nodeFs.readFileSync(file);
    } catch {
      return undefined;
    }
  },
  readDir(dir) {
    try {
      return nodeFs.readdirSync(dir);
    } catch {
      return undefined;
    }
  },
  isDirectory(p) {
    try {
      return nodeFs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

/** An in-memory tree: absolute path -> file text. Directories are implied by the paths. */
export function memoryConfigFs(files: Record<string, string>): ConfigFs {
  const norm = (p: string) => path.posix.normalize(p);
  const table = new Map(Object.entries(files).map(([k, v]) => [norm(k), v]));
  const isDirectory = (p: string) => {
    const prefix = norm(p).replace(/\/?$/, '/');
    for (const k of table.keys()) if (k.startsWith(prefix)) return true;
    return false;
  };
  return {
    readFile: (file) => table.get(norm(file)),
    readBytes(file) {
      const text = table.get(norm(file));
      return text === undefined ? undefined : Buffer.from(text, 'utf8');
    },
    isDirectory,
    readDir(dir) {
      if (!isDirectory(dir)) return undefined;
      const prefix = norm(dir).replace(/\/?$/, '/');
      const names = new Set<string>();
      for (const k of table.keys()) {
        if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      }
      return [...names];
    },
  };
}
