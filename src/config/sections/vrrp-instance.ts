/**
 * vrrp_instance keywords (keepalived.conf(5) "VRRP instance(s)"; Keepalived vrrp/vrrp_parser.c).
 *
 * Messages use Keepalived's wording, "(INSTANCE) ..." included, so that a user can search for
 * them. Values that depend on other keywords or sections (priority from state, version from the
 * family, strict mode, global_defs defaults, sync groups) are settled in vrrp-finish.ts.
 */
import type { SourcePos } from '../diagnostics.js';
import type { ConfigDraft } from '../model.js';
import { moveKeywordPositions, parseBool, parseInteger, type Cx, type KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readScript, type Script } from '../values.js';
import { readRouteLine, readRuleLine } from './ip.js';
import { readMcastDstIp, readSourceIp, readUnicastPeers, readUnsigned, readUseIpvlan, readUseVmac, readVips } from './vrrp-instance-net.js';
import { readTrackInterfaces, readTrackObjects, trackTargets } from './vrrp-instance-track.js';
import { instanceRaw, newVrrpInstance, type InstanceRaw, type VrrpInstance } from './vrrp-instance-types.js';
import { readAuthentication } from './vrrp-instance-auth.js';

/** The draft as read so far: Keepalived resolves tracked names against what precedes them. */
interface Reading {
  readonly inst: VrrpInstance;
  readonly raw: InstanceRaw;
  readonly draft: ConfigDraft | undefined;
}

type H = (r: Reading, node: ConfNode, cx: Cx) => void;

/**
 * Keepalived's optional <BOOL> argument (check_true_false): none means true; an invalid word is
 * reported with `message` and leaves the setting alone.
 */
export function optBool(node: ConfNode, cx: Cx, message: (word: string) => string): boolean | undefined {
  const w = node.args[0];
  if (w === undefined) return true;
  const v = parseBool(w);
  if (v === undefined) cx.error(node, message(w));
  return v;
}

/**
 * Keepalived's read_decimal_unsigned_strvec(): a non-negative decimal with up to `digits`
 * decimals, as an integer count of 10^-digits units. Extra decimals are rounded (with a warning).
 */
export function readDecimalUnits(node: ConfNode, cx: Cx, digits: number, index = 0): number | undefined {
  const raw = node.args[index];
  if (raw === undefined) return undefined;
  const m = /^(\d*)(?:\.(\d*))?$/.exec(raw);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  let frac = m[2] ?? '';
  let roundUp = false;
  if (frac.length > digits) {
    cx.warn(node, `number '${raw}' has too many decimal places`);
    roundUp = frac[digits]! >= '5';
    frac = frac.slice(0, digits);
  }
  return Number(m[1] || '0') * 10 ** digits + Number(frac.padEnd(digits, '0')) + (roundUp ? 1 : 0);
}

function need(node: ConfNode, cx: Cx): string | undefined {
  return cx.str(node);
}

/** notify_* (one script each; a second one is reported and ignored). */
function notifyHandler(key: 'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify' | 'notify_master_rx_lower_pri'): H {
  return ({ inst }, node, cx) => {
    if (inst[key]) {
      cx.error(node, `(${inst.name}) ${key === 'notify' ? 'notify' : key} script already specified - ignoring ${node.args[0] ?? ''}`);
      return;
    }
    const s = readScript(cx, node);
    if (s) inst[key] = s;
  };
}

function flag(set: (r: Reading) => void): H {
  return (r, node, cx) => {
    cx.noExtra(node, 0);
    set(r);
  };
}

