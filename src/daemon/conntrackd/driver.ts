/**
 * Drives conntrackd from the VRRP child (--conntrackd, KEEPALIVED_TS_CONNTRACKD): each
 * transition plan.ts maps to a role runs that role's client commands one after the other, as
 * primary-backup.sh does from a notify script. Off the takeover path: the commands start on the
 * next turn of the event loop, after the step's own actions (addresses, gratuitous ARPs, the
 * advert) are done, and nothing waits for them: each is a child process with a bound
 * (os/conntrackd.ts), and one log line per role says how each command ended.
 */
import type { Logger } from '../../base/log.js';
import type { CommandResult, CommandRunner } from '../../os/conntrackd.js';
import type { RouterAction } from '../../vrrp/router.js';
import { commandsFor, DEFAULT_COMMAND_TIMEOUT_MS, finished, request, roleFor, type ConntrackdRole, type ConntrackdSettings, type QueueState } from './plan.js';

export interface ConntrackdDeps {
  readonly log: Logger;
  readonly run: CommandRunner;
  /** Runs a callback after the current step; default setImmediate. */
  readonly defer?: (f: () => void) => void;
  readonly now?: () => number;
}

export class ConntrackdDriver {
  private queue: QueueState = {};
  /** Who asked for the role that runs next (for its log line). */
  private cause = new Map<ConntrackdRole, string>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settings: ConntrackdSettings,
    private grouped: ReadonlySet<string>,
    private readonly deps: ConntrackdDeps,
  ) {}

  /** After a reload: which instances now belong to a sync group. */
  setGrouped(grouped: ReadonlySet<string>): void {
    this.grouped = grouped;
  }

  /** Every engine action passes here; transitions that concern conntrackd queue its commands. */
  onAction(a: RouterAction): void {
    const wish = roleFor(a, this.grouped);
    if (!wish) return;
    this.cause.set(wish.role, `${wish.who} ${a.kind === 'group_transition' || a.kind === 'transition' ? a.to : ''}`);
    const r = request(this.queue, wish.role);
    this.queue = r.state;
    if (r.start) this.start(r.start);
    else this.deps.log.detail(`conntrackd: ${wish.role} waits for ${this.queue.running} to finish`);
  }

  /** Resolves when no command runs or waits (shutdown, tests). */
  idle(): Promise<void> {
    if (this.queue.running === undefined) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private start(role: ConntrackdRole): void {
    (this.deps.defer ?? setImmediate)(() => void this.runRole(role));
  }

  private async runRole(role: ConntrackdRole): Promise<void> {
    const now = this.deps.now ?? Date.now;
    const t0 = now();
    const parts: string[] = [];
    let failed = false;
    for (const argv of commandsFor(role, this.settings)) {
      const t1 = now();
      let res: CommandResult;
      try {
        res = await this.deps.run(argv, this.settings.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
      } catch (e) {
        res = { failure: (e as Error).message, output: '' };
      }
      const flag = argv[argv.length - 1]!;
      // primary-backup.sh goes on after a failed command (each step is useful alone); so do we.
      // Each command's time: -c's is how long a new master forwards before the old states are in.
      const ms = `${Math.round(now() - t1)} ms`;
      if (res.code === 0) parts.push(`${flag} ok ${ms}`);
      else {
        failed = true;
        const why = res.code !== undefined ? `exit ${res.code}` : res.failure ?? 'failed';
        parts.push(`${flag} ${why} ${ms}${res.output ? ` (${oneLine(res.output)})` : ''}`);
      }
    }
    const line = `conntrackd ${role} for ${this.cause.get(role) ?? role}: ${parts.join(', ')}; ${Math.round(now() - t0)} ms in all (${this.settings.config})`;
    if (failed) this.deps.log.error(line);
    else this.deps.log.info(line);
    const r = finished(this.queue);
    this.queue = r.state;
    if (r.start) this.start(r.start);
    else for (const w of this.idleWaiters.splice(0)) w();
  }
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}...` : t;
}

/** The instances that belong to a sync group (their group's transitions speak for them). */
export function groupedInstances(groups: readonly { readonly group: readonly string[] }[]): Set<string> {
  return new Set(groups.flatMap((g) => g.group));
}
