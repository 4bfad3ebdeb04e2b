/**
 * authentication { auth_type; auth_pass } and the auth_hmac extension of a vrrp_instance
 * (keepalived.conf(5) "VRRP instance(s)"; Keepalived vrrp/vrrp_parser.c).
 *
 * Whether the authentication survives (strict mode, VRRPv3, IPv6 with AH, no password) is
 * decided in vrrp-finish.ts, once the version and family are known.
 */
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import { readUnsigned } from './vrrp-instance-net.js';
import type { AuthHmac, InstanceRaw, VrrpInstance } from './vrrp-instance-types.js';

/** VRRPv2's authentication data field is 8 bytes (RFC 2338 5.3.10). */
export const AUTH_PASS_MAX = 8;
/** Key size limits of auth_hmac, in bytes (keepalived.conf(5)). */
export const HMAC_KEY_MIN = 32;
export const HMAC_KEY_MAX = 64;
export const HMAC_WINDOW_MIN = 1;
export const HMAC_WINDOW_MAX = 300;
export const HMAC_WINDOW_FLOOR = 5;

interface AuthReading {
  readonly inst: VrrpInstance;
  readonly raw: InstanceRaw;
}

const authTable: KeywordTable<AuthReading> = {
  auth_type: ({ inst, raw }, node, cx) => {
    const w = cx.str(node);
    if (w === undefined) return;
    if (w === 'AH' || w === 'PASS') raw.auth_type = w;
    else cx.error(node, `(${inst.name}) unknown authentication type '${w}'`);
  },
  auth_pass: ({ raw }, node, cx) => {
    const w = cx.str(node);
    if (w === undefined) return;
    if (w.length > AUTH_PASS_MAX) cx.warn(node, `Truncating auth_pass to ${AUTH_PASS_MAX} characters`);
    raw.auth_pass = w.slice(0, AUTH_PASS_MAX);
  },
};

export function readAuthentication(inst: VrrpInstance, raw: InstanceRaw, node: ConfNode, cx: Cx): void {
  raw.auth_pos ??= node.pos;
  cx.apply({ inst, raw }, node.block, authTable);
}

/** A key value: `hex:...` is raw bytes (blanks allowed between digits), anything else ASCII. */
function decodeKey(value: string): number[] | undefined {
  if (value.startsWith('hex:')) {
    const digits = value.slice(4).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(digits)) return undefined;
    return digits.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
  }
  return [...Buffer.from(value, 'latin1')];
}

interface HmacReading {
  readonly inst: VrrpInstance;
  readonly hmac: AuthHmac;
}

const hmacTable: KeywordTable<HmacReading> = {
  key: ({ inst, hmac }, node, cx) => {
    if (node.args.length < 2) {
      cx.error(node, `(${inst.name}) auth_hmac key needs an id and a value`);
      return;
    }
    const id = readUnsigned(node.args[0]!, 1, 255);
    if (id === undefined) {
      cx.error(node, `(${inst.name}) auth_hmac key id '${node.args[0]}' must be between 1 and 255`);
      return;
    }
    const value = node.args[1]!;
    if (value.startsWith('file:')) {
      // TODO(config fs): the model is read without touching the host; the key file is read and its
      // length checked when the daemon loads the keys.
      if (hmac.key.some((k) => k.id === id)) cx.error(node, `(${inst.name}) duplicate auth_hmac key id ${id}`);
      else hmac.key.push({ id, value: '', from_file: value.slice(5), pos: node.pos });
      return;
    }
    const bytes = decodeKey(value);
    const len = bytes?.length ?? 0;
    if (!bytes || len < HMAC_KEY_MIN || len > HMAC_KEY_MAX) {
      cx.error(node, `(${inst.name}) auth_hmac key ${id} length ${len} not in range [${HMAC_KEY_MIN}, ${HMAC_KEY_MAX}]`);
    } else if (hmac.key.some((k) => k.id === id)) {
      cx.error(node, `(${inst.name}) duplicate auth_hmac key id ${id}`);
    } else {
      hmac.key.push({ id, value: bytes.map((b) => b.toString(16).padStart(2, '0')).join(''), pos: node.pos });
    }
  },
  active_key: ({ inst, hmac }, node, cx) => {
    const id = readUnsigned(node.args[0] ?? '', 1, 255);
    if (id === undefined) cx.error(node, `(${inst.name}) auth_hmac active_key '${node.args[0] ?? ''}' must be between 1 and 255`);
    else hmac.active_key = id;
  },
  time_window: ({ inst, hmac }, node, cx) => {
    const w = readUnsigned(node.args[0] ?? '', HMAC_WINDOW_MIN, HMAC_WINDOW_MAX);
    if (w === undefined) {
      cx.error(node, `(${inst.name}) auth_hmac time_window '${node.args[0] ?? ''}' must be between ${HMAC_WINDOW_MIN} and ${HMAC_WINDOW_MAX} seconds`);
    } else hmac.time_window = w;
  },
  anti_replay: ({ inst, hmac }, node, cx) => {
    const w = node.args[0] ?? '';
    if (w === 'time' || w === 'monotonic') hmac.anti_replay = w;
    else cx.error(node, `(${inst.name}) auth_hmac anti_replay '${w}' must be time or monotonic`);
  },
  mode: ({ inst, hmac }, node, cx) => {
    const w = node.args[0] ?? '';
    if (w === 'enforce' || w === 'permissive' || w === 'receive-only') hmac.mode = w;
    else cx.error(node, `(${inst.name}) auth_hmac mode '${w}' must be enforce, permissive or receive-only`);
  },
};

/** auth_hmac { ... }: a second block adds to the first, as Keepalived keeps one per instance. */
export function readAuthHmac(inst: VrrpInstance, raw: InstanceRaw, node: ConfNode, cx: Cx): void {
  void raw;
  // time_window 0 means "derive from advert_int" until vrrp-finish.ts settles it.
  inst.auth_hmac ??= { key: [], active_key: 0, anti_replay: 'time', time_window: 0, mode: 'enforce', pos: node.pos };
  cx.apply({ inst, hmac: inst.auth_hmac }, node.block, hmacTable);
}
