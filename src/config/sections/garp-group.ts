/**
 * garp_group: delays between gratuitous ARPs / unsolicited neighbour adverts per interface or
 * per group of interfaces behind one switch (keepalived.conf(5) "VRRP gratuitous ARP and
 * unsolicited neighbour advert delay group(s)"; Keepalived vrrp_parser.c garp_group_*).
 * Whether the interfaces exist (or are VMACs) is checked on the host, not here.
 */
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';

export interface GarpGroup {
  pos: SourcePos;
  /** Seconds (microsecond resolution). At least one of the two is present. */
  garp_interval?: number;
  gna_interval?: number;
  /** One physical interface the delays apply to. */
  interface?: string;
  /** Interfaces across which the delays are aggregated. */
  interfaces: string[];
}

interface GarpDraft extends GarpGroup {
  /** Interfaces already in an earlier garp_group. */
  taken: ReadonlySet<string>;
}

function interval(g: GarpDraft, n: ConfNode, cx: Cx, key: 'garp_interval' | 'gna_interval'): void {
  const raw = n.args[0] ?? '';
  if (!/^(\d+(\.\d{0,6})?|\.\d{1,6})$/.test(raw) || Number(raw) > 4294) {
    cx.error(n, `garp_group ${key} '${raw}' invalid`);
    return;
  }
  const v = Number(raw);
  if (v >= 1) cx.warn(n, `The ${key} is very large - ${raw} seconds`);
  g[key] = v;
}

function claim(g: GarpDraft, n: ConfNode, cx: Cx, ifname: string): boolean {
  if (g.taken.has(ifname) || g.interface === ifname || g.interfaces.includes(ifname)) {
    cx.warn(n, `garp_group already specified for ${ifname} - ignoring`);
    return false;
  }
  return true;
}

export const garpGroupTable: KeywordTable<GarpDraft> = {
  garp_interval: (g, n, cx) => interval(g, n, cx, 'garp_interval'),
  gna_interval: (g, n, cx) => interval(g, n, cx, 'gna_interval'),
  interface: (g, n, cx) => {
    const v = cx.str(n);
    if (v !== undefined && claim(g, n, cx, v)) g.interface = v;
  },
  interfaces: {
    block: 'required',
    run: (g, n, cx) => {
      const words = cx.blockWords(n);
      if (!words.length) cx.warn(n, 'Warning - empty garp_group interfaces block');
      for (const w of words) if (claim(g, n, cx, w)) g.interfaces.push(w);
    },
  },
};

export function readGarpGroup(node: ConfNode, cx: Cx, existing: readonly GarpGroup[]): GarpGroup | undefined {
  cx.noExtra(node, 0);
  const taken = new Set(existing.flatMap((g) => [...(g.interface ? [g.interface] : []), ...g.interfaces]));
  const g: GarpDraft = { pos: node.pos, interfaces: [], taken };
  cx.apply(g, node.block, garpGroupTable);
  if (g.garp_interval === undefined && g.gna_interval === undefined) {
    cx.error(node.end ?? node.pos, `garp group ${existing.length + 1} does not have any delay set - removing`);
    return undefined;
  }
  const { taken: _taken, ...out } = g;
  void _taken;
  return out;
}
