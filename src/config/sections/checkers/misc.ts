/**
 * MISC_CHECK: run a script; exit 0 is up (Keepalived check_misc.c). No connection options; retry
 * defaults to 0.
 */
import type { Cx, KeywordTable } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { splitQuoted, type Script } from '../../values.js';
import { timingTable, type CheckerDefaults, type CheckerTiming, type Unresolved } from './common.js';

export interface MiscCheck extends CheckerTiming {
  checker: 'MISC_CHECK';
  /** The command line; `user` sets its user and group. */
  misc_path: Script;
  /** Seconds; resolved: when not set (or 0), the virtual server's delay_loop (check_misc.c). */
  misc_timeout: number;
  misc_dynamic: boolean;
}

export const miscDefaults: CheckerDefaults = { retry: 0, delay_before_retry: 1 };

type MiscDraft = Unresolved<MiscCheck> & { user?: { user: string; group?: string } };

const miscTable: KeywordTable<MiscDraft> = {
  ...timingTable,
  misc_path: (c, n, cx) => {
    // set_script_params_array(): only the second word (quoted as a whole) is the command line;
    // words after it are ignored, unlike notify scripts where they name the user.
    const words = splitQuoted(n.text, false);
    const command = words[1];
    const args = command === undefined ? [] : splitQuoted(command, true);
    if (args.length === 0) return cx.error(n, 'misc_path: missing script');
    if (words.length > 2) cx.warn(n, `misc_path: ignoring '${words.slice(2).join(' ')}' - quote the whole command line to pass arguments`);
    c.misc_path = { args, pos: n.pos };
  },
  misc_timeout: (c, n, cx) => {
    const v = cx.int(n, 0, 4294);
    if (v !== undefined) c.misc_timeout = v;
  },
  misc_dynamic: (c) => {
    c.misc_dynamic = true;
  },
  user: (c, n, cx) => {
    const user = n.args[0];
    if (user === undefined) return cx.error(n, 'No user specified for misc checker script');
    // `user name [:][group]` or `user name:group`
    const rest = n.args.slice(1).join(' ').replace(/^:\s*/, '');
    const [u, g] = user.includes(':') ? [user.slice(0, user.indexOf(':')), user.slice(user.indexOf(':') + 1)] : [user, rest];
    c.user = { user: u!, ...(g ? { group: g } : {}) };
  },
};

export function readMiscCheck(node: ConfNode, cx: Cx): MiscCheck | undefined {
  const c: MiscDraft = { checker: 'MISC_CHECK', pos: node.pos, misc_dynamic: false };
  cx.apply(c, node.block, miscTable);
  if (!c.misc_path) {
    cx.error(node.end ?? node, 'No script path has been specified for MISC_CHECKER - skipping');
    return undefined;
  }
  const { user, ...check } = c;
  if (user) check.misc_path = { ...check.misc_path!, user: user.user, ...(user.group ? { group: user.group } : {}) };
  return check as MiscCheck;
}
