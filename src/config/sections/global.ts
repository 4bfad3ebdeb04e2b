/**
 * global_defs (keepalived.conf(5) "Global definitions"; Keepalived core/global_parser.c,
 * core/global_data.c).
 *
 * The model and its defaults are in global-model.ts; the keywords are split by what they
 * configure: global-vrrp.ts, global-lvs.ts, global-notify.ts, global-process.ts. Keepalived's
 * own keyword set is the union of all four (148 keywords with the deprecated synonyms).
 */
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { globalLvsTable } from './global-lvs.js';
import type { GlobalDefs } from './global-model.js';
import { globalNotifyTable } from './global-notify.js';
import { globalProcessTable } from './global-process.js';
import { globalVrrpTable } from './global-vrrp.js';

export { GLOBAL_DEFAULTS, newGlobalDefs } from './global-model.js';
export type { GlobalDefs, LvsFlushOnStop, LvsSyncDaemon, LvsTimeouts, NotifyFifo, ScriptUser, SmtpServer } from './global-model.js';
export { formatEmailAddress } from './global-notify.js';

export const globalDefsTable: KeywordTable<GlobalDefs> = {
  ...globalProcessTable,
  ...globalNotifyTable,
  ...globalVrrpTable,
  ...globalLvsTable,
};

const KNOWN = Object.keys(globalDefsTable);

/**
 * Reads the lines of a global_defs block. An unknown keyword is reported as Keepalived does
 * ("Unknown keyword 'x'"), with the closest known keyword when there is a likely one: typos in
 * global_defs otherwise go unnoticed until the setting is missed.
 */
export function applyGlobalDefs(g: GlobalDefs, nodes: readonly ConfNode[] | undefined, cx: Cx): void {
  for (const node of nodes ?? []) {
    if (Object.prototype.hasOwnProperty.call(globalDefsTable, node.keyword)) {
      cx.apply(g, [node], globalDefsTable);
      continue;
    }
    const hint = closestKeyword(node.keyword, KNOWN);
    cx.unknown(node, hint);
  }
}

/** The known keyword nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closestKeyword(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 6));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    if (Math.abs(k.length - word.length) > limit) continue;
    const d = editDistance(word, k, bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `cap`) once every path exceeds it. */
function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * What Keepalived derives once the whole configuration is read (vrrp.c vrrp_complete_init(),
 * global_data.c init_global_data()), so that no reader sees an unset value.
 */
export function finishGlobalDefs(g: GlobalDefs): void {
  if (Number.isNaN(g.vrrp_garp_lower_prio_delay)) g.vrrp_garp_lower_prio_delay = g.vrrp_garp_master_delay;
  if (Number.isNaN(g.vrrp_garp_lower_prio_repeat)) g.vrrp_garp_lower_prio_repeat = g.vrrp_garp_master_repeat;
  if (!g.snmp_rs_stats_update_interval) g.snmp_rs_stats_update_interval = g.snmp_vs_stats_update_interval;
  if (!g.vmac_addr_prefix) g.vmac_addr_prefix = g.vmac_prefix;
}
