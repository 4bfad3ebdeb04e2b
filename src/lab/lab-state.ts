/**
 * Where `keepalived-ts lab` keeps what it made, so that a later command (another process, maybe
 * after a crash) finds it again: the name prefix of its namespaces (KEEPALIVED_TS_LAB_PREFIX,
 * default `ktslab-`), its state directory (KEEPALIVED_TS_LAB_DIR, default /run/keepalived-ts/lab)
 * and there lab.json: namespaces, pids, paths. Tests use their own prefix and directory, so they
 * never meet a user's lab.
 *
 * The directory is root's and no symlink; lab.json is written to an exclusive temp file (O_EXCL:
 * a planted name or symlink makes the write fail, not follow) and renamed into place, so a reader
 * sees the old state or the new one, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_LAB_PREFIX = 'ktslab-';
export const DEFAULT_LAB_DIR = '/run/keepalived-ts/lab';

export interface LabPlace {
  readonly prefix: string;
  readonly dir: string;
}

export interface DaemonRecord {
  readonly pid: number;
  readonly config: string;
  readonly pidFile: string;
  readonly vrrpPidFile: string;
  readonly checkersPidFile: string;
  readonly tmpdir: string;
  readonly log: string;
  /** ADDR:PORT of its status page (--http), on its lab address. */
  readonly http: string;
}

export interface WebRecord {
  /** Undefined while stopped with `lab stop`. */
  readonly pid?: number;
  readonly log: string;
  readonly realserverState: string;
}

export interface HostRecord {
  readonly ns: string;
  readonly address: string;
  /** Its port (the veth's other end) on the switch's bridge. */
  readonly port: string;
}

export interface LabState {
  readonly version: 1;
  readonly prefix: string;
  readonly dir: string;
  readonly vip: string;
  readonly switchNs: string;
  /** Every namespace made, the switch's first. */
  readonly namespaces: readonly string[];
  readonly hosts: Readonly<Record<string, HostRecord>>;
  readonly daemons: Readonly<Record<string, DaemonRecord>>;
  readonly webs: Readonly<Record<string, WebRecord>>;
  /** Set once `up` has finished: a state without it is a lab whose `up` did not finish. */
  readonly complete?: boolean;
}

export class LabError extends Error {}

/** The prefix and directory from the environment, checked. */
export function labPlace(): LabPlace {
  const prefix = process.env['KEEPALIVED_TS_LAB_PREFIX'] || DEFAULT_LAB_PREFIX;
  // Namespace names become file names under /run/netns: letters, digits and dashes only.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/.test(prefix)) throw new LabError(`KEEPALIVED_TS_LAB_PREFIX '${prefix}': letters, digits, '-' and '_' only, 24 at most`);
  const dir = path.resolve(process.env['KEEPALIVED_TS_LAB_DIR'] || DEFAULT_LAB_DIR);
  return { prefix, dir };
}

/** Makes the state directory (0700) if needed and refuses one that is a symlink or not ours. */
export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new LabError(`${dir} is not a directory (a symlink?): refusing to use it`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new LabError(`${dir} belongs to uid ${st.uid}, not to us: refusing to use it`);
  if ((st.mode & 0o022) !== 0) throw new LabError(`${dir} is writable by others: refusing to use it`);
}

const stateFile = (dir: string) => path.join(dir, 'lab.json');

export function readState(dir: string): LabState | undefined {
  let text: string;
  try {
    const st = fs.lstatSync(stateFile(dir));
    if (!st.isFile()) throw new LabError(`${stateFile(dir)} is not a plain file: refusing to read it`);
    text = fs.readFileSync(stateFile(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const s = JSON.parse(text) as LabState;
    if (s.version !== 1) throw new Error(`version ${String(s.version)}`);
    return s;
  } catch (e) {
    throw new LabError(`${stateFile(dir)} is not a lab state (${(e as Error).message}); remove it, then run \`keepalived-ts lab down\``);
  }
}

export function writeState(dir: string, state: LabState): void {
  const tmp = path.join(dir, `.lab.json.${process.pid}.tmp`);
  // One left by a crashed writer of the same pid: unlink removes a name (a symlink itself), never what it points to.
  fs.rmSync(tmp, { force: true });
  // 'wx' is O_CREAT|O_EXCL: it never follows a symlink and never writes into someone else's file.
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(state, null, 2) + '\n');
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, stateFile(dir));
}

export function removeState(dir: string): void {
  fs.rmSync(stateFile(dir), { force: true });
}

/** Writes a new file that must not exist yet (a config), never through a symlink. */
export function writeNewFile(file: string, text: string): void {
  fs.writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
}

/**
 * Runs `fn` holding lab.lock (O_EXCL, with our pid in it): two `lab up` at once must not both
 * build, nor one's failure clean away the other's lab. A lock whose pid is gone is taken over.
 */
export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'lab.lock');
  for (let tries = 0; ; tries++) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      fs.writeFileSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw e;
      const holder = readPidFile(lock);
      if (isAlive(holder)) throw new LabError(`another \`keepalived-ts lab\` command (pid ${holder}) is changing this lab; try again when it is done`);
      fs.rmSync(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie is dead for us (its parent, the shell that started `lab up`, may not reap it).
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
