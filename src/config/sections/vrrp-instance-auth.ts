/**
 * authentication { auth_type; auth_pass } of a vrrp_instance (keepalived.conf(5) "VRRP
 * instance(s)"; Keepalived vrrp/vrrp_parser.c). Keepalived 2.2.7 has no auth_hmac (it came with
 * 2.4.0): that keyword is unknown here as it is there.
 *
 * Whether the authentication survives (strict mode, VRRPv3, IPv6 with AH, no password) is
 * decided in vrrp-finish.ts, once the version and family are known.
 */
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { InstanceRaw, VrrpInstance } from './vrrp-instance-types.js';

/** VRRPv2's authentication data field is 8 bytes (RFC 2338 5.3.10). */
export const AUTH_PASS_MAX = 8;

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
