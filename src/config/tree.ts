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
  const root: ConfNode[] = [];
  const builder = new TreeBuilder(diag, (node) => void root.push(node));
  for (const line of lines) builder.line([...line.words], line.text, line.pos);
  builder.end();
  return root;
}

/**
 * Builds the tree line by line and hands over each top-level node once it is complete, so that
 * loading reads one top-level block at a time and never holds the whole tree. A top-level node is
 * complete when the next one starts (until then a `{` line may still open its block) or at the end.
 */
export class TreeBuilder {
  /** Stands for the top level in `current` and the frames; top-level nodes go to onNode instead. */
  private readonly root: MutableNode[] = [];
  private readonly stack: Frame[] = [];
  private current: MutableNode[] = this.root;
  private previous: MutableNode | undefined;
  /** Blocks open now (stray braces not counted). */
  private depth = 0;
  /** The top-level node not yet handed over. */
  private pending: MutableNode | undefined;

  constructor(
    private readonly diag: Diagnostics,
    private readonly onNode: (node: ConfNode) => void,
  ) {}

  /**
   * One logical line; `words` (not empty) becomes the node's keyword and arguments. A bound
   * function, so that the lexer hands each line here without a call in between.
   */
  readonly line = (words: string[], text: string, pos: SourcePos): void => {
    const first = words[0]!;
    if (first === '{' && words.length === 1) {
      const previous = this.previous;
      if (previous && !previous.block && this.depth >= MAX_BLOCK_DEPTH) {
        this.diag.error(pos, `blocks nested more than ${MAX_BLOCK_DEPTH} deep - ignoring '{'`);
        this.stack.push({ children: this.current, opener: pos });
      } else if (previous && !previous.block) {
        previous.block = [];
        this.depth++;
        this.stack.push({ children: this.current, opener: pos, owner: previous });
        this.current = previous.block;
      } else {
        // Keepalived ignores a stray '{' and reads what follows at the same level.
        this.diag.error(pos, "Unexpected '{' - ignoring");
        this.stack.push({ children: this.current, opener: pos });
      }
      this.previous = undefined;
      return;
    }
    if (first === '}' && words.length === 1) {
      const frame = this.stack.pop();
      if (frame) {
        this.current = frame.children;
        if (frame.owner) {
          frame.owner.end = pos;
          this.depth--;
        }
      } else this.diag.error(pos, "Extra '}' found");
      this.previous = undefined;
      return;
    }
    // The words array is the lexer's own: it becomes the arguments, without a copy.
    words.shift();
    const node: MutableNode = { keyword: first, args: words, text, pos };
    if (this.current === this.root) {
      if (this.pending) this.onNode(this.pending);
      this.pending = node;
    } else this.current.push(node);
    this.previous = node;
  };

  /** End of input: the last top-level node, then each block still open. */
  end(): void {
    if (this.pending) this.onNode(this.pending);
    this.pending = undefined;
    for (const frame of this.stack.reverse()) {
      this.diag.error(frame.opener, "missing '}' for the block opened here");
    }
    this.stack.length = 0;
  }
}
