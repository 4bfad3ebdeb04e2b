/** Loading a global_defs body inline: its first line is line 2 of /etc/k.conf. */
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig, type LoadResult } from '../../src/config/load.js';

export function loadText(text: string): LoadResult {
  return loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
}

export function loadGlobal(...lines: string[]): LoadResult {
  return loadText(`global_defs {\n${lines.join('\n')}\n}\n`);
}

/** "LINE severity message" for each diagnostic, for one readable assertion. */
export function diags(r: LoadResult): string[] {
  return r.diagnostics.map((d: Diagnostic) => `${d.pos?.line ?? '-'} ${d.severity} ${d.message}`);
}

export function assertClean(r: LoadResult): void {
  assert.deepEqual(diags(r), []);
}
