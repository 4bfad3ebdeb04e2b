/**
 * bfd_instance (keepalived.conf(5) "BFD CONFIGURATION"; Keepalived bfd/bfd_parser.c).
 * RFC 5880 (BFD), RFC 5881 (single hop, port 3784, TTL 255), RFC 5883 (multihop, port 4784).
 *
 * Keepalived reads each bfd_instance three times, once per process (the BFD process takes the
 * session parameters, the VRRP process `weight`, both VRRP and checker `vrrp`/`checker`); here one
 * object carries all of it.
 */
import { isIPv4 } from '../../base/ip-syntax.js';
import type { SourcePos } from '../diagnostics.js';
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { ipFamily, type Family } from '../values.js';

export interface BfdInstance {
  name: string;
  pos: SourcePos;
  /** Required: an instance without one is dropped (with an error). */
  neighbor_ip?: string;
  source_ip?: string;
  /** Milliseconds, microsecond resolution. */
  min_rx: number;
  min_tx: number;
  idle_tx: number;
  multiplier: number;
  passive: boolean;
  /** ttl / hoplimit (one setting); default 255 for IPv4 (RFC 5881 5), 64 for IPv6. */
  ttl: number;
  /** How far the received TTL may have dropped; -1 or 255 disables the check. */
  max_hops: number;
  multihop: boolean;
  /** Added to (or with `reverse`, taken from) the priority of VRRP instances tracking this. */
  weight: number;
  weight_reverse: boolean;
  /** Where state changes go; both are true unless `vrrp` or `checker` narrowed it. */
  vrrp: boolean;
  checker: boolean;
}

/** What the reader keeps while the block is open, dropped before the instance is stored. */
interface BfdDraft extends BfdInstance {
  ttlSet: boolean;
  events: Set<'vrrp' | 'checker'>;
}

/** Milliseconds with up to three decimals (Keepalived stores microseconds). */
function millis(cx: Cx, n: ConfNode, min: number, max: number, name: string): number | undefined {
  cx.noExtra(n, 1);
  const raw = cx.str(n);
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d{0,3})?$/.test(raw)) {
    cx.error(n, `${n.keyword}: invalid number '${raw}'`);
    return undefined;
  }
  const v = Number(raw);
  if (v < min || v > max) {
    cx.error(n, `BFD instance ${name} ${n.keyword} value ${raw} is not valid (must be in range [${min}-${max}]), ignoring`);
    return undefined;
  }
  return v;
}

/** 4294967 ms: Keepalived's microsecond counters are 32-bit. */
const MAX_MS = 4294967;

export const bfdTable: KeywordTable<BfdDraft> = {
  neighbor_ip: (b, n, cx) => neighbor(b, n, cx),
  neighbour_ip: (b, n, cx) => neighbor(b, n, cx),
  source_ip: (b, n, cx) => {
    cx.noExtra(n, 1);
    const raw = cx.str(n);
    if (raw === undefined) return;
    if (!ipFamily(raw)) return cx.error(n, `BFD instance ${b.name} has malformed source address ${raw}, ignoring`);
    b.source_ip = raw;
  },
  min_rx: (b, n, cx) => {
    const v = millis(cx, n, 1, MAX_MS, b.name);
    if (v !== undefined) b.min_rx = v;
  },
  min_tx: (b, n, cx) => {
    const v = millis(cx, n, 1, MAX_MS, b.name);
    if (v !== undefined) b.min_tx = v;
  },
  idle_tx: (b, n, cx) => {
    const v = millis(cx, n, 1000, MAX_MS, b.name);
    if (v !== undefined) b.idle_tx = v;
  },
  multiplier: (b, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 1, 255);
    if (v !== undefined) b.multiplier = v;
  },
  passive: (b, n, cx) => {
    cx.noExtra(n, 0);
    b.passive = true;
  },
  ttl: (b, n, cx) => ttl(b, n, cx),
  hoplimit: (b, n, cx) => ttl(b, n, cx),
  max_hops: (b, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, -1, 255);
    if (v !== undefined) b.max_hops = v;
  },
  multihop: (b, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.bool(n);
    if (v !== undefined) b.multihop = v;
  },
  weight: (b, n, cx) => {
    cx.noExtra(n, 2);
    const v = cx.int(n, -253, 253);
    if (v !== undefined) b.weight = v;
    const opt = n.args[1];
    if (opt === undefined) return;
    if (opt === 'reverse') b.weight_reverse = true;
    else cx.error(n, `BFD instance ${b.name} unknown weight option ${opt}`);
  },
  vrrp: (b, n, cx) => {
    cx.noExtra(n, 0);
    b.events.add('vrrp');
  },
  checker: (b, n, cx) => {
    cx.noExtra(n, 0);
    b.events.add('checker');
  },
};

function neighbor(b: BfdDraft, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  const raw = cx.str(n);
  if (raw === undefined) return;
  if (!ipFamily(raw)) return cx.error(n, `BFD instance ${b.name} has malformed neighbor address ${raw}, ignoring`);
  b.neighbor_ip = raw;
}

function ttl(b: BfdDraft, n: ConfNode, cx: Cx): void {
  cx.noExtra(n, 1);
  const v = cx.int(n, 1, 255);
  if (v === undefined) return;
  b.ttl = v;
  b.ttlSet = true;
}

/**
 * Reads one bfd_instance block. `existing` holds the instances read so far: Keepalived drops an
 * instance whose neighbor (and source) duplicates an earlier one.
 */
export function readBfdInstance(node: ConfNode, cx: Cx, existing: readonly BfdInstance[]): BfdInstance | undefined {
  const name = node.args[0];
  if (name === undefined) {
    cx.error(node, 'bfd_instance: missing name');
    return undefined;
  }
  cx.noExtra(node, 1);
  if (existing.some((b) => b.name === name)) {
    cx.error(node, `BFD instance ${name} already specified - ignoring`);
    return undefined;
  }
  const d: BfdDraft = {
    name,
    pos: node.pos,
    min_rx: 10,
    min_tx: 10,
    idle_tx: 1000,
    multiplier: 5,
    passive: false,
    ttl: 255,
    max_hops: 0,
    multihop: false,
    weight: 0,
    weight_reverse: false,
    vrrp: true,
    checker: true,
    ttlSet: false,
    events: new Set(),
  };
  cx.apply(d, node.block, bfdTable);

  if (d.neighbor_ip === undefined) {
    cx.error(node, `BFD instance ${name} has no neighbor address set, disabling instance`);
    return undefined;
  }
  const family: Family = isIPv4(d.neighbor_ip) ? 'inet' : 'inet6';
  if (d.source_ip !== undefined && ipFamily(d.source_ip) !== family) {
    cx.error(node, `BFD instance ${name} source address ${d.source_ip} and neighbor address ${d.neighbor_ip} are not of the same family, disabling instance`);
    return undefined;
  }
  const duplicate = existing.find((b) => b.neighbor_ip === d.neighbor_ip && b.source_ip === d.source_ip && b.multihop === d.multihop);
  if (duplicate) {
    cx.error(node, `BFD instance ${name} has duplicate neighbor address ${d.neighbor_ip}, ignoring instance`);
    return undefined;
  }
  if (!d.ttlSet) d.ttl = family === 'inet' ? 255 : 64;
  if (d.max_hops > d.ttl) {
    cx.warn(node, `BFD instance ${name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`);
    d.max_hops = d.ttl;
  }
  const { ttlSet: _t, events, ...instance } = d;
  if (events.size > 0) {
    instance.vrrp = events.has('vrrp');
    instance.checker = events.has('checker');
  }
  return instance;
}
