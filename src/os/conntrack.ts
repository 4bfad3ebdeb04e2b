/**
 * Connection counts from the kernel's connection tracking (`conntrack -L`): per virtual address
 * and real server, how many connections are established (IPVS's active) and how many are in
 * other states (inactive). What `keepalived-ts lvs` shows and what the least-connection
 * schedulers of the nftables data plane steer by.
 */
import { spawn } from 'node:child_process';

/** Key: `VIP|VPORT|RS|RPORT`; value: [active, inactive]. */
export type ConnectionCounts = Map<string, [number, number]>;

/**
 * Counts `conntrack -L` lines as they come. Run every second for the least-connection
 * schedulers, over as many lines as the director has connections: fed chunk by chunk from the
 * pipe, the checker's loop never stops for the whole list (bench/conntrack, 100,000 lines: ~68 ms
 * in all, the longest 64 KiB chunk ~1 ms, whether the states are ESTABLISHED or TIME_WAIT), and
 * a scanner with indexOf does what a regex per field did in ~150 ms.
 */
export class ConntrackCounter {
  readonly counts: ConnectionCounts = new Map();
  private rest = '';

  /** `only`: count the connections to these virtual addresses alone (as conntrack prints them). */
  constructor(private readonly only?: ReadonlySet<string>) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.rest = text;
      return;
    }
    this.rest = text.slice(last + 1);
    this.scan(text, last);
  }

  end(): ConnectionCounts {
    if (this.rest) this.scan(this.rest, this.rest.length);
    this.rest = '';
    return this.counts;
  }

  /** Counts the whole lines of text[0, limit). */
  private scan(text: string, limit: number): void {
    let pos = 0;
    let end = 0;
    // The value of the next `name` (" src=" ...) before the line's end; advances pos.
    const next = (name: string): string | undefined => {
      const i = text.indexOf(name, pos);
      if (i < 0 || i >= end) return undefined;
      const v = i + name.length;
      let e = text.indexOf(' ', v);
      if (e < 0 || e > end) e = end;
      pos = e;
      return text.slice(v, e);
    };
    for (let start = 0; start < limit; start = end + 1) {
      end = text.indexOf('\n', start);
      if (end < 0 || end > limit) end = limit;
      pos = start;
      // tcp 6 431999 ESTABLISHED src=C dst=VIP sport=.. dport=80 src=RS dst=C sport=8080 dport=..
      // (the original direction, then the reply: its source is the real server after DNAT).
      if (next(' src=') === undefined) continue;
      const tupleAt = pos;
      const vip = next(' dst=');
      if (next(' sport=') === undefined) continue;
      const vport = next(' dport=');
      const rs = next(' src=');
      if (next(' dst=') === undefined) continue;
      const rport = next(' sport=');
      if (vip === undefined || vport === undefined || rs === undefined || rport === undefined) continue;
      if (this.only && !this.only.has(vip)) continue;
      const key = `${vip}|${vport}|${rs}|${rport}`;
      let c = this.counts.get(key);
      if (!c) this.counts.set(key, (c = [0, 0]));
      // The state is looked for in this line's head only: a search on through the text would
      // cross every following line that is not ESTABLISHED (a TIME_WAIT-heavy list: quadratic).
      if (text.slice(start, tupleAt).includes(' ESTABLISHED ')) c[0]++;
      else c[1]++;
    }
  }
}

/** The counts of connections the tables translated (NAT services); empty when conntrack fails. */
export function connectionCounts(): Promise<ConnectionCounts> {
  return new Promise((resolve) => {
    const counter = new ConntrackCounter();
    // --dst-nat: the director's own connections, the health checks' among them, are none of
    // these counts' business.
    const p = spawn('conntrack', ['-L', '--dst-nat'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => counter.push(d));
    p.on('error', () => resolve(new Map()));
    p.on('close', (code) => resolve(code === 0 ? counter.end() : new Map()));
  });
}

/** How much of the table a bounded read may take. */
export interface ReadBounds {
  /** The read is abandoned (conntrack killed) after this long. */
  readonly timeoutMs: number;
  /** ... or once conntrack has written this many bytes (about 200 a connection). */
  readonly maxBytes: number;
  /** Count only the connections to these virtual addresses. */
  readonly vips?: ReadonlySet<string>;
}

/**
 * connectionCounts() within bounds, for a status request: a director with a million
 * connections must not make a scrape wait, nor the checker's loop count for seconds. Undefined
 * when a bound was reached or conntrack failed: partial counts would read as true ones.
 * `command` is for tests.
 */
export function boundedConnectionCounts(bounds: ReadBounds, command: readonly string[] = ['conntrack', '-L', '--dst-nat']): Promise<ConnectionCounts | undefined> {
  return new Promise((resolve) => {
    const counter = new ConntrackCounter(bounds.vips);
    let bytes = 0;
    let settled = false;
    const finish = (v: ConnectionCounts | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      resolve(v);
    };
    const p = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => finish(undefined), bounds.timeoutMs);
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => {
      if (settled) return;
      bytes += d.length;
      if (bytes > bounds.maxBytes) return finish(undefined);
      counter.push(d);
    });
    p.on('error', () => finish(undefined));
    p.on('close', (code) => finish(code === 0 ? counter.end() : undefined));
  });
}

