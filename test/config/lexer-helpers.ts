/** Shared by the lexer tests: lex an in-memory tree and look at the lines and problems. */
import { Diagnostics, type Diagnostic } from '../../src/config/diagnostics.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { lex, type LexOptions, type LogicalLine } from '../../src/config/lexer.js';

export const MAIN = '/etc/keepalived/keepalived.conf';

export interface Lexed {
  readonly lines: LogicalLine[];
  /** Each logical line's words joined by one blank. */
  readonly text: string[];
  /** `line: words` for checking where each line came from. */
  readonly at: string[];
  readonly diags: readonly Diagnostic[];
  /** `severity line: message`. */
  readonly problems: string[];
}

export function lexFiles(
  files: Record<string, string> | string,
  opts: Partial<Omit<LexOptions, 'fs'>> = {},
  main = MAIN,
): Lexed {
  const tree = typeof files === 'string' ? { [main]: files } : files;
  const diag = new Diagnostics();
  const lines = lex(main, { fs: memoryConfigFs(tree), configId: 'host', random: (min) => min, env: {}, ...opts }, diag);
  return {
    lines,
    text: lines.map((l) => l.words.join(' ')),
    at: lines.map((l) => `${l.pos.line}: ${l.words.join(' ')}`),
    diags: diag.list,
    problems: diag.list.map((d) => `${d.severity} ${d.pos?.line ?? '-'}: ${d.message}`),
  };
}
