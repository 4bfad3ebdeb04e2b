/**
 * Checks that depend on the machine, as `keepalived -t` makes them after loading: interfaces that
 * do not exist, script users and groups that do not exist. Kept apart from loading so that the
 * model stays the same on every host; the host is seen through the small HostView interface.
 */
import type { Diagnostic, SourcePos } from './diagnostics.js';
import type { KeepalivedConfig, Script } from './model.js';
import { keywordPos } from './schema.js';

export interface HostView {
  hasInterface(name: string): boolean;
  hasUser(name: string): boolean;
  hasGroup(name: string): boolean;
  /** Kernel support for an LVS tunnel type (ipip, gre, gue); absent: not checked. */
  hasTunnel?(type: 'ipip' | 'gre' | 'gue'): boolean;
  /** Kernel support for ipvlan interfaces (use_ipvlan); absent: not checked. */
  hasIpvlan?(): boolean;
}

export function checkHost(config: KeepalivedConfig, host: HostView): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn = (pos: SourcePos | undefined, message: string) =>
    out.push(pos ? { severity: 'warning', message, pos } : { severity: 'warning', message });
  let missingInterface = false;
  const iface = (name: string | undefined, pos: SourcePos | undefined, what: string) => {
    if (name === undefined || host.hasInterface(name)) return;
    missingInterface = true;
    warn(pos, `WARNING - interface ${name} for ${what} doesn't exist`);
  };
  const script = (s: Script | undefined, what: string) => {
    if (!s?.user) return;
    // Keepalived takes the word after the command as the user: `notify_master /x.sh arg` runs as "arg".
    if (!host.hasUser(s.user)) warn(s.pos, `Invalid user/group for ${what} script ${s.args[0]} - user '${s.user}' does not exist, the script will be ignored`);
    else if (s.group !== undefined && !host.hasGroup(s.group.replace(/^:/, ''))) {
      warn(s.pos, `Invalid user/group for ${what} script ${s.args[0]} - group '${s.group}' does not exist, the script will be ignored`);
    }
  };

  for (const a of config.static_ipaddress) iface(a.dev, a.pos, `ip address ${a.address}/${a.prefixlen}`);
  for (const r of config.static_routes) iface(r.dev, r.pos, 'VROUTE');
  for (const inst of config.vrrp_instance) {
    iface(inst.interface, keywordPos(inst, 'interface') ?? inst.pos, `vrrp_instance ${inst.name}`);
    for (const t of inst.track_interface) {
      if (!host.hasInterface(t.name)) {
        missingInterface = true;
        warn(t.pos, `(${inst.name}) tracked interface ${t.name} doesn't exist`);
      }
    }
    for (const a of [...inst.virtual_ipaddress, ...inst.virtual_ipaddress_excluded]) iface(a.dev, a.pos, `ip address ${a.address}/${a.prefixlen}`);
    if (inst.use_ipvlan) {
      const why = host.hasIpvlan && !host.hasIpvlan() ? 'this kernel has no ipvlan support and ' : '';
      warn(inst.use_ipvlan.pos, `(${inst.name}) use_ipvlan: ${why}keepalived-ts does not create ipvlan interfaces - the instance will run on its interface itself`);
    }
    for (const t of inst.track_bfd) warn(t.pos, `(${inst.name}) track_bfd ${t.name}: keepalived-ts runs no BFD - it will never change the instance`);
    if (inst.use_vmac_addr) warn(keywordPos(inst, 'use_vmac_addr') ?? inst.pos, `(${inst.name}) use_vmac_addr: keepalived-ts does not create VMACs for VIPs on other interfaces - they stay on those interfaces' own MACs`);
    for (const r of inst.virtual_routes) iface(r.dev, r.pos, 'VROUTE');
    for (const kind of ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_master_rx_lower_pri'] as const) {
      script(inst[kind], `(${inst.name}) ${kind}`);
    }
  }
  for (const g of config.vrrp_sync_group) {
    for (const kind of ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'] as const) script(g[kind], `(${g.name}) ${kind}`);
  }
  for (const s of config.vrrp_script) script(s.script, `vrrp_script ${s.name}`);
  // keepalived-ts forwards with nftables; lb_kind TUN needs the kernel's tunnel devices.
  if (host.hasTunnel) {
    for (const vs of config.virtual_server) {
      for (const rs of vs.real_server) {
        const type = rs.tunnel?.type ?? 'ipip';
        if (rs.lvs_method === 'TUN' && !host.hasTunnel(type)) warn(rs.pos, `real server ${rs.ip} uses lb_kind TUN (${type}), but this kernel has no ${type} tunnel support - it will not be forwarded`);
      }
    }
  }
  if (missingInterface) warn(undefined, 'Non-existent interface specified in configuration');
  return out;
}
