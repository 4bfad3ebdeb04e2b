/**
 * What is settled once the whole file is read (Keepalived check_data.c validate_check_config(),
 * check_api.c queue_checker(), ipwrapper.c for group references): group references, protocol,
 * scheduler and forwarding defaults, inheritance virtual_server -> real_server -> checker,
 * duplicates, sorry server, quorum/hysteresis, port agreement, and FILE_CHECK's track_file.
 *
 * Messages keep Keepalived's wording; where Keepalived has no line (it checks after parsing), we
 * report at the virtual or real server's line. Its "Warning"/"WARNING -" reports are warnings here.
 */
import type { ConfigDraft } from '../model.js';
import type { Cx } from '../schema.js';
import { checkLinkLocal, type Unresolved } from './checkers/common.js';
import { checkerKinds, isConnecting, isTimed, type Checker } from './checkers/index.js';
import type { HttpCheck } from './checkers/http.js';
import type { VirtualServer, VirtualServerDraft, VirtualServerGroup } from './lvs.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, markedPositions } from './lvs.js';
import { formatRs, formatVs } from './lvs-format.js';
import type { RealServer, RealServerDraft } from './real-server.js';
import { exactList } from '../values.js';

/** global_defs smtp_alert_checker, else smtp_alert. */
function globalSmtpAlert(draft: ConfigDraft): boolean | undefined {
  return draft.global_defs.smtp_alert_checker ?? draft.global_defs.smtp_alert;
}

export function finishLvs(draft: ConfigDraft, cx: Cx): void {
  const groups = new Map<string, VirtualServerGroup>();
  for (const g of draft.virtual_server_group) if (!groups.has(g.name)) groups.set(g.name, g);
  const kept: VirtualServer[] = [];
  for (let v = 0; v < draft.virtual_server.length; v++) {
    const vsModel = draft.virtual_server[v]!;
    const vs = vsModel as unknown as VirtualServerDraft;
    const vsg = vs.group !== undefined ? groups.get(vs.group) : undefined;
    if (vs.group !== undefined && !vsg) {
      cx.error(vs.pos, `Virtual server group ${vs.group} specified but not configured`);
      continue;
    }
    finishVirtualServer(vs, vsg, draft, cx);
    for (let r = 0; r < vs.real_server.length; r++) {
      const rs = vs.real_server[r]!;
      finishCheckers(rs as RealServer, vs as unknown as VirtualServer, draft, cx);
    }
    kept.push(vsModel);
  }
  draft.virtual_server.splice(0, draft.virtual_server.length, ...kept);
}

/** Real server keys that may be left undefined by the copy from the virtual server. */
const MAYBE_UNSET = ['retry', 'warmup', 'delay_before_retry', 'virtualhost'] as const;

