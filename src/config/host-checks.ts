/**
 * Checks that depend on the machine, as `keepalived -t` makes them after loading: interfaces that
 * do not exist, script users and groups that do not exist. Kept apart from loading so that the
 * model stays the same on every host; the host is seen through the small HostView interface.
 */
import type { Diagnostic, Severity, SourcePos } from './diagnostics.js';
import type { IpAddress, KeepalivedConfig, Script } from './model.js';
import { keywordPos } from './schema.js';

export interface HostView {
  hasInterface(name: string): boolean;
  /** A loopback interface (IFF_LOOPBACK), which VRRP cannot use; absent: not checked. */
  isLoopback?(name: string): boolean;
  hasUser(name: string): boolean;
  hasGroup(name: string): boolean;
  /** Kernel support for an LVS tunnel type (ipip, gre, gue); absent: not checked. */
  hasTunnel?(type: 'ipip' | 'gre' | 'gue'): boolean;
  /** Kernel support for ipvlan interfaces (use_ipvlan); absent: not checked. */
  hasIpvlan?(): boolean;
}

const NOTIFY_KINDS = ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_master_rx_lower_pri'] as const;

export function checkHost(config: KeepalivedConfig, host: HostView): Diagnostic[] {
  const out: Diagnostic[] = [];
  const say = (severity: Severity, pos: SourcePos | undefined, message: string) =>
    out.push(pos ? { severity, message, pos } : { severity, message });
  const warn = (pos: SourcePos | undefined, message: string) => say('warning', pos, message);
  const note = (pos: SourcePos | undefined, message: string) => say('note', pos, message);
  let missingInterface = false;
  // Interfaces of another network namespace are not this host's: Keepalived 2.2.7's -t says
  // nothing about them.
  const hereIsThere = config.net_namespace === undefined;
  const iface = (name: string | undefined, pos: SourcePos | undefined, what: string) => {
    if (name === undefined || !hereIsThere || host.hasInterface(name)) return;
    missingInterface = true;
    warn(pos, `WARNING - interface ${name} for ${what} doesn't exist`);
  };
  // Notify scripts: Keepalived 2.2.7 does not check their user at -t (newer versions do), a note.
  const script = (s: Script | undefined, what: string) => {
    if (!s?.user) return;
    // Keepalived takes the word after the command as the user: `notify_master /x.sh arg` runs as "arg".
    if (!host.hasUser(s.user)) note(s.pos, `Invalid user/group for ${what} script ${s.args[0]} - user '${s.user}' does not exist, the script will be ignored`);
    else if (s.group !== undefined && !host.hasGroup(s.group.replace(/^:/, ''))) {
      note(s.pos, `Invalid user/group for ${what} script ${s.args[0]} - group '${s.group}' does not exist, the script will be ignored`);
    }
  };
  // Indexed, no joined copy: `-t` runs without TurboFan, where each for-of allocates per element.
  const addresses = (list: readonly IpAddress[]) => {
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      if (a.dev !== undefined) iface(a.dev, a.pos, `ip address ${a.address}/${a.prefixlen}`);
    }
  };
  const known = (u: { user?: string; group?: string | undefined }) =>
    (u.user === undefined || host.hasUser(u.user)) && (u.group === undefined || host.hasGroup(u.group.replace(/^:/, '')));
  const su = config.global_defs.script_user;
  if (su && !known(su)) warn(keywordPos(config.global_defs, 'script_user'), 'Error setting global script uid/gid');

  addresses(config.static_ipaddress);
  for (const r of config.static_routes) iface(r.dev, r.pos, 'VROUTE nexthop');
  for (let n = 0; n < config.vrrp_instance.length; n++) {
    const inst = config.vrrp_instance[n]!;
    const ifPos = keywordPos(inst, 'interface') ?? inst.pos;
    if (inst.interface !== undefined && hereIsThere && host.isLoopback?.(inst.interface)) {
      // vrrp_parser.c: the interface is dropped at parse time, then the instance has none.
      warn(ifPos, `(${inst.name}) cannot use a loopback interface (${inst.interface}) for vrrp - ignoring`);
      // chk_min_cfg() stops at a missing VRID, and unicast needs no interface.
      if (inst.virtual_router_id !== 0 && inst.unicast_peer.length === 0) warn(undefined, `(${inst.name}) Unknown interface!`);
    } else iface(inst.interface, ifPos, `vrrp_instance ${inst.name}`);
    for (let k = 0; k < inst.track_interface.length; k++) {
      const t = inst.track_interface[k]!;
      if (hereIsThere && !host.hasInterface(t.name)) {
        missingInterface = true;
        warn(t.pos, `(${inst.name}) tracked interface ${t.name} doesn't exist`);
      }
    }
    addresses(inst.virtual_ipaddress);
    addresses(inst.virtual_ipaddress_excluded);
    if (inst.use_ipvlan) {
      const why = host.hasIpvlan && !host.hasIpvlan() ? 'this kernel has no ipvlan support and ' : '';
      note(inst.use_ipvlan.pos, `(${inst.name}) use_ipvlan: ${why}keepalived-ts does not create ipvlan interfaces - the instance will run on its interface itself`);
    }
    // keepalived-ts's own advice, which Keepalived has no reason to give: notes.
    for (let k = 0; k < inst.track_bfd.length; k++) {
      const t = inst.track_bfd[k]!;
      note(t.pos, `(${inst.name}) track_bfd ${t.name}: keepalived-ts runs no BFD - it will never change the instance`);
    }
    if (inst.use_vmac_addr) note(keywordPos(inst, 'use_vmac_addr') ?? inst.pos, `(${inst.name}) use_vmac_addr: keepalived-ts does not create VMACs for VIPs on other interfaces - they stay on those interfaces' own MACs`);
    for (let k = 0; k < inst.virtual_routes.length; k++) {
      const r = inst.virtual_routes[k]!;
      iface(r.dev, r.pos, 'VROUTE nexthop');
    }
    for (let k = 0; k < NOTIFY_KINDS.length; k++) {
      const kind = NOTIFY_KINDS[k]!;
      if (inst[kind]) script(inst[kind], `(${inst.name}) ${kind}`);
    }
  }
  for (const g of config.vrrp_sync_group) {
    for (const kind of ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'] as const) script(g[kind], `(${g.name}) ${kind}`);
  }
  for (const s of config.vrrp_script) {
    // Keepalived quotes each word of the command: '/bin/true' 'x'.
    if (!known(s.script)) warn(keywordPos(s, 'user') ?? s.pos, `Unable to set uid/gid for script ${s.script.args.map((a) => `'${a}'`).join(' ')}`);
  }
  // keepalived-ts forwards with nftables; lb_kind TUN needs the kernel's tunnel devices.
  if (host.hasTunnel) {
    for (let v = 0; v < config.virtual_server.length; v++) {
      const vs = config.virtual_server[v]!;
      for (let r = 0; r < vs.real_server.length; r++) {
        const rs = vs.real_server[r]!;
        const type = rs.tunnel?.type ?? 'ipip';
        if (rs.lvs_method === 'TUN' && !host.hasTunnel(type)) note(rs.pos, `real server ${rs.ip} uses lb_kind TUN (${type}), but this kernel has no ${type} tunnel support - it will not be forwarded`);
      }
    }
  }
  if (missingInterface) warn(undefined, 'Non-existent interface specified in configuration');
  return out;
}
