/**
 * Reaping orphans when keepalived-ts is PID 1 of a PID namespace (how containers run Keepalived).
 * The kernel re-parents every orphan in the namespace to PID 1: a daemon a notify script started
 * in the background, whatever a MISC_CHECK left behind. Node reaps only the children it started
 * itself (libuv waits for each of its children by pid), so an orphan that dies stays a zombie for
 * ever, and a zombie still matches `killall -0 NAME` / pidof: a check for a dead server never fails.
 *
 * Why not waitpid(-1, WNOHANG): it would also take the exit status of Node's own children (the
 * VRRP and Healthcheck processes) before libuv's waitpid(pid) sees it, and the supervisor would
 * never hear that a child died. Why not a tiny init in front of us (tini, dumb-init): one more
 * process to ship and to forward signals through, and `-P` users expect keepalived-ts itself to
 * be PID 1, as Keepalived is. So: on SIGCHLD (and every few seconds, should signals coalesce while
 * a sweep runs), /proc is read for zombies whose parent is this process and that are not one of
 * Node's children (`isOwnChild`, the pids the caller forked and has not yet seen exit), and each is
 * reaped with waitpid(pid, WNOHANG). Node's own children are left to libuv, whose SIGCHLD handler
 * collects them by pid. The /proc read must see this namespace's processes (unshare --mount-proc,
 * or a container's own /proc).
 */
import koffi from 'koffi';
import * as fs from 'node:fs';

const lib = koffi.load('libc.so.6');
const waitpid = lib.func('int waitpid(int pid, _Out_ int *status, int options)');
const WNOHANG = 1;
const BACKSTOP_MS = 5000;

export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  /** The state letter of /proc/PID/stat: 'Z' for a zombie. */
  readonly state: string;
}

/** /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcEntry | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const [state, ppid] = text.slice(close + 2).split(' ');
  if (!Number.isInteger(pid) || state === undefined || ppid === undefined) return undefined;
  return { pid, ppid: Number(ppid), state };
}

/** Zombies whose parent is `parent`, from `procDir`. */
export function zombieChildren(parent: number, procDir = '/proc'): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(procDir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`${procDir}/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    const e = parseStat(text);
    if (e && e.state === 'Z' && e.ppid === parent) out.push(e.pid);
  }
  return out;
}

export interface OrphanReaper {
  /** Reaps what is there now; returns the pids reaped. */
  sweep(): number[];
  stop(): void;
}

export function startOrphanReaper(opts: { readonly isOwnChild: (pid: number) => boolean; readonly log?: (m: string) => void }): OrphanReaper {
  const status = [0];
  const sweep = () => {
    const reaped: number[] = [];
    for (const pid of zombieChildren(process.pid)) {
      if (opts.isOwnChild(pid)) continue;
      if ((waitpid(pid, status, WNOHANG) as number) === pid) reaped.push(pid);
    }
    if (reaped.length > 0) opts.log?.(`Reaped orphaned process${reaped.length > 1 ? 'es' : ''} ${reaped.join(', ')}`);
    return reaped;
  };
  const onChild = () => void sweep();
  process.on('SIGCHLD', onChild);
  const backstop = setInterval(sweep, BACKSTOP_MS);
  backstop.unref();
  sweep();
  return {
    sweep,
    stop() {
      process.off('SIGCHLD', onChild);
      clearInterval(backstop);
    },
  };
}
