/**
 * How Keepalived names virtual and real servers in its messages (format_vs(), format_rs(),
 * inet_sockaddrtotrio()): `[10.0.0.1]:tcp:80`, `FWM 1`, `[GROUP]:0`.
 */

interface VsName {
  group?: string;
  fwmark?: number;
  ip?: string;
  port?: number;
  protocol?: string;
}

function trio(ip: string, protocol: string | undefined, port: number): string {
  return `[${ip}]:${protocol ? protocol.toLowerCase() : 'none'}:${port}`;
}

export function formatVs(vs: VsName): string {
  if (vs.group !== undefined) return `[${vs.group}]:0`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return trio(vs.ip ?? '', vs.protocol, vs.port ?? 0);
}

export function formatRs(rs: { ip: string; port: number }, vs: VsName): string {
  return trio(rs.ip, vs.protocol, rs.port);
}
