/**
 * The NAT pair's client (nat-pair.ts): an http-peer --hold process in the lab's client host,
 * holding COUNT keep-alive connections to each of PORTS, asked again on cue. `first` records who
 * answered each connection when it opened; round() says, per port, how many connections the
 * same server answered again on the same socket, and how the others ended.
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './daemon.js';
import type { Lab } from './lab.js';

/** Per port: how many connections kept their server, and how the others ended. */
export interface ServiceOutcome {
  readonly kept: number;
  readonly broken: number;
  /** A connection answered by another server than before (a data plane that moved it). */
  readonly moved: number;
  readonly errors: readonly string[];
}

export class HoldClient {
  private readonly lines: string[] = [];
  first: Record<string, string[]> = {};

  private constructor(private readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (l) => this.lines.push(l));
  }

  /** Opens the connections, one after the other, and records who answered each. */
  static async open(lab: Lab, repo: string, host: string, vip: string, ports: readonly string[], count: number): Promise<HoldClient> {
    const c = new HoldClient(lab.spawn(host, process.execPath, [path.join(repo, 'dist/src/lab/http-peer.js'), '--hold', vip, ports.join(','), String(count)]));
    c.first = await c.nextLine(30_000);
    return c;
  }

  private async nextLine(timeoutMs: number): Promise<Record<string, string[]>> {
    const seen = this.lines.length;
    await waitFor(() => this.lines.length > seen || this.proc.exitCode !== null, timeoutMs, 'the client\'s answers');
    const line = this.lines[seen];
    if (line === undefined) throw new Error(`the client exited ${this.proc.exitCode}`);
    return (JSON.parse(line) as { got: Record<string, string[]> }).got;
  }

  /** One more request on every connection, in the order asked for (http-peer --hold); the outcome per port. */
  async round(order: 'reverse' | 'forward' | 'shuffle'): Promise<Record<string, ServiceOutcome>> {
    this.proc.stdin!.write(`${order}\n`);
    const got = await this.nextLine(60_000);
    return Object.fromEntries(Object.entries(got).map(([port, answers]) => {
      const before = this.first[port] ?? [];
      const errors = answers.filter((a) => a.startsWith('error'));
      const moved = answers.filter((a, i) => !a.startsWith('error') && a !== before[i]).length;
      return [port, { kept: answers.filter((a, i) => a === before[i]).length, broken: errors.length + moved, moved, errors }];
    }));
  }
}
