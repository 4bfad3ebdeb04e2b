/**
 * FILE_CHECK: the real server's weight follows a number read from a track_file (Keepalived
 * check_file.c). No timing or connection keywords; the track_file is looked up in lvs-finish.ts.
 */
import type { SourcePos } from '../../diagnostics.js';
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { INT_MAX } from '../lvs-values.js';

export interface FileCheck {
  checker: 'FILE_CHECK';
  pos: SourcePos;
  /** Name of a track_file block. */
  track_file: string;
  /** Where track_file was written, for the "not found" report. */
  track_file_pos: SourcePos;
  /** Multiplier for the file's value; resolved: when not set, the track_file's weight. */
  weight: number;
  reverse: boolean;
}

type FileDraft = Partial<FileCheck> & { pos: SourcePos };

const fileTable: KeywordTable<FileDraft> = {
  track_file: (c, n, cx) => {
    const name = cx.str(n);
    if (name === undefined) return;
    c.track_file = name;
    c.track_file_pos = n.pos;
  },
  weight: (c, n, cx) => {
    if (n.args.length === 0) return cx.error(n, 'track file weight missing');
    const w = cx.int(n, -INT_MAX, INT_MAX);
    if (w === undefined) return;
    const opt = n.args[1];
    if (opt !== undefined && opt !== 'reverse' && opt !== 'noreverse') {
      return cx.error(n, `unknown track file weight option ${opt} - ignoring`);
    }
    c.weight = w;
    c.reverse = opt === 'reverse';
  },
};

export function readFileCheck(node: ConfNode, cx: Cx): FileCheck | undefined {
  const c: FileDraft = { checker: 'FILE_CHECK', pos: node.pos };
  cx.apply(c, node.block, fileTable);
  if (c.track_file === undefined) {
    cx.error(node.end ?? node, 'FILE_CHECK has no track_file specified - ignoring');
    return undefined;
  }
  return c as FileCheck;
}
