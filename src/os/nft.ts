/**
 * Running nft: a whole script through stdin in one process, which nft applies as one atomic
 * transaction (all of it or none of it). The only place that spawns nft.
 */
import { spawn } from 'node:child_process';

export function runNft(script: string, netns?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, args] = netns ? ['ip', ['netns', 'exec', netns, 'nft', '-f', '-']] : ['nft', ['-f', '-']];
    const child = spawn(cmd, args as string[], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft: ${err.trim() || `exit ${code}`}`))));
    child.stdin.end(script);
  });
}

/** `nft -j list table FAMILY NAME` parsed, or undefined when the table does not exist. */
export function listTable(family: string, name: string): Promise<unknown> {
  return new Promise((resolve) => {
    const child = spawn('nft', ['-j', 'list', 'table', family, name], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      try {
        resolve(code === 0 ? JSON.parse(out) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
