// Ad-hoc (not committed): smaps breakdown of the daemon's processes with 100 instances.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Daemon } from '../src/lab/daemon.js';
import { Lab } from '../src/lab/lab.js';
import { processTree } from './load-measure.js';
const repo = '/work/main';
const lab = await Lab.create({ hosts: ['node', 'peer'], segments: 2 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-memx-'));
const out = ['global_defs {', '  vrrp_version 3', '}'];
for (let i = 1; i <= 100; i++) out.push(`vrrp_instance VI_${i} {`, ' state MASTER', ' interface eth0', ` virtual_router_id ${i}`, ' priority 200', ' advert_int 0.1', ` virtual_ipaddress { ${lab.segmentAddress(1, i)}/32 }`, '}');
const d = new Daemon(lab, 'node', dir, out.join('\n'), repo, false);
await new Promise((r) => setTimeout(r, 10000));
for (const pid of processTree(d.proc.pid!)) {
  const sm = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const by = new Map<string, number>(); let name = '';
  for (const l of sm) { const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(l); if (m) name = m[1] || '[anon]'; const r = /^Rss:\s+(\d+)/.exec(l); if (r) by.set(name, (by.get(name) ?? 0) + Number(r[1])); }
  console.log(pid, fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 80));
  console.log([...by].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, k]) => `  ${(k / 1024).toFixed(1)} MB ${n}`).join('\n'));
}
await d.kill('SIGTERM'); await lab.destroy(); fs.rmSync(dir, { recursive: true, force: true });