/** One translated connection, as `conntrack -L --dst-nat` prints it (the -c listing of `keepalived-ts lvs`). */
export interface ConntrackEntry {
  /** tcp, udp, sctp... as conntrack names it. */
  readonly protocol: string;
  /** Seconds left. */
  readonly expires: number;
  /** TCP/SCTP state (ESTABLISHED, TIME_WAIT...); absent for UDP. */
  readonly state?: string;
  readonly client: string;
  readonly clientPort: number;
  readonly vip: string;
  readonly vport: number;
  /** The reply's source: the real server after DNAT. */
  readonly server: string;
  readonly serverPort: number;
}

/** `tcp 6 431999 ESTABLISHED src=C dst=VIP sport=.. dport=80 src=RS dst=C sport=8080 dport=.. [ASSURED] ...` */
export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 4) return undefined;
  const expires = Number(f[2]);
  if (!Number.isFinite(expires)) return undefined;
  const state = f[3] !== undefined && !f[3].includes('=') && !f[3].startsWith('[') ? f[3] : undefined;
  const values: Record<string, string[]> = {};
  for (const w of f) {
    const eq = w.indexOf('=');
    if (eq > 0) (values[w.slice(0, eq)] ??= []).push(w.slice(eq + 1));
  }
  const [client, server] = values['src'] ?? [];
  const [vip] = values['dst'] ?? [];
  const [sport, rport] = values['sport'] ?? [];
  const [dport] = values['dport'] ?? [];
  if (!client || !server || !vip || sport === undefined || rport === undefined || dport === undefined) return undefined;
  return {
    protocol: f[0]!, expires, ...(state ? { state } : {}),
    client, clientPort: Number(sport), vip, vport: Number(dport), server, serverPort: Number(rport),
  };
}

/** The connections the tables translated (DNAT): the NAT services' connection entries; empty when conntrack fails. */
export function conntrackEntries(): Promise<ConntrackEntry[]> {
  return new Promise((resolve) => {
    let text = '';
    const p = spawn('conntrack', ['-L', '--dst-nat'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => (text += d));
    p.on('error', () => resolve([]));
    p.on('close', (code) => resolve(code === 0 ? text.split('\n').flatMap((l) => parseConntrackLine(l) ?? []) : []));
  });
}

/** The UDP flows of one real server of one NAT service, as the kernel translated them. */
export interface FlowsOf {
  /** The virtual address and port (absent: a fwmark or group service, matched by the server alone). */
  readonly vip?: string;
  readonly vport?: number;
  readonly server: string;
  readonly serverPort: number;
}

/**
 * Deletes the translated UDP flows to `f.server` (`conntrack -D --dst-nat`), so that the client's
 * next datagram is scheduled afresh. UDP has no end: a client that keeps its port (a resolver,
 * syslog, RADIUS) would otherwise reach a server the pool no longer holds for as long as it keeps
 * sending; IPVS drops such packets until its entry times out (expire_nodest_conn=0) or expires it
 * on the next one (=1). Resolves whether or not anything matched; false when conntrack could not run.
 */
export function forgetUdpFlows(f: FlowsOf, timeoutMs = 10_000): Promise<boolean> {
  const v6 = f.server.includes(':');
  const args = ['-D', '--dst-nat', '-f', v6 ? 'ipv6' : 'ipv4', '-p', 'udp', '--reply-src', f.server, '--reply-port-src', String(f.serverPort)];
  if (f.vip !== undefined && f.vip.includes(':') === v6) args.push('--orig-dst', f.vip);
  if (f.vport !== undefined) args.push('--orig-port-dst', String(f.vport));
  return new Promise((resolve) => {
    const p = spawn('conntrack', args, { stdio: 'ignore' });
    // Bounded: the data plane's shutdown waits for the deletions under way.
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', () => (clearTimeout(timer), resolve(false)));
    // 1: nothing matched ("0 flow entries have been deleted"); killed: null.
    p.on('close', (code) => (clearTimeout(timer), resolve(code === 0 || code === 1)));
  });
}
