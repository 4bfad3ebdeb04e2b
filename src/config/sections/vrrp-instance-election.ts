/**
 * vrrp_instance keywords of the election and its timing: state, VRID, version, priority,
 * advert_int, preemption, the adverts a master sends or ignores, authentication (RFC 5798 6.1 and
 * Keepalived vrrp/vrrp_parser.c). What depends on other keywords is settled in vrrp-finish.ts.
 */
import { parseInteger, type Cx, type KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readAuthentication } from './vrrp-instance-auth.js';
import { readUnsigned } from './vrrp-instance-net.js';
import { block, boolInto, flag, need, optBool, readDecimalUnits, uintInto, type Reading } from './vrrp-instance-reading.js';

export const electionKeywords: KeywordTable<Reading> = {
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
  virtual_router_id: (r, node, cx) => {
    uintInto(1, 255, (rr, w) => `(${rr.inst.name}): VRID '${w}' not valid - must be between 1 & 255`, (rr, v) => {
      rr.inst.virtual_router_id = v;
      rr.raw.at['virtual_router_id'] = node.pos;
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
  v3_checksum_as_v2: boolInto((r, v) => void (r.raw.v3_checksum_as_v2 = v)),
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
  lower_prio_no_advert: boolInto((r, v) => void (r.raw.lower_prio_no_advert = v)),
  higher_prio_send_advert: boolInto((r, v) => void (r.raw.higher_prio_send_advert = v)),
  owner_ignore_adverts: (r, node, cx) => {
    const v = optBool(node, cx, (w) => `(${r.inst.name}) invalid ${node.keyword} ${w} specified`);
    if (v !== undefined) {
      r.raw.owner_ignore_adverts = v;
      r.raw.at['owner_ignore_adverts'] = node.pos;
    }
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
