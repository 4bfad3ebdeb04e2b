/**
 * BFD_CHECK: the real server follows a BFD session's state (Keepalived check_bfd.c). Only `name`
 * and `alpha`; the bfd_instance itself belongs to the BFD section.
 */
import type { SourcePos } from '../../diagnostics.js';
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { readFlag } from '../lvs-values.js';
import type { Unresolved } from './common.js';

export interface BfdCheck {
  checker: 'BFD_CHECK';
  pos: SourcePos;
  name: string;
  /** Resolved from the real server when not set. */
  alpha: boolean;
}

type BfdDraft = Unresolved<BfdCheck>;

const bfdTable: KeywordTable<BfdDraft> = {
  name: (c, n, cx) => {
    if (n.args.length !== 1) return cx.error(n, 'BFD_CHECK - No or too many names specified - skipping checker');
    if (c.name !== undefined) return cx.error(n, `BFD_CHECK - BFD ${n.args[0]} already specified as ${c.name}`);
    // BFD_INAME_MAX - 1
    if (n.args[0]!.length >= 32) return cx.error(n, `BFD_CHECK - BFD name ${n.args[0]} too long`);
    c.name = n.args[0];
  },
  alpha: (c, n, cx) => {
    const v = readFlag(cx, n, 'alpha');
    if (v !== undefined) c.alpha = v;
  },
};

export function readBfdCheck(node: ConfNode, cx: Cx): BfdCheck | undefined {
  const c: BfdDraft = { checker: 'BFD_CHECK', pos: node.pos };
  cx.apply(c, node.block, bfdTable);
  if (c.name === undefined) {
    cx.error(node.end ?? node, 'No name has been specified for BFD_CHECKER - skipping');
    return undefined;
  }
  return c as BfdCheck;
}
