/** Inline LVS configurations for the lvs and checkers tests. */
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig, type LoadResult } from '../../src/config/load.js';

export function load(text: string): LoadResult {
  return loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
}

/** "LINE severity message" for each diagnostic. */
export function diags(r: LoadResult): string[] {
  return r.diagnostics.map((d: Diagnostic) => `${d.pos?.line ?? '-'} ${d.severity} ${d.message}`);
}

/** The 1-based line of `text` holding `marker` (first match). */
export function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no line with ${marker}`);
  return i + 1;
}

/**
 * A complete, clean virtual server around `body` (lines inside the virtual_server block). Line 1 is
 * `virtual_server HEAD {`, so the body's first line is line 2.
 */
export function vsText(body: string, head = '10.0.0.1 80', prelude = ''): string {
  return `${prelude}virtual_server ${head} {\n${body}\n}\n`;
}

/** A virtual server with TCP, rr, NAT and one real server 10.0.0.2 80 carrying `rsBody`. */
export function rsText(rsBody: string, vsExtra = ''): string {
  return vsText(`  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${vsExtra ? vsExtra + '\n' : ''}  real_server 10.0.0.2 80 {\n${rsBody}\n  }`);
}

import type { DeepReadonly } from '../../src/config/schema.js';
import { isTimed, type Checker, type TimedChecker } from '../../src/config/sections/checkers/index.js';

/** The checker as one with timing values (fails the test for FILE_CHECK / BFD_CHECK). */
export function timed(c: DeepReadonly<Checker> | undefined): DeepReadonly<TimedChecker> {
  if (!c || !isTimed(c as Checker)) throw new Error(`not a timed checker: ${c?.checker}`);
  return c as DeepReadonly<TimedChecker>;
}