/** A <BOOL> keyword whose message is "(INST) invalid KEYWORD X specified". */
function boolInto(set: (r: Reading, v: boolean) => void): H {
  return (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) invalid ${node.keyword} ${w} specified`);
    if (v !== undefined) set(r, v);
  };
}

/** An unsigned keyword read as Keepalived reads it, with its own message when invalid. */
function uintInto(min: number, max: number, message: (r: Reading, word: string) => string, set: (r: Reading, v: number) => void): H {
  return (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    const v = readUnsigned(w, min, max);
    if (v === undefined) cx.error(node, message(r, w));
    else set(r, v);
  };
}

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

function trackObjects(kind: 'script' | 'file' | 'process' | 'bfd', key: 'track_script' | 'track_file' | 'track_process' | 'track_bfd'): H {
  return ({ inst, draft }, node, cx) => readTrackObjects(inst.name, kind, node, cx, trackTargets(draft, kind), inst[key]);
}

const block = 'required' as const;

const table: KeywordTable<Reading> = {
  state: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    if (w === 'MASTER') r.raw.state = 'MASTER';
    else if (w === 'BACKUP') {
      if (r.raw.state === 'MASTER') cx.error(node, `(${r.inst.name}) state previously set as MASTER - ignoring BACKUP`);
      else r.raw.state = 'BACKUP';
    } else {
      cx.error(node, `(${r.inst.name}) unknown state '${w}', defaulting to BACKUP`);
      r.raw.state = 'BACKUP';
    }
    r.raw.at['state'] = node.pos;
  },
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
  dont_track_primary: flag((r) => void (r.inst.dont_track_primary = true)),
  track_interface: { block, run: (r, node, cx) => readTrackInterfaces(r.inst.name, node, cx, r.inst.track_interface) },
  track_script: { block, run: trackObjects('script', 'track_script') },
  track_file: { block, run: trackObjects('file', 'track_file') },
  track_process: { block, run: trackObjects('process', 'track_process') },
  track_bfd: { block, run: trackObjects('bfd', 'track_bfd') },
  mcast_src_ip: (r, node, cx) => readSourceIp(r.inst, node, cx, 'mcast_src_ip'),
  unicast_src_ip: (r, node, cx) => {
    r.raw.unicast_configured = true;
    readSourceIp(r.inst, node, cx, 'unicast_src_ip');
  },
  mcast_dst_ip: (r, node, cx) => readMcastDstIp(r.inst, node, cx),
  track_src_ip: flag((r) => void (r.inst.track_src_ip = true)),
  virtual_router_id: (r, node, cx) => {
    uintInto(1, 255, (rr, w) => `(${rr.inst.name}): VRID '${w}' not valid - must be between 1 & 255`, (rr, v) => {
      rr.inst.virtual_router_id = v;
      rr.raw.at['virtual_router_id'] = node.pos;
    })(r, node, cx);
  },
  unicast_ttl: (r, node, cx) => {
    uintInto(0, 255, (rr, w) => `(${rr.inst.name}): TTL '${w}' not valid - must be between 0 & 255`, (rr, v) => {
      rr.raw.ttl = v;
      rr.raw.at['unicast_ttl'] = node.pos;
    })(r, node, cx);
  },
  version: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    const v = parseInteger(w);
    if (v !== 2 && v !== 3) {
      cx.error(node, `(${r.inst.name}): Version must be either 2 or 3`);
      return;
    }
    if ((r.raw.version !== undefined && r.raw.version !== v) || (v === 2 && r.raw.family === 'inet6')) {
      cx.error(node, `(${r.inst.name}) vrrp_version ${v} conflicts with configured or deduced version ${r.raw.version ?? 0}; ignoring.`);
      return;
    }
    r.raw.version = v;
  },
  priority: (r, node, cx) => {
    const w = need(node, cx);
    if (w === undefined) return;
    const v = readUnsigned(w, 1, 255);
    r.raw.at['priority'] = node.pos;
    if (v === undefined) {
      cx.error(node, `(${r.inst.name}) Priority not valid! must be between 1 & 255. Using default 100`);
      r.raw.priority = 100;
    } else r.raw.priority = v;
  },
  advert_int: (r, node, cx) => {
    if (need(node, cx) === undefined) return;
    const us = readDecimalUnits(node, cx, 6);
    // Keepalived's range is [0.01, 255] seconds.
    if (us === undefined || us < 10_000 || us > 255_000_000) {
      cx.error(node, `(${r.inst.name}) Advert interval (${node.args[0]}) not valid! Must be > 0 - ignoring`);
      return;
    }
    r.raw.advert_int_us = us;
    r.raw.at['advert_int'] = node.pos;
  },
  virtual_ipaddress: { block, run: (r, node, cx) => readVips(r.inst, node, cx, false) },
  virtual_ipaddress_excluded: { block, run: (r, node, cx) => readVips(r.inst, node, cx, true) },
  no_virtual_ipaddress: flag((r) => void (r.inst.no_virtual_ipaddress = true)),
  promote_secondaries: flag((r) => void (r.inst.promote_secondaries = true)),
  linkbeat_use_polling: (r, node, cx) => {
    cx.warn(node, `(${r.inst.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
    r.inst.linkbeat_use_polling = true;
  },
  v3_checksum_as_v2: boolInto((r, v) => void (r.raw.v3_checksum_as_v2 = v)),
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
  skip_check_adv_addr: boolInto((r, v) => {
    // Keepalived sets the flag for any valid word, even "off" (vrrp_parser.c); we mirror it.
    void v;
    r.raw.skip_check_adv_addr = true;
  }),
  strict_mode: boolInto((r, v) => void (r.raw.strict_mode = v)),
  preempt: flag((r) => void (r.inst.nopreempt = false)),
  nopreempt: (r, node, cx) => {
    cx.noExtra(node, 0);
    r.inst.nopreempt = true;
    r.raw.at['nopreempt'] = node.pos;
  },
  preempt_delay: (r, node, cx) => {
    if (need(node, cx) === undefined) return;
    const us = readDecimalUnits(node, cx, 6);
    if (us === undefined || us > 1000 * 1_000_000) {
      cx.error(node, `(${r.inst.name}) Preempt_delay not valid! must be between 0-1000`);
      r.inst.preempt_delay = 0;
      return;
    }
    r.inst.preempt_delay = us / 1_000_000;
    r.raw.at['preempt_delay'] = node.pos;
  },
  debug: uintInto(0, 4, (r, w) => `(${r.inst.name}) Debug value '${w}' not valid; must be between 0-4`, (r, v) => void (r.inst.debug = v)),
  notify_backup: notifyHandler('notify_backup'),
  notify_master: notifyHandler('notify_master'),
  notify_fault: notifyHandler('notify_fault'),
  notify_stop: notifyHandler('notify_stop'),
  notify: notifyHandler('notify'),
  notify_master_rx_lower_pri: notifyHandler('notify_master_rx_lower_pri'),
  notify_deleted: ({ inst }, node, cx) => {
    if (inst.notify_deleted) {
      cx.error(node, `(${inst.name}) notify_deleted already specified - ignoring ${node.args[0] ?? ''}`);
      return;
    }
    if (node.args.length > 0) {
      const s: Script | undefined = readScript(cx, node);
      if (s) inst.notify_deleted_script = s;
    }
    inst.notify_deleted = true;
  },
  smtp_alert: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `Invalid vrrp_instance smtp_alert parameter ${w}`);
    if (v !== undefined) r.raw.smtp_alert = v;
  },
  notify_priority_changes: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) Invalid value '${w}' for notify_priority_changes specified`);
    if (v !== undefined) r.raw.notify_priority_changes = v;
  },
  lvs_sync_daemon_interface: (r, node, cx) => {
    cx.warn(node, `(${r.inst.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`);
    const w = need(node, cx);
    if (w !== undefined) r.inst.lvs_sync_daemon_interface = w;
  },
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
  down_timer_adverts: (r, node, cx) => {
    uintInto(1, 100, (rr, w) => `(${rr.inst.name}): Invalid down_timer_adverts [1:100] '${w}'`, (rr, v) => {
      rr.raw.down_timer_adverts = v;
      rr.raw.at['down_timer_adverts'] = node.pos;
    })(r, node, cx);
  },
  timer_expired_backup: (r, node, cx) => timerExpiredBackup(r, node, cx),
  thread_timer_expired: (r, node, cx) => {
    cx.warn(node, `(${r.inst.name}) thread_timer_expired - please replace with keyword 'timer_expired_backup'`);
    timerExpiredBackup(r, node, cx);
  },
  garp_extra_if: (r, node, cx) => garpExtraIf(r, node, cx),
  vmac_garp_intvl: (r, node, cx) => {
    cx.warn(node, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
    garpExtraIf(r, node, cx);
  },
  lower_prio_no_advert: boolInto((r, v) => void (r.raw.lower_prio_no_advert = v)),
  higher_prio_send_advert: boolInto((r, v) => void (r.raw.higher_prio_send_advert = v)),
  owner_ignore_adverts: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) invalid ${node.keyword} ${w} specified`);
    if (v !== undefined) {
      r.raw.owner_ignore_adverts = v;
      r.raw.at['owner_ignore_adverts'] = node.pos;
    }
  },
  kernel_rx_buf_size: (r, node, cx) => {
    const v = node.args.length === 1 ? readUnsigned(node.args[0]!, 0, 0xffffffff) : undefined;
    if (v === undefined) cx.error(node, `(${r.inst.name}) invalid kernel_rx_buf_size specified`);
    else r.inst.kernel_rx_buf_size = v;
  },
  authentication: { block, run: (r, node, cx) => readAuthentication(r.inst, r.raw, node, cx) },
};

function timerExpiredBackup(r: Reading, node: ConfNode, cx: Cx): void {
  let v = 254;
  const w = node.args[0];
  if (w !== undefined) {
    const n = readUnsigned(w, 1, 254);
    if (n === undefined) {
      cx.error(node, `(${r.inst.name}) timer_expired_backup highest_other_priority not valid! must be between 1 & 254`);
      return;
    }
    v = n;
  }
  r.inst.timer_expired_backup = v;
  r.raw.at['timer_expired_backup'] = node.pos;
}

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
  if (draft?.vrrp_instance.some((i) => i.name === name)) {
    cx.error(node, `vrrp instance ${name} already defined`);
    return undefined;
  }
  const inst = newVrrpInstance(name, node.pos);
  const r: Reading = { inst, raw: instanceRaw(inst), draft };
  cx.apply(r, node.block, table as KeywordTable<Reading>);
  moveKeywordPositions(r, inst);
  endOfBlock(r, node, cx);
  return inst;
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
