/**
 * The syntax tree: logical lines grouped into blocks by their braces.
 *
 * A `{` line opens a block for the line just before it (`vrrp_instance VI_1` then `{` on the next
 * line is the same as on one line). Which keywords may carry a block is the sections' business;
 * here a block is only structure, so that every section reads nodes and never text.
 */
import type { Diagnostics, SourcePos } from './diagnostics.js';
import type { LogicalLine } from './lexer.js';

export interface ConfNode {
  readonly keyword: string;
  /** The words after the keyword. */
  readonly args: readonly string[];
  /** The line's text after substitution (script keywords re-split it with single quotes). */
  readonly text: string;
  readonly pos: SourcePos;
  /** Present when the line opened a `{ ... }` block. */
  readonly block?: readonly ConfNode[];
  /** Where that block's `}` is: Keepalived reports end-of-block checks at that line. */
  readonly end?: SourcePos;
}

interface MutableNode {
  keyword: string;
  args: readonly string[];
  text: string;
  pos: SourcePos;
  block?: MutableNode[];
  end?: SourcePos;
}

interface Frame {
  readonly children: MutableNode[];
  readonly opener: SourcePos;
  readonly owner?: MutableNode;
}

/**
 * Deepest block kept. Keepalived's own blocks nest 4 deep at most and it does not descend into
 * an unknown keyword's block, so it never recurses deeply; everything that walks our tree (the
 * sections, unknown-keyword reports, freezing the model) does, so a '{' deeper than this is
 * reported and read as a stray one: its lines stay at the level it is at.
 */
export const MAX_BLOCK_DEPTH = 64;

export function buildTree(lines: readonly LogicalLine[], diag: Diagnostics): ConfNode[] {
  const root: MutableNode[] = [];
  const stack: Frame[] = [];
  let current = root;
  let previous: MutableNode | undefined;
  /** Blocks open now (stray braces not counted). */
  let depth = 0;
  for (const line of lines) {
    const first = line.words[0]!;
    if (first === '{' && line.words.length === 1) {
      if (previous && !previous.block && depth >= MAX_BLOCK_DEPTH) {
        diag.error(line.pos, `blocks nested more than ${MAX_BLOCK_DEPTH} deep - ignoring '{'`);
        stack.push({ children: current, opener: line.pos });
      } else if (previous && !previous.block) {
        previous.block = [];
        depth++;
        stack.push({ children: current, opener: line.pos, owner: previous });
        current = previous.block;
      } else {
        // Keepalived ignores a stray '{' and reads what follows at the same level.
        diag.error(line.pos, "Unexpected '{' - ignoring");
        stack.push({ children: current, opener: line.pos });
      }
      previous = undefined;
      continue;
    }
    if (first === '}' && line.words.length === 1) {
      const frame = stack.pop();
      if (frame) {
        current = frame.children;
        if (frame.owner) {
          frame.owner.end = line.pos;
          depth--;
        }
      } else diag.error(line.pos, "Extra '}' found");
      previous = undefined;
      continue;
    }
    const node: MutableNode = { keyword: first, args: line.words.slice(1), text: line.text, pos: line.pos };
    current.push(node);
    previous = node;
  }
  for (const frame of stack.reverse()) {
    diag.error(frame.opener, "missing '}' for the block opened here");
  }
  return root;
}
