/**
 * `keepalived-ts status [-p PIDFILE] [--json] [--follow]`: asks the running daemon over its
 * control socket (the pid file's path with .sock for .pid) what it is doing, and prints it for a
 * human, or as the JSON /api/status serves; --follow streams events as JSON lines until ^C.
 */
import * as net from 'node:net';
import { DEFAULT_PID_FILE } from '../daemon/pidfile.js';
import type { DaemonStatus } from '../daemon/status/model.js';
import { controlSocketPath } from '../daemon/status/server.js';
import type { Out } from './config-command.js';

export async function runStatus(argv: readonly string[], out: Out): Promise<number> {
  let pidFile = DEFAULT_PID_FILE;
  let json = false;
  let follow = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--follow' || a === '-F') follow = true;
    else if (a === '-p' || a === '--pid') pidFile = argv[++i] ?? pidFile;
    else if (a.startsWith('--pid=')) pidFile = a.slice(6);
    else {
      out.stderr(`keepalived-ts status: unexpected argument '${a}'\nusage: keepalived-ts status [-p PIDFILE] [--json] [--follow]\n`);
      return 2;
    }
  }
  const path = controlSocketPath(pidFile);
  let sock: net.Socket;
  try {
    sock = await connect(path);
  } catch (e) {
    out.stderr(`keepalived-ts status: no daemon answers on ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is keepalived-ts running with -p ${pidFile}?\n`);
    return 1;
  }
  sock.write(follow ? 'follow\n' : 'status\n');
  let buf = '';
  return new Promise((resolve) => {
    sock.on('data', (b) => {
      buf += b.toString('utf8');
      if (!follow) return;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) out.stdout(l + '\n');
    });
    sock.on('error', (e) => {
      out.stderr(`keepalived-ts status: ${e.message}\n`);
      resolve(1);
    });
    sock.on('end', () => {
      if (follow) return resolve(0);
      try {
        const s = JSON.parse(buf) as DaemonStatus & { error?: string };
        if (s.error) {
          out.stderr(`keepalived-ts status: ${s.error}\n`);
          return resolve(1);
        }
        out.stdout(json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
        resolve(0);
      } catch {
        out.stderr('keepalived-ts status: the daemon sent no status\n');
        resolve(1);
      }
    });
  });
}

function connect(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path, () => resolve(s));
    s.once('error', reject);
  });
}

/** The status for a human: instances, then virtual servers, one line each plus details. */
export function formatStatus(s: DaemonStatus): string {
  const out: string[] = [`${s.version}, pid ${s.pid}, up since ${s.startedAt}, children: ${s.children.join(', ') || 'none'}`];
  for (const c of s.unanswered ?? []) out.push(`${c} child: no answer in time - its part is missing below`);
  const instances = s.vrrp?.instances ?? [];
  if (instances.length > 0) out.push('', 'VRRP instances');
  for (const i of instances) {
    const prio = i.effectivePriority === i.priority ? `priority ${i.priority}` : `priority ${i.priority} (effective ${i.effectivePriority})`;
    out.push(`  ${i.name}  ${i.state}  ${prio}  ${i.interface} vrid ${i.vrid} v${i.version}${i.master ? `  master ${i.master}` : ''}`);
    if (i.vips.length > 0) out.push(`    VIPs: ${i.vips.join(' ')}`);
    for (const t of i.tracked) out.push(`    tracked ${t.kind} ${t.name} (weight ${t.weight}): ${t.state}`);
    for (const t of i.transitions.slice(-3)) out.push(`    ${t.at}  ${t.from} -> ${t.to}  (${t.reason})`);
  }
  const vss = s.lvs?.virtualServers ?? [];
  if (vss.length > 0) out.push('', 'Virtual servers');
  for (const v of vss) {
    const sched = v.schedulerInForce === v.scheduler ? v.scheduler : `${v.scheduler} (runs ${v.schedulerInForce})`;
    out.push(`  ${v.name}  ${v.kind}  ${sched}  quorum ${v.quorumUp ? 'up' : 'lost'}`);
    for (const r of v.realServers) {
      const conns = r.activeConns !== undefined ? `  active ${r.activeConns} inactive ${r.inactiveConns ?? 0}` : '';
      const last = r.lastCheck ? `  last check ${r.lastCheck.ok ? 'ok' : `failed (${r.lastCheck.reason})`} ${r.lastCheck.latencyMs} ms` : '';
      out.push(`    -> ${r.address}:${r.port}  ${r.alive ? 'up' : 'DOWN'}  weight ${r.weight}${conns}${last}`);
    }
  }
  return out.join('\n') + '\n';
}
