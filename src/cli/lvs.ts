/**
 * `keepalived-ts lvs`: the forwarding table as `ipvsadm -L -n` shows it (plus --stats, --rate,
 * --exact, --json). The services are those the checker process last installed (its state file
 * beside the checkers' pid file); connection counts come from the nftables counters (NAT: one per
 * real server's DNAT chain, packets and bytes on the forward path) and active / inactive
 * connections from conntrack (ESTABLISHED is active, as IPVS counts). DR is stateless on the
 * director: its real servers show no connection counts, as there is nothing to count them from.
 * The userspace proxy counts for itself (connections, bytes, active ones) and writes its counts
 * into the state file every second; packets it cannot know.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { DEFAULT_CHECKERS_PID_FILE, lvsStatePath } from '../daemon/pidfile.js';
import { DEFAULT_TABLES } from '../lb/dataplane/nft-rules.js';
import type { LvsState } from '../lb/dataplane/nft.js';
import { formatIpvsadm, type Counters, type Forward, type Layout, type ServiceView } from '../lb/ipvsadm-format.js';
import { connectionCounts } from '../os/conntrack.js';
import type { Out } from './config-command.js';

const run = promisify(execFile);
const FORWARD: Readonly<Record<string, Forward>> = { NAT: 'Masq', DR: 'Route', TUN: 'Tunnel' };
const zero = (): Counters => ({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });

interface Sample {
  /** Per "i_k": conns, in/out packets and bytes. */
  readonly dest: Map<string, Counters>;
  /** Per "vip|port|rs|rport": [active, inactive]. */
  readonly conns: Map<string, [number, number]>;
}

async function nftCounters(table: string): Promise<Map<string, Counters>> {
  const out = new Map<string, Counters>();
  let json: { nftables?: Array<Record<string, unknown>> };
  try {
    json = JSON.parse((await run('nft', ['-j', 'list', 'table', 'inet', table])).stdout) as typeof json;
  } catch {
    return out;
  }
  const get = (k: string) => out.get(k) ?? (out.set(k, zero()), out.get(k)!);
  for (const o of json.nftables ?? []) {
    const c = o['counter'] as { name: string; packets: number; bytes: number } | undefined;
    if (c) {
      const m = /^(in|out)_(\d+_\d+)$/.exec(c.name);
      if (!m) continue;
      const d = get(m[2]!);
      if (m[1] === 'in') {
        d.inPkts = c.packets;
        d.inBytes = c.bytes;
      } else {
        d.outPkts = c.packets;
        d.outBytes = c.bytes;
      }
    }
    const r = o['rule'] as { chain: string; expr: Array<Record<string, unknown>> } | undefined;
    const m = r && /^rs_(\d+_\d+)$/.exec(r.chain);
    if (r && m) {
      const counter = r.expr.find((e) => 'counter' in e)?.['counter'] as { packets: number } | undefined;
      if (counter) get(m[1]!).conns = counter.packets;
    }
  }
  return out;
}

/** The proxy keeps its own counts in the state file (re-read, for --rate). */
function liveSample(statePath: string, first: LvsState): Sample {
  let state = first;
  try {
    state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LvsState;
  } catch {
    // gone meanwhile: the counts of the first read
  }
  const dest = new Map<string, Counters>();
  const conns = new Map<string, [number, number]>();
  for (const svc of state.services) {
    svc.dests.forEach((d, k) => {
      const id = d.id ?? `${svc.index}_${k}`;
      const l = state.live?.[id];
      if (!l) return;
      dest.set(id, { conns: l.conns, inPkts: 0, outPkts: 0, inBytes: l.inBytes, outBytes: l.outBytes });
      conns.set(`${svc.ip}|${svc.port}|${d.ip}|${d.port}`, [l.active, l.inactive]);
    });
  }
  return { dest, conns };
}

async function sample(state: LvsState, statePath: string): Promise<Sample> {
  if (state.live) return liveSample(statePath, state);
  const [dest, conns] = await Promise.all([nftCounters(state.tables?.nat ?? DEFAULT_TABLES.nat), connectionCounts()]);
  return { dest, conns };
}

function views(state: LvsState, s: Sample, prev?: Sample, seconds = 1): ServiceView[] {
  return state.services.map((svc) => {
    const dests = svc.dests.map((d, k) => {
      const id = d.id ?? `${svc.index}_${k}`;
      const now = s.dest.get(id) ?? zero();
      const before = prev?.dest.get(id) ?? now;
      const [active, inactive] = s.conns.get(`${svc.ip}|${svc.port}|${d.ip}|${d.port}`) ?? [0, 0];
      const rate: Counters = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
      for (const f of Object.keys(rate) as (keyof Counters)[]) rate[f] = Math.max(0, (now[f] - before[f]) / seconds);
      return { address: d.ip, port: d.port, forward: FORWARD[svc.method] ?? 'Masq', weight: d.weight, activeConns: active, inactConns: inactive, stats: now, rate };
    });
    const sum = (pick: (x: (typeof dests)[number]) => Counters): Counters => {
      const t = zero();
      for (const d of dests) for (const f of Object.keys(t) as (keyof Counters)[]) t[f] += pick(d)[f];
      return t;
    };
    return {
      protocol: (svc.protocol as ServiceView['protocol']) ?? 'TCP',
      ...(svc.fwmark !== undefined ? { fwmark: svc.fwmark } : { address: svc.ip!, port: svc.port! }),
      ...(svc.family === 'inet6' || (svc.ip ?? '').includes(':') ? { ipv6: true } : {}),
      scheduler: svc.scheduler,
      ...(svc.persistence !== undefined ? { persistent: svc.persistence } : {}),
      ...(svc.granularity !== undefined ? { mask: String(svc.granularity) } : {}),
      ops: svc.ops,
      stats: sum((d) => d.stats),
      rate: sum((d) => d.rate),
      dests,
    };
  });
}

export async function runLvs(argv: readonly string[], out: Out): Promise<number> {
  let layout: Layout = 'plain';
  let json = false;
  let exact = false;
  let statePath = lvsStatePath(DEFAULT_CHECKERS_PID_FILE);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--stats') layout = 'stats';
    else if (a === '--rate') layout = 'rate';
    else if (a === '--json') json = true;
    else if (a === '--exact') exact = true;
    else if ((a === '-c' || a === '--checkers_pid') && argv[i + 1]) statePath = lvsStatePath(argv[++i]!);
    else if (a === '--state' && argv[i + 1]) statePath = argv[++i]!;
    else if (a === '-n' || a === '-L') continue;
    else {
      out.stderr(`Usage: keepalived-ts lvs [-c CHECKERS_PID_FILE | --state FILE] [--stats | --rate] [--exact] [--json]\n`);
      return 1;
    }
  }
  let state: LvsState;
  try {
    state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LvsState;
  } catch {
    out.stderr(`No forwarding table installed (${statePath} not found): is the checker process running?\n`);
    return 1;
  }
  let first = await sample(state, statePath);
  let prev: Sample | undefined;
  if (layout === 'rate') {
    prev = first;
    await new Promise((r) => setTimeout(r, 1000));
    first = await sample(state, statePath);
  }
  const v = views(state, first, prev);
  out.stdout(json ? JSON.stringify({ services: v }, null, 2) + '\n' : formatIpvsadm(v, layout, { exact }));
  return 0;
}
