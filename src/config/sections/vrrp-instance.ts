/**
 * vrrp_instance keywords (keepalived.conf(5) "VRRP instance(s)"; Keepalived vrrp/vrrp_parser.c).
 *
 * Messages use Keepalived's wording, "(INSTANCE) ..." included, so that a user can search for
 * them. Values that depend on other keywords or sections (priority from state, version from the
 * family, strict mode, global_defs defaults, sync groups) are settled in vrrp-finish.ts.
 *
 * This is the entry point: the keyword table is put together from its groups (the election and
 * its timing, vrrp-instance-election.ts; the instance on its link and its GARP,
 * vrrp-instance-link.ts; tracking and notify, vrrp-instance-scripts.ts) and the checks that need
 * the whole block run at its end.
 */
import type { SourcePos } from '../diagnostics.js';
import type { ConfigDraft } from '../model.js';
import { byName } from '../name-index.js';
import { exactList } from '../values.js';
import { moveKeywordPositions, type Cx, type KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { instanceRaw, newVrrpInstance, type VrrpInstance } from './vrrp-instance-types.js';
import { electionKeywords } from './vrrp-instance-election.js';
import { garpKeywords, linkKeywords } from './vrrp-instance-link.js';
import type { Reading } from './vrrp-instance-reading.js';
import { scriptKeywords } from './vrrp-instance-scripts.js';

const table: KeywordTable<Reading> = { ...electionKeywords, ...linkKeywords, ...garpKeywords, ...scriptKeywords };

/** The keywords a vrrp_instance block accepts (for documentation and completion). */
export const vrrpInstanceKeywords: readonly string[] = Object.keys(table);

/**
 * Reads `vrrp_instance NAME { ... }`. `draft` is the configuration read so far: the tracked
 * scripts, files and processes an instance names must already be defined, as in Keepalived.
 */
export function readVrrpInstance(node: ConfNode, cx: Cx, draft?: ConfigDraft): VrrpInstance | undefined {
  if (node.args.length !== 1) {
    cx.error(node, 'vrrp_instance must have a name');
    return undefined;
  }
  const name = node.args[0]!;
  if (draft && byName(draft.vrrp_instance).has(name)) {
    cx.error(node, `vrrp instance ${name} already defined`);
    return undefined;
  }
  const inst = newVrrpInstance(name, node.pos);
  const r: Reading = { inst, raw: instanceRaw(inst), draft };
  cx.apply(r, node.block, table as KeywordTable<Reading>);
  moveKeywordPositions(r, inst);
  endOfBlock(r, node, cx);
  exactLists(inst);
  return inst;
}

/**
 * The instance's lists at their length: one grown by push() from empty has room for 17 entries,
 * and a file of thousands of instances kept that room (~0.25 MB of 50,000 lines' model).
 */
function exactLists(inst: VrrpInstance): void {
  inst.virtual_ipaddress = exactList(inst.virtual_ipaddress);
  inst.virtual_ipaddress_excluded = exactList(inst.virtual_ipaddress_excluded);
  inst.virtual_routes = exactList(inst.virtual_routes);
  inst.virtual_rules = exactList(inst.virtual_rules);
  inst.track_interface = exactList(inst.track_interface);
  inst.track_script = exactList(inst.track_script);
  inst.track_file = exactList(inst.track_file);
  inst.track_process = exactList(inst.track_process);
  inst.track_bfd = exactList(inst.track_bfd);
  inst.unicast_peer = exactList(inst.unicast_peer);
}

/** Keepalived's vrrp_end_handler(): checks that need the whole block. */
function endOfBlock({ inst, raw }: Reading, node: ConfNode, cx: Cx): void {
  const vmacLike = inst.use_vmac !== undefined || inst.use_ipvlan !== undefined;
  if (raw.unicast_configured && vmacLike) {
    if (inst.interface === undefined) {
      cx.error(node, `(${inst.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`);
      delete inst.use_vmac;
      delete inst.use_ipvlan;
    } else if (!inst.vmac_xmit_base) {
      cx.warn(node, `(${inst.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
      inst.vmac_xmit_base = true;
    }
  }
  if (inst.unicast_peer.length === 0 && raw.ttl !== undefined) {
    cx.error(raw.at['unicast_ttl'] ?? node.pos, `(${inst.name}): Cannot use unicast_ttl without unicast peers - resetting`);
    raw.ttl = undefined;
  }
  if (inst.interface === undefined) inst.linkbeat_use_polling = false;
}

export type { SourcePos };
