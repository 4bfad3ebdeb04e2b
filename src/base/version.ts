/**
 * Which versions answer: the Keepalived release whose behaviour keepalived-ts copies (exporters
 * read it from `-v`), and keepalived-ts's own, from its package.json.
 */
import { readFileSync } from 'node:fs';

/** The Keepalived release whose behaviour we copy; exporters read it from `-v`. */
export const KEEPALIVED_VERSION = '2.2.7';

/** Ours, from package.json (the nearest one above this file, in src/ or dist/). */
export function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'keepalived-ts' && pkg.version) return pkg.version;
    } catch {
      // none here: go up
    }
    if (dir.pathname === '/') return '0.0.0';
  }
}