function finishVirtualServer(vs: VirtualServerDraft, vsg: VirtualServerGroup | undefined, draft: ConfigDraft, cx: Cx): void {
  const name = () => formatVs(vs);
  const at = markedPositions(vs);
  const hasFwmarks = vs.fwmark !== undefined || (vsg !== undefined && vsg.fwmark.length > 0);
  if (vs.ha_suspend && hasFwmarks) {
    cx.error(at.ha_suspend ?? vs.pos, `Virtual server ${name()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.ha_suspend = false;
  }
  const byAddress = vsg ? vsg.address_range.length > 0 : vs.fwmark === undefined;
  if (byAddress) {
    if (!vs.protocol) {
      // With protocol 0 the kernel would use UDP.
      cx.error(vs.pos, `Virtual server ${name()}: no protocol set - defaulting to UDP`);
      vs.protocol = 'UDP';
    }
    if (vs.ops && vs.protocol !== 'UDP') {
      cx.error(at.ops ?? vs.pos, `Virtual server ${name()}: one packet scheduling requires UDP - resetting`);
      vs.ops = false;
    }
    if (vs.persistence_timeout === undefined && !vsg && vs.port === 0) {
      cx.error(vs.pos, `Virtual server ${name()}: zero port only valid for persistent services - setting`);
      vs.persistence_timeout = DEFAULT_PERSISTENCE_TIMEOUT;
    }
  }
  if (vs.persistence_timeout === undefined && vsg?.address_range.some((e) => e.port === 0)) {
    cx.error(vs.pos, `Virtual server ${name()}: zero port only valid for persistent services - setting`);
    vs.persistence_timeout = DEFAULT_PERSISTENCE_TIMEOUT;
  }
  if (vs.protocol && !byAddress) {
    cx.warn(at.protocol ?? vs.pos, `Virtual server ${name()}: protocol specified for fwmark - protocol will be ignored`);
    delete vs.protocol;
  }
  if (!vs.lvs_sched) {
    cx.error(vs.pos, `Virtual server ${name()}: no scheduler set, setting default 'wlc'`);
    vs.lvs_sched = 'wlc';
  }
  vs.smtp_alert ??= globalSmtpAlert(draft) ?? false;

  const defaultForwarding = () => {
    if (!vs.lvs_method) {
      cx.error(vs.pos, `Virtual server ${name()}: no forwarding method set, setting default NAT`);
      vs.lvs_method = 'NAT';
    }
    return { lvs_method: vs.lvs_method, ...(vs.tunnel ? { tunnel: { ...vs.tunnel } } : {}) };
  };

  let weightSum = 0;
  const unique: RealServerDraft[] = [];
  // ip and port of the real servers kept: a virtual server may have thousands.
  const seen = new Set<string>();
  for (let r = 0; r < vs.real_server.length; r++) {
    const rs = vs.real_server[r]!;
    const key = `${rs.ip} ${rs.port}`;
    if (seen.has(key)) {
      cx.error(rs.pos, `VS ${name()}: real server ${formatRs(rs, vs)} is duplicated - removing second rs`);
      continue;
    }
    seen.add(key);
    unique.push(rs);
    // The checkers' destination is the real server's address as written (queue_checker()),
    // before the port corrections below.
    for (let k = 0; k < rs.checkers.length; k++) {
      const c = rs.checkers[k]!;
      if (!isConnecting(c)) continue;
      const d = c as Unresolved<typeof c>;
      d.connect_ip ??= rs.ip;
      d.connect_port ??= rs.port;
    }
    if (!rs.lvs_method) Object.assign(rs, defaultForwarding());
    rs.alpha ??= vs.alpha;
    rs.inhibit_on_failure ??= vs.inhibit_on_failure;
    if (vs.retry !== undefined) rs.retry ??= vs.retry;
    rs.connect_timeout ??= vs.connect_timeout;
    rs.delay_loop ??= vs.delay_loop;
    if (vs.warmup !== undefined) rs.warmup ??= vs.warmup;
    if (vs.delay_before_retry !== undefined) rs.delay_before_retry ??= vs.delay_before_retry;
    rs.weight ??= vs.weight;
    // Keepalived's default for real servers differs from virtual servers' (backward compatibility).
    rs.smtp_alert ??= globalSmtpAlert(draft) ?? true;
    if (vs.virtualhost !== undefined) rs.virtualhost ??= vs.virtualhost;
    // Only an own property left undefined is deleted: a delete turns the object into a slow
    // dictionary-mode one, and these are the model's most numerous objects.
    for (let k = 0; k < MAYBE_UNSET.length; k++) {
      const key = MAYBE_UNSET[k]!;
      if (rs[key] === undefined && Object.hasOwn(rs, key)) delete rs[key];
    }
    weightSum += rs.weight;
    const ss = vs.sorry_server;
    if (ss && ss.ip === rs.ip && ss.port === rs.port && ss.inhibit_on_failure !== rs.inhibit_on_failure) {
      cx.error(rs.pos, `Virtual server ${name()}: real server ${formatRs(rs, vs)} matches sorry server, but inhibit setting differs, ${rs.inhibit_on_failure ? 'sett' : 'clear'}ing on sorry server`);
      ss.inhibit_on_failure = rs.inhibit_on_failure;
    }
  }
  vs.real_server = unique.length === vs.real_server.length ? vs.real_server : exactList(unique);
  if (vs.sorry_server && !vs.sorry_server.lvs_method) Object.assign(vs.sorry_server, defaultForwarding());

  if (vs.quorum > weightSum) {
    cx.warn(at.quorum ?? vs.pos, `quorum ${vs.quorum} for ${name()} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) {
    const h = Math.max(vs.quorum - 1, 0);
    cx.error(at.hysteresis ?? vs.pos, `Virtual server ${name()}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
  checkPorts(vs, vsg, cx);
}

/** Unless NAT, real and virtual server ports must agree; with fwmarks, real servers have none. */
function checkPorts(vs: VirtualServerDraft, vsg: VirtualServerGroup | undefined, cx: Cx): void {
  const name = formatVs(vs);
  const ss = vs.sorry_server;
  if (vsg) {
    if (vsg.fwmark.length > 0) {
      for (const rs of vs.real_server) {
        if (rs.lvs_method !== 'NAT' && rs.port) cx.warn(rs.pos, `fwmark virtual server ${name}, real server ${formatRs(rs, vs)} has port specified - port will be ignored`);
      }
      if (ss && ss.lvs_method !== 'NAT' && ss.port) cx.warn(ss.pos, `fwmark virtual server ${name}, sorry server has port specified - port will be ignored`);
    }
    for (const e of vsg.address_range) {
      const range = e.ip === e.ip_end ? `${e.ip},${e.port}` : `${e.ip}-${e.ip_end},${e.port}`;
      for (const rs of vs.real_server) {
        if (rs.lvs_method !== 'NAT' && rs.port && rs.port !== e.port) cx.error(rs.pos, `virtual server ${name}:[${range}] and real server ${formatRs(rs, vs)} ports don't match`);
      }
      if (ss && ss.lvs_method !== 'NAT' && ss.port && ss.port !== e.port) cx.warn(ss.pos, `virtual server ${name}, sorry server has port specified - port will be ignored`);
    }
    return;
  }
  for (let r = 0; r < vs.real_server.length; r++) {
    const rs = vs.real_server[r]!;
    if (rs.lvs_method === 'NAT') {
      if (vs.fwmark === undefined && !rs.port) rs.port = vs.port!;
    } else if (vs.fwmark !== undefined) {
      if (rs.port) {
        cx.warn(rs.pos, `fwmark virtual server ${name}, real server ${formatRs(rs, vs)} has port specified - clearing`);
        rs.port = 0;
      }
    } else if (!rs.port) rs.port = vs.port!;
    else if (rs.port !== vs.port) {
      cx.warn(rs.pos, `virtual server ${name} and real server ${formatRs(rs, vs)} ports don't match - resetting`);
      rs.port = vs.port!;
    }
  }
  if (ss && ss.lvs_method !== 'NAT') {
    if (vs.fwmark !== undefined) {
      if (ss.port) {
        cx.warn(ss.pos, `virtual server ${name}, sorry server has port specified - clearing`);
        ss.port = 0;
      }
    } else if (!ss.port) ss.port = vs.port!;
    else if (ss.port !== vs.port) {
      cx.warn(ss.pos, `virtual server ${name} and sorry server ports don't match - resetting`);
      ss.port = vs.port!;
    }
  }
}

