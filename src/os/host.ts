/**
 * The running machine as the configuration checks see it: network interfaces (in this network
 * namespace) and the user and group databases.
 */
import * as fs from 'node:fs';
import type { HostView } from '../config/host-checks.js';

function names(file: string): Set<string> {
  try {
    return new Set(fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(':')[0]!).filter((n) => n !== ''));
  } catch {
    return new Set();
  }
}

/** Seconds since boot (/proc/uptime's first field); undefined if unreadable. */
export function uptimeSeconds(): number | undefined {
  try {
    const v = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const IFF_LOOPBACK = 0x8;

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

export function localHost(): HostView {
  let users: Set<string> | undefined;
  let groups: Set<string> | undefined;
  return {
    hasInterface: (name) => fs.existsSync(`/sys/class/net/${name}`) && !name.includes('/'),
    isLoopback: (name) => !name.includes('/') && (Number(readOr(`/sys/class/net/${name}/flags`, '0')) & IFF_LOOPBACK) !== 0,
    hasUser: (name) => (users ??= names('/etc/passwd')).has(name) || /^\d+$/.test(name),
    hasGroup: (name) => (groups ??= names('/etc/group')).has(name) || /^\d+$/.test(name),
    // A tunnel module that is loaded (or built in) shows under /sys/module.
    // ipvlan is a module (or built in: then the kind is known to `ip link`, which we do not ask).
    hasIpvlan: () => fs.existsSync('/sys/module/ipvlan'),
    hasTunnel: (type) => fs.existsSync(`/sys/module/${type === 'gre' ? 'ip_gre' : type === 'gue' ? 'fou' : 'ipip'}`),
  };
}

/**
 * Whether a link is up and running now (IFF_UP and IFF_RUNNING in /sys/class/net/NAME/flags, as
 * Keepalived's link checks read them); undefined for a link that does not exist.
 */
export function linkUp(ifname: string): boolean | undefined {
  if (ifname.includes('/')) return undefined;
  try {
    const flags = parseInt(fs.readFileSync(`/sys/class/net/${ifname}/flags`, 'utf8'), 16);
    return (flags & 0x1) !== 0 && (flags & 0x40) !== 0;
  } catch {
    return undefined;
  }
}
