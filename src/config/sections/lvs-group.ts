/**
 * virtual_server_group (keepalived.conf(5) "Virtual server group(s)"; Keepalived check_parser.c
 * vsg_handler(), alloc_vsg_entry() in check_data.c).
 *
 * Each line is `<IPADDR>[-END|/LEN] [<PORT>]` or `fwmark <INT> [inet|inet6]`. A range becomes its
 * first and last address: `10.0.0.5-10`, `10.0.0.250-10.0.1.10`, `10.0.2.8/29`.
 */
import { isIPv4, isIPv6 } from '../../base/ip-syntax.js';
import type { SourcePos } from '../diagnostics.js';
import { parseInteger, type Cx } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { Family } from '../values.js';
import { bigIntToIp, ipToBigInt, parseServerAddress, UINT_MAX } from './lvs-values.js';

export interface VsgAddressRange {
  pos: SourcePos;
  /** First address of the range (the address itself when there is no range). */
  ip: string;
  /** Last address of the range, inclusive. */
  ip_end: string;
  /** 0: no port (only valid for persistent services). */
  port: number;
  family: Family;
}

export interface VsgFwmark {
  pos: SourcePos;
  fwmark: number;
  /** Only for groups whose real servers are all tunnelled. */
  family?: Family;
}

export interface VirtualServerGroup {
  name: string;
  pos: SourcePos;
  address_range: VsgAddressRange[];
  fwmark: VsgFwmark[];
}

function readFwmarkEntry(g: VirtualServerGroup, n: ConfNode, cx: Cx): VsgFwmark | undefined {
  const raw = n.args[0] ?? '';
  const v = parseInteger(raw);
  if (v === undefined || v < 0 || v > UINT_MAX) {
    cx.error(n, `(${g.name}): fwmark '${raw}' must be in [0, ${UINT_MAX}] - ignoring`);
    return undefined;
  }
  const fam = n.args[1];
  if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') {
    cx.error(n, `(${g.name}): fwmark '${v}' family ${fam} unknown - ignoring`);
    return undefined;
  }
  return { pos: n.pos, fwmark: v, ...(fam ? { family: fam } : {}) };
}

function readAddressEntry(n: ConfNode, cx: Cx): VsgAddressRange | undefined {
  const text = n.keyword;
  const portRaw = n.args[0];
  const addr = parseServerAddress(text, portRaw);
  if (!addr) {
    cx.error(n, `Invalid virtual server group IP address ${text}${portRaw !== undefined ? `/port ${portRaw}` : ''} - skipping`);
    return undefined;
  }
  const { family, port } = addr;
  const bits = family === 'inet' ? 32n : 128n;
  const start = ipToBigInt(addr.ip, family);
  let end = start;
  const slash = text.indexOf('/');
  const dash = text.indexOf('-');
  if (slash >= 0) {
    const len = /^\d+$/.test(text.slice(slash + 1)) ? BigInt(text.slice(slash + 1)) : -1n;
    if (len <= 0n || len > bits) {
      cx.error(n, `Invalid netmask - ${text} - skipping`);
      return undefined;
    }
    const host = (1n << (bits - len)) - 1n;
    if (start & host) {
      cx.error(n, `Address mask bits not empty - ${text} - skipping`);
      return undefined;
    }
    end = start | host;
  } else if (dash >= 0) {
    const tail = text.slice(dash + 1);
    if (family === 'inet' ? tail.includes('.') : tail.includes(':')) {
      // A full end address.
      const endFamily: Family | undefined = isIPv4(tail) ? 'inet' : isIPv6(tail) ? 'inet6' : undefined;
      if (!endFamily) {
        cx.error(n, `Invalid range end ${text} - skipping`);
        return undefined;
      }
      if (endFamily !== family) {
        cx.error(n, `Range address families do not match ${text} - skipping`);
        return undefined;
      }
      end = ipToBigInt(tail, family);
      if (end < start) {
        cx.error(n, `Address range end is less than address range start - ${text} - skipping`);
        return undefined;
      }
    } else {
      // The last byte (IPv4, decimal) or last 16-bit group (IPv6, hex) of the end.
      const m = family === 'inet' ? /^\d+/.exec(tail) : /^[0-9a-fA-F]+/.exec(tail);
      const last = m ? parseInt(m[0], family === 'inet' ? 10 : 16) : 0;
      if (!m || m[0].length < tail.length) {
        // An error under `keepalived -t` (the entry is dropped); a warning when it runs.
        cx.error(n, `Virtual server group range '${text}' has extra characters at end '${tail.slice(m?.[0].length ?? 0)}'`);
        return undefined;
      }
      const width = family === 'inet' ? 8n : 16n;
      const max = family === 'inet' ? 255 : 0xffff;
      if (last > max) {
        cx.error(n, `Virtual server group range '${text}' end '${tail}' too large`);
        return undefined;
      }
      const mask = (1n << width) - 1n;
      if ((start & mask) >= BigInt(last)) {
        cx.error(n, `Address range end is not greater than address range start - ${text} - skipping`);
        return undefined;
      }
      end = (start & ~mask) | BigInt(last);
    }
  }
  return { pos: n.pos, ip: addr.ip, ip_end: bigIntToIp(end, family), port, family };
}

export function readVirtualServerGroup(node: ConfNode, cx: Cx): VirtualServerGroup | undefined {
  const name = cx.str(node);
  if (name === undefined) return undefined;
  const g: VirtualServerGroup = { name, pos: node.pos, address_range: [], fwmark: [] };
  for (const line of node.block ?? []) {
    if (line.block) cx.error(line, `${line.keyword}: unexpected '{' in virtual_server_group ${name}`);
    if (line.keyword === 'fwmark') {
      const e = readFwmarkEntry(g, line, cx);
      if (e) g.fwmark.push(e);
    } else {
      const e = readAddressEntry(line, cx);
      if (e) g.address_range.push(e);
    }
  }
  if (g.address_range.length === 0 && g.fwmark.length === 0) {
    cx.error(node.end ?? node, `virtual server group ${name} has no entries - removing`);
    return undefined;
  }
  const v4 = g.address_range.some((e) => e.family === 'inet') || g.fwmark.some((e) => e.family === 'inet');
  const v6 = g.address_range.some((e) => e.family === 'inet6') || g.fwmark.some((e) => e.family === 'inet6');
  if (v4 && v6 && g.fwmark.some((e) => !e.family)) {
    cx.error(node.end ?? node, `virtual server group ${name} cannot have IPv4, IPv6 and fwmark without family - removing`);
    return undefined;
  }
  return g;
}
