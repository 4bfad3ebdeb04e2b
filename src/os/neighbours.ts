/**
 * What DR forwarding needs to know about a real server: the interface it is reached through, the
 * director's MAC there, and the server's MAC from the neighbour table. A server not yet in the
 * table is nudged (one ping makes the kernel resolve it) and looked up again.
 */
import { execFile } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { promisify } from 'node:util';
import { addressBytes, readAddress } from '../base/addr.js';
import type { DrPath } from '../lb/dataplane/nft-match.js';

const run = promisify(execFile);

function canon(ip: string): string {
  if (!isIPv6(ip)) return ip;
  try {
    return readAddress(addressBytes(ip), 0, 'inet6');
  } catch {
    return ip;
  }
}

async function ipJson(args: string[], netns?: string, input?: string): Promise<unknown[]> {
  try {
    const child = run('ip', [...(netns ? ['-n', netns] : []), '-j', ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    const { stdout } = await child;
    // -batch prints one JSON array per command.
    return stdout.split('\n').filter((l) => l.trim()).flatMap((l) => JSON.parse(l) as unknown[]);
  } catch {
    return [];
  }
}

/**
 * Paths for many servers from three `ip` runs (routes in one batch, every link, every neighbour),
 * not three per server: the director re-checks them every few seconds.
 */
async function lookupAll(ips: readonly string[], netns?: string): Promise<Map<string, DrPath>> {
  const [routes, links, neighs] = await Promise.all([
    // -force: an unroutable server fails its line, not the batch.
    ipJson(['-force', '-batch', '-'], netns, ips.map((ip) => `route get ${ip}\n`).join('')),
    ipJson(['link', 'show'], netns),
    ipJson(['neigh', 'show'], netns),
  ]);
  const macOf = new Map((links as Array<{ ifname?: string; address?: string }>).map((l) => [l.ifname, l.address]));
  const neighOf = new Map((neighs as Array<{ dst?: string; dev?: string; lladdr?: string; state?: string[] }>).map((n) => [`${canon(n.dst ?? '')}%${n.dev}`, n]));
  // ip prints addresses its own way (IPv6 compressed): matched on a canonical form.
  const asked = new Map(ips.map((ip) => [canon(ip), ip]));
  const out = new Map<string, DrPath>();
  for (const r of routes as Array<{ dst?: string; dev?: string; gateway?: string }>) {
    if (!r.dst || !r.dev || r.gateway) continue; // DR needs the server on the director's own link
    const ip = asked.get(canon(r.dst));
    const ownMac = macOf.get(r.dev);
    const n = neighOf.get(`${canon(r.dst)}%${r.dev}`);
    if (ip === undefined || !ownMac || !n?.lladdr || n.state?.includes('FAILED')) continue;
    out.set(ip, { dev: r.dev, ownMac, mac: n.lladdr });
  }
  return out;
}

/** One ping makes the kernel resolve the server's MAC (and tells nothing else). */
async function nudge(ip: string, netns?: string): Promise<void> {
  const ping = ['ping', '-c', '1', '-W', '1', '-q', ip];
  try {
    await (netns ? run('ip', ['netns', 'exec', netns, ...ping]) : run(ping[0]!, ping.slice(1)));
  } catch {
    // No answer: the neighbour entry may still have been made.
  }
}

/** DR paths for `ips`; those that cannot be resolved within about half a second are absent. */
export async function resolveDrPaths(ips: readonly string[], netns?: string): Promise<Map<string, DrPath>> {
  const out = new Map<string, DrPath>();
  let missing = [...new Set(ips)];
  for (let round = 0; round < 5 && missing.length > 0; round++) {
    const found = await lookupAll(missing, netns);
    for (const [ip, p] of found) out.set(ip, p);
    missing = missing.filter((ip) => !found.has(ip));
    if (missing.length === 0) break;
    await Promise.all(missing.map((ip) => nudge(ip, netns)));
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}
