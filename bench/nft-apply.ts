/**
 * bench/nft-apply (root, by hand: `node dist/bench/nft-apply.js [--services 100] [--servers 10]`):
 * what a pool change costs the nftables data plane. In a namespace of its own, NftDataPlane
 * installs SERVICES virtual servers of SERVERS real servers each (DR with mh, and NAT with wrr),
 * then one real server of one service goes to weight 0, then comes back. Printed: the first
 * install (the whole table), each one-server change (DR: only that service's maps; NAT: its table
 * whole), and the ratio change / install, best of --runs.
 */
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config/load.js';
import { memoryConfigFs } from '../src/config/fs.js';
import { memoryLogger } from '../src/base/log.js';
import type { DrPath } from '../src/lb/dataplane/nft-match.js';
import { NftDataPlane } from '../src/lb/dataplane/nft.js';
import type { ServicePool } from '../src/lb/dataplane/types.js';
import { runNft } from '../src/os/nft.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const SERVICES = opt('--services', 100);
const SERVERS = opt('--servers', 10);
const RUNS = opt('--runs', 3);

function pools(kind: 'DR' | 'NAT'): ServicePool[] {
  const text = Array.from({ length: SERVICES }, (_, s) => {
    const rs = Array.from({ length: SERVERS }, (_, k) => `  real_server 10.${1 + (s >> 8)}.${s & 255}.${k + 1} 80 {\n    weight ${1 + (k % 3)}\n  }\n`).join('');
    return `virtual_server 10.250.${s >> 8}.${s & 255} 80 {\n  lb_algo ${kind === 'DR' ? 'mh' : 'wrr'}\n  lb_kind ${kind}\n  protocol TCP\n${rs}}\n`;
  }).join('');
  const cfg = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': text }) }).config;
  return cfg.virtual_server.map((vs, i) => ({ key: `vs${i}`, vs, entries: vs.real_server.map((r, k) => ({ ip: r.ip, port: r.port ?? 80, weight: r.weight ?? 1, server: k })) }));
}

const setWeight = (ps: ServicePool[], s: number, k: number, w: number): ServicePool[] =>
  ps.map((p, i) => (i !== s ? p : { ...p, entries: p.entries.map((e, j) => (j === k ? { ...e, weight: w } : e)) }));

async function main(): Promise<void> {
  const ns = `ktbench${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'b0', 'up']);
    for (const kind of ['DR', 'NAT'] as const) {
      const base = pools(kind);
      const paths = new Map<string, DrPath>();
      base.forEach((p, s) => p.entries.forEach((e, k) => paths.set(e.ip, { dev: 'b0', ownMac: '02:00:00:00:00:01', mac: `02:00:00:00:${(s & 255).toString(16).padStart(2, '0')}:${(k + 2).toString(16).padStart(2, '0')}` })));
      let install = Infinity;
      let change = Infinity;
      let bytesChange = 0;
      for (let run = 0; run < RUNS; run++) {
        let bytes = 0;
        const plane = new NftDataPlane({ log: memoryLogger(), run: (script) => ((bytes = script.length), runNft(script, ns)), resolve: async () => paths, refreshMs: 0 });
        let t = performance.now();
        await plane.apply(base);
        install = Math.min(install, performance.now() - t);
        for (const w of [0, 2]) {
          t = performance.now();
          await plane.apply(setWeight(base, SERVICES >> 1, 1, w));
          change = Math.min(change, performance.now() - t);
          bytesChange = bytes;
        }
        await plane.close();
      }
      console.log(`${kind} ${SERVICES} x ${SERVERS}: install ${install.toFixed(1)} ms, one server's change ${change.toFixed(1)} ms (${(bytesChange / 1024).toFixed(1)} KiB of script), ratio ${(change / install).toFixed(3)}`);
    }
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

await main();
