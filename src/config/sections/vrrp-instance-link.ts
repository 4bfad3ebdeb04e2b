/**
 * vrrp_instance keywords of the instance on its link: interface, VRF, use_vmac / use_ipvlan,
 * unicast, source and destination addresses, VIPs, virtual routes and rules, accept mode, and the
 * gratuitous ARP / NA that announce the addresses (Keepalived vrrp/vrrp_parser.c). The address
 * readers themselves are vrrp-instance-net.ts's.
 */
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readRouteLine, readRuleLine } from './ip.js';
import { readMcastDstIp, readSourceIp, readUnicastPeers, readUnsigned, readUseIpvlan, readUseVmac, readVips } from './vrrp-instance-net.js';
import { block, flag, need, uintInto, type H, type Reading } from './vrrp-instance-reading.js';

export const linkKeywords: KeywordTable<Reading> = {
  interface: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    if (w.length >= 16) {
      cx.error(node, `Interface name '${w}' too long - ignoring`);
      return;
    }
    r.inst.interface = w;
  },
  vrf: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    if (w.length >= 16) cx.error(node, `(${r.inst.name}) VRF interface name '${w}' too long - ignoring`);
    else if (r.inst.interface !== undefined) cx.error(node, `(${r.inst.name}) Cannot specify VRF interface and interface - ignoring`);
    else if (r.inst.vrf !== undefined) cx.error(node, `(${r.inst.name}) VRF interface already specified as '${r.inst.vrf}' - ignoring`);
    else r.inst.vrf = w;
  },
  use_vmac: (r, node, cx) => readUseVmac(r.inst, node, cx, r.draft?.vrrp_instance ?? []),
  use_vmac_addr: flag((r) => void (r.inst.use_vmac_addr = true)),
  vmac_xmit_base: flag((r) => void (r.inst.vmac_xmit_base = true)),
  use_ipvlan: (r, node, cx) => readUseIpvlan(r.inst, node, cx, r.draft?.vrrp_instance ?? []),
  unicast_peer: { block, run: (r, node, cx) => readUnicastPeers(r.inst, node, cx) },
  unicast_fault_no_peer: flag((r) => {
    r.raw.unicast_configured = true;
    r.inst.unicast_fault_no_peer = true;
  }),
  check_unicast_src: flag((r) => {
    r.raw.unicast_configured = true;
    r.raw.check_unicast_src = true;
  }),
  old_unicast_checksum: (r, node, cx) => {
    r.raw.unicast_configured = true;
    const w = node.args[0];
    if (w === undefined) r.inst.old_unicast_checksum = 'config';
    else if (w === 'never') r.inst.old_unicast_checksum = 'never';
    else cx.error(node, `(${r.inst.name}) Unknown old_unicast_chksum mode ${w} - ignoring`);
  },
  native_ipv6: (r, node, cx) => {
    if (r.raw.family === 'inet') {
      cx.error(node, `(${r.inst.name}) Cannot specify native_ipv6 with IPv4 addresses`);
      return;
    }
    r.raw.family = 'inet6';
    r.raw.version = 3;
    r.inst.native_ipv6 = true;
  },
  mcast_src_ip: (r, node, cx) => readSourceIp(r.inst, node, cx, 'mcast_src_ip'),
  unicast_src_ip: (r, node, cx) => {
    r.raw.unicast_configured = true;
    readSourceIp(r.inst, node, cx, 'unicast_src_ip');
  },
  mcast_dst_ip: (r, node, cx) => readMcastDstIp(r.inst, node, cx),
  track_src_ip: flag((r) => void (r.inst.track_src_ip = true)),
  unicast_ttl: (r, node, cx) => {
    uintInto(0, 255, (rr, w) => `(${rr.inst.name}): TTL '${w}' not valid - must be between 0 & 255`, (rr, v) => {
      rr.raw.ttl = v;
      rr.raw.at['unicast_ttl'] = node.pos;
    })(r, node, cx);
  },
  virtual_ipaddress: { block, run: (r, node, cx) => readVips(r.inst, node, cx, false) },
  virtual_ipaddress_excluded: { block, run: (r, node, cx) => readVips(r.inst, node, cx, true) },
  no_virtual_ipaddress: flag((r) => void (r.inst.no_virtual_ipaddress = true)),
  promote_secondaries: flag((r) => void (r.inst.promote_secondaries = true)),
  linkbeat_use_polling: (r, node, cx) => {
    cx.warn(node, `(${r.inst.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
    r.inst.linkbeat_use_polling = true;
  },
  virtual_routes: {
    block,
    run: (r, node, cx) => {
      for (const l of node.block ?? []) {
        const x = readRouteLine(l, cx);
        if (x) r.inst.virtual_routes.push(x);
      }
    },
  },
  virtual_rules: {
    block,
    run: (r, node, cx) => {
      for (const l of node.block ?? []) {
        const x = readRuleLine(l, cx);
        if (x) r.inst.virtual_rules.push(x);
      }
    },
  },
  accept: flag((r) => void (r.raw.accept = true)),
  no_accept: flag((r) => void (r.raw.accept = false)),
  lvs_sync_daemon_interface: (r, node, cx) => {
    cx.warn(node, `(${r.inst.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`);
    const w = need(node, cx);
    if (w !== undefined) r.inst.lvs_sync_daemon_interface = w;
  },
  kernel_rx_buf_size: (r, node, cx) => {
    const v = node.args.length === 1 ? readUnsigned(node.args[0]!, 0, 0xffffffff) : undefined;
    if (v === undefined) cx.error(node, `(${r.inst.name}) invalid kernel_rx_buf_size specified`);
    else r.inst.kernel_rx_buf_size = v;
  },
};

function garpRepeat(key: 'garp_master_repeat' | 'garp_master_refresh_repeat'): H {
  return (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    let v = readUnsigned(w, 0, 0xffffffff);
    if (v === undefined) {
      cx.error(node, `(${r.inst.name}): ${key} '${w}' invalid - ignoring`);
      return;
    }
    // Keepalived still accepts 0 (pre v2.0.7 configs) but means 1.
    if (v === 0) {
      cx.warn(node, `(${r.inst.name}): ${key} must be greater than 0, setting to 1`);
      v = 1;
    }
    r.raw[key] = v;
  };
}

export const garpKeywords: KeywordTable<Reading> = {
  garp_master_delay: uintInto(0, Math.floor(0xffffffff / 1_000_000), (r, w) => `(${r.inst.name}): garp_master_delay '${w}' invalid - ignoring`, (r, v) => {
    r.raw.garp_master_delay = v;
  }),
  garp_master_refresh: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    const v = readUnsigned(w, 0, 0xffffffff);
    if (v === undefined) cx.error(node, `(${r.inst.name}): Invalid garp_master_refresh '${w}' - ignoring`);
    // Keepalived turns refreshing off when the value is invalid.
    r.raw.garp_master_refresh = v ?? 0;
  },
  garp_master_repeat: garpRepeat('garp_master_repeat'),
  garp_master_refresh_repeat: garpRepeat('garp_master_refresh_repeat'),
  garp_lower_prio_delay: (r, node, cx) => {
    uintInto(0, Math.floor(0xffffffff / 1_000_000), (rr, w) => `(${rr.inst.name}): garp_lower_prio_delay '${w}' invalid - ignoring`, (rr, v) => {
      rr.raw.garp_lower_prio_delay = v;
      rr.raw.at['garp_lower_prio_delay'] = node.pos;
    })(r, node, cx);
  },
  garp_lower_prio_repeat: (r, node, cx) => {
    uintInto(0, 0x7fffffff, (rr, w) => `(${rr.inst.name}): Invalid garp_lower_prio_repeat '${w}'`, (rr, v) => {
      rr.raw.garp_lower_prio_repeat = v;
      rr.raw.at['garp_lower_prio_repeat'] = node.pos;
    })(r, node, cx);
  },
  garp_extra_if: (r, node, cx) => garpExtraIf(r, node, cx),
  vmac_garp_intvl: (r, node, cx) => {
    cx.warn(node, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
    garpExtraIf(r, node, cx);
  },
};

function garpExtraIf(r: Reading, node: ConfNode, cx: Cx): void {
  let interval: number | undefined;
  let all = false;
  for (const w of node.args) {
    if (w === 'all') all = true;
    else {
      const n = readUnsigned(w, 0, 86400);
      if (n === undefined) {
        cx.error(node, `(${r.inst.name}): ${node.keyword} '${w}' invalid - ignoring`);
        return;
      }
      interval = n;
    }
  }
  if (interval === undefined) {
    cx.error(node, `(${r.inst.name}): ${node.keyword} specified without time - ignoring`);
    return;
  }
  r.inst.garp_extra_if = { interval, all };
}
