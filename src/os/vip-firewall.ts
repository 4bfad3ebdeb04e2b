/**
 * accept / no_accept (RFC 5798 6.1 Accept_Mode; Keepalived's vrrp_strict defaults to no_accept):
 * a master that does not accept drops traffic addressed to its virtual addresses, as
 * Keepalived's vrrp_nftables.c sets it up (facts, not code):
 *
 *   table ip <nftables|keepalived> {
 *     set vips { type ipv4_addr; }
 *     chain in  { type filter hook input  priority <nftables_priority, -1>; policy accept;
 *                 ip daddr @vips drop }
 *     chain out { type filter hook output priority <same>; policy accept;
 *                 ip saddr @vips drop }
 *   }
 * and the same in `table ip6`, where neighbour solicitations and advertisements are accepted
 * first (Keepalived's "neighbor-discovery" set), so the VIP stays resolvable. The address owner
 * (priority 255) always accepts.
 *
 * One difference: Keepalived adds a VIP to the set when the instance becomes master and takes
 * it out when it stops being master. Here the set holds the VIPs for the daemon's whole life.
 * The effect is the same - the input hook only sees traffic for addresses this host holds, and
 * only a master holds them - and the takeover does not wait for an nft process (~5 ms).
 *
 * The table is the daemon's own: replaced whole at start and reload (one atomic nft script,
 * which also clears a crashed run's leftovers) and deleted at stop.
 */
import { runNft } from './nft.js';

export interface VipFirewallSpec {
  /** global_defs nftables (default 'keepalived'). */
  readonly table: string;
  /** nftables_priority. */
  readonly priority: number;
  /** nftables_counters: count what the rules drop. */
  readonly counters: boolean;
  readonly inet: readonly string[];
  readonly inet6: readonly string[];
}

const FAMILIES = [['ip', 'inet'], ['ip6', 'inet6']] as const;

function quote(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`bad nftables table name '${name}'`);
  return name;
}

/** The nft script that replaces the table(s) with `spec` (no table for a family without VIPs). */
export function vipFirewallScript(spec: VipFirewallSpec): string {
  const t = quote(spec.table);
  const c = spec.counters ? 'counter ' : '';
  const lines: string[] = [];
  for (const [fam, key] of FAMILIES) {
    // "add" then "delete" removes a table whether or not it existed, in the same transaction.
    lines.push(`add table ${fam} ${t}`, `delete table ${fam} ${t}`);
    const addrs = [...new Set(spec[key])];
    if (addrs.length === 0) continue;
    const type = fam === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
    const nd = fam === 'ip6' ? `    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n` : '';
    lines.push(
      `table ${fam} ${t} {`,
      `  set vips { type ${type}; elements = { ${addrs.join(', ')} } }`,
      `  chain in {\n    type filter hook input priority ${spec.priority}; policy accept;\n${nd}    ${fam} daddr @vips ${c}drop\n  }`,
      `  chain out {\n    type filter hook output priority ${spec.priority}; policy accept;\n${nd}    ${fam} saddr @vips ${c}drop\n  }`,
      `}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The script that deletes the table(s), present or not. */
export function vipFirewallRemoveScript(table: string): string {
  const t = quote(table);
  return FAMILIES.map(([fam]) => `add table ${fam} ${t}\ndelete table ${fam} ${t}\n`).join('');
}

export interface VipFirewall {
  /** Replaces the daemon's table with `spec`. */
  install(spec: VipFirewallSpec): Promise<void>;
  /** Deletes it. */
  remove(table: string): Promise<void>;
}

export function nftVipFirewall(run: (script: string) => Promise<void> = (s) => runNft(s)): VipFirewall {
  return {
    install: (spec) => run(vipFirewallScript(spec)),
    remove: (table) => run(vipFirewallRemoveScript(table)),
  };
}