/** The second loop of validate_check_config(): checker values from the real server. */
function finishCheckers(rs: RealServer, vs: VirtualServer, draft: ConfigDraft, cx: Cx): void {
  const kept: Checker[] = [];
  for (let k = 0; k < rs.checkers.length; k++) {
    const c = rs.checkers[k]!;
    if (c.checker === 'FILE_CHECK') {
      // check_file.c looks the name up while parsing; we allow the track_file anywhere.
      const tf = draft.track_file.find((t) => t.name === c.track_file);
      if (!tf) {
        cx.error(c.track_file_pos, `track_file ${c.track_file} not found`);
        continue;
      }
      const d = c as Partial<typeof c>;
      if (d.weight === undefined) {
        d.weight = tf.weight;
        d.reverse = tf.reverse;
      }
      kept.push(c);
      continue;
    }
    if (c.checker === 'BFD_CHECK') {
      // check_bfd.c looks the name up while parsing; we allow the bfd_instance anywhere.
      const who = `(${formatRs(rs, vs)}) BFD_CHECK`;
      if (!draft.bfd_instance.some((b) => b.name === c.name)) {
        cx.error(c.pos, `${who} - BFD ${c.name} not configured`);
        continue;
      }
      if (kept.some((k) => k.checker === 'BFD_CHECK' && k.name === c.name)) {
        cx.error(c.pos, `${who} - RS already monitoring ${c.name}`);
        continue;
      }
    }
    const d = c as Unresolved<Checker> & { alpha?: boolean };
    d.alpha ??= rs.alpha;
    if (isTimed(c)) {
      const t = c as Unresolved<typeof c>;
      const defaults = checkerKinds[c.checker].defaults!;
      t.log_all_failures ??= false;
      t.retry ??= rs.retry ?? defaults.retry;
      t.delay_loop ??= rs.delay_loop;
      t.warmup ??= rs.warmup ?? t.delay_loop;
      t.delay_before_retry ??= rs.delay_before_retry ?? (defaults.delay_before_retry || t.delay_loop);
      if (c.checker === 'MISC_CHECK' && !c.misc_timeout) (c as Unresolved<typeof c>).misc_timeout = vs.delay_loop;
    }
    if (isConnecting(c)) {
      const t = c as Unresolved<typeof c>;
      t.connect_timeout ??= rs.connect_timeout;
      if (!checkLinkLocal(cx, c.pos, c.connect_ip, c.bind_if)) continue;
    }
    if (c.checker === 'HTTP_GET' || c.checker === 'SSL_GET') resolveVirtualhost(c, rs);
    kept.push(c);
  }
  rs.checkers = kept.length === rs.checkers.length ? rs.checkers : exactList(kept);
}

/** check_http.c picks url, then checker, then real server, then virtual server virtualhost. */
function resolveVirtualhost(c: HttpCheck, rs: RealServer): void {
  if (c.virtualhost === undefined && rs.virtualhost !== undefined) c.virtualhost = rs.virtualhost;
  for (let k = 0; k < c.url.length; k++) {
    const u = c.url[k]!;
    if (u.virtualhost === undefined && c.virtualhost !== undefined) u.virtualhost = c.virtualhost;
  }
}
