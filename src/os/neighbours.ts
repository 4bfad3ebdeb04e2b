/**
 * What DR forwarding needs to know about a real server: the interface it is reached through, the
 * director's MAC there, and the server's MAC from the neighbour table. A server not yet in the
 * table is nudged (a datagram to its discard port makes the kernel resolve it) and looked up again.
 */
import { execFile } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { promisify } from 'node:util';
import type { DrPath } from '../lb/dataplane/nft-match.js';

const run = promisify(execFile);

async function ipJson(args: string[], netns?: string): Promise<unknown[]> {
  try {
    const { stdout } = await run('ip', [...(netns ? ['-n', netns] : []), '-j', ...args]);
    return JSON.parse(stdout || '[]') as unknown[];
  } catch {
    return [];
  }
}

async function lookup(ip: string, netns?: string): Promise<DrPath | undefined> {
  const fam = isIPv6(ip) ? '-6' : '-4';
  const route = (await ipJson([fam, 'route', 'get', ip], netns))[0] as { dev?: string; gateway?: string } | undefined;
  if (!route?.dev || route.gateway) return undefined; // DR needs the server on the director's own link
  const link = (await ipJson(['link', 'show', 'dev', route.dev], netns))[0] as { address?: string } | undefined;
  const neigh = (await ipJson([fam, 'neigh', 'show', 'to', ip, 'dev', route.dev], netns))[0] as { lladdr?: string; state?: string[] } | undefined;
  if (!link?.address || !neigh?.lladdr || neigh.state?.includes('FAILED')) return undefined;
  return { dev: route.dev, ownMac: link.address, mac: neigh.lladdr };
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
    const found = await Promise.all(missing.map(async (ip) => [ip, await lookup(ip, netns)] as const));
    for (const [ip, p] of found) if (p) out.set(ip, p);
    missing = found.filter(([, p]) => !p).map(([ip]) => ip);
    if (missing.length === 0) break;
    await Promise.all(missing.map((ip) => nudge(ip, netns)));
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}
