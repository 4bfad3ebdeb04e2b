/**
 * Connection counts from the kernel's connection tracking (`conntrack -L`): per virtual address
 * and real server, how many connections are established (IPVS's active) and how many are in
 * other states (inactive). What `keepalived-ts lvs` shows and what the least-connection
 * schedulers of the nftables data plane steer by.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Key: `VIP|VPORT|RS|RPORT`; value: [active, inactive]. */
export type ConnectionCounts = Map<string, [number, number]>;

export function parseConntrack(text: string): ConnectionCounts {
  const out: ConnectionCounts = new Map();
  for (const line of text.split('\n')) {
    // tcp 6 431999 ESTABLISHED src=C dst=VIP sport=.. dport=80 src=RS dst=C sport=8080 dport=..
    const f = [...line.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((m) => m[2]!);
    if (f.length < 8) continue;
    const key = `${f[1]}|${f[3]}|${f[4]}|${f[6]}`;
    const c = out.get(key) ?? [0, 0];
    if (/\bESTABLISHED\b/.test(line)) c[0]++;
    else c[1]++;
    out.set(key, c);
  }
  return out;
}

export async function connectionCounts(): Promise<ConnectionCounts> {
  try {
    return parseConntrack((await run('conntrack', ['-L'], { maxBuffer: 64 * 1024 * 1024 })).stdout);
  } catch {
    return new Map();
  }
}
