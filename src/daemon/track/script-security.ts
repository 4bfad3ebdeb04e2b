/**
 * enable_script_security, as Keepalived checks it (notify.c check_script_secure, check_security,
 * find_path, is_executable). Pure over an injected file system, so the rules are tested with a
 * fake stat and the daemon passes nodeSecurityFs (security-fs.ts).
 *
 * A script needs protecting when it runs as root (uid 0 or gid 0) or is set-uid/set-gid root.
 * Then every element of its path - "/", each directory, the file - must be owned by root and not
 * writable by a non-root group or by everyone (a directory with the sticky bit, like /tmp, may be
 * world-writable). The path walked is the resolved one (realpath), as Keepalived runs it.
 * An unsafe script is reported always; with enable_script_security it is also not run.
 */

export interface StatInfo {
  readonly uid: number;
  readonly gid: number;
  /** st_mode: file type bits and permissions. */
  readonly mode: number;
  /** st_dev and st_ino, to tell whether two paths name one file (absent in fakes: compared by identity). */
  readonly dev?: number;
  readonly ino?: number;
}

function sameFile(a: StatInfo, b: StatInfo): boolean {
  return a.ino !== undefined && b.ino !== undefined ? a.dev === b.dev && a.ino === b.ino : a === b;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/') + 1);

export interface SecurityFs {
  /** Without following a final symbolic link; undefined when the path cannot be reached. */
  lstat(path: string): StatInfo | undefined;
  stat(path: string): StatInfo | undefined;
  realpath(path: string): string | undefined;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IXUSR = 0o100;
const S_IWGRP = 0o020;
const S_IXGRP = 0o010;
const S_IWOTH = 0o002;
const S_IXOTH = 0o001;

const isDir = (s: StatInfo) => (s.mode & S_IFMT) === S_IFDIR;
const isReg = (s: StatInfo) => (s.mode & S_IFMT) === S_IFREG;
const isLnk = (s: StatInfo) => (s.mode & S_IFMT) === S_IFLNK;

export interface SecurityVerdict {
  /** False: do not run the script (missing, not executable, or unsafe under script security). */
  readonly run: boolean;
  /** Some element of the path is writable by non-root users (run or not). */
  readonly insecure: boolean;
  readonly notFound: boolean;
  /** The path checked and, when found by PATH search, the file to execute instead of args[0]. */
  readonly path: string;
  /** The first unsafe or unexpected element, for the operator. */
  readonly unsafePath?: string;
  /** Keepalived's log lines, in order. */
  readonly log: readonly string[];
}

/** Keepalived is_executable: root needs any x bit; others the bit of their class. */
export function isExecutable(s: StatInfo, uid: number, gid: number): boolean {
  if (uid === 0) return (s.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === s.uid) return (s.mode & S_IXUSR) !== 0;
  return gid === s.gid ? (s.mode & S_IXGRP) !== 0 : (s.mode & S_IXOTH) !== 0;
}

/** "/a/b/c" -> ["/", "/a", "/a/b", "/a/b/c"]; a relative path starts from its first word. */
export function pathPrefixes(file: string): string[] {
  const out: string[] = [];
  let i = file.indexOf('/');
  while (i !== -1) {
    out.push(i === 0 ? '/' : file.slice(0, i));
    i = file.indexOf('/', i + 1);
  }
  out.push(file);
  return out;
}

interface WalkResult {
  readonly insecure: boolean;
  readonly inhibit: boolean;
  readonly notFound: boolean;
  readonly unsafePath?: string;
}

function walk(file: string, fsx: SecurityFs, scriptSecurity: boolean, log: string[]): WalkResult {
  const parts = pathPrefixes(file);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const last = i === parts.length - 1;
    const s = fsx.lstat(p);
    if (!s) {
      log.push(`check_script_secure could not find script '${file}' - disabling`);
      return { insecure: false, inhibit: false, notFound: true, unsafePath: p };
    }
    if (last ? !isReg(s) && !isLnk(s) : !isDir(s)) {
      log.push(`Wrong file type found in script path '${file}'.`);
      return { insecure: false, inhibit: true, notFound: false, unsafePath: p };
    }
    const writable = (s.gid !== 0 && (s.mode & S_IWGRP) !== 0) || (s.mode & S_IWOTH) !== 0;
    const guarded = isDir(s) ? (s.mode & S_ISVTX) === 0 : isReg(s);
    if (s.uid !== 0 || (guarded && writable)) {
      log.push(`Unsafe permissions found for script '${file}'${scriptSecurity ? ' - disabling' : ''}.`);
      return { insecure: true, inhibit: scriptSecurity, notFound: false, unsafePath: p };
    }
  }
  return { insecure: false, inhibit: false, notFound: false };
}

/** A bare command name is looked up in PATH, as execvp would (Keepalived find_path). */
function searchPath(name: string, fsx: SecurityFs, pathEnv: string, uid: number, gid: number, log: string[]): string | 'EACCES' | undefined {
  let denied = false;
  for (const dir of pathEnv.split(':')) {
    const candidate = `${dir}/${name}`;
    const s = fsx.stat(candidate);
    if (!s) continue;
    if (isReg(s) && isExecutable(s, uid, gid)) {
      log.push(`WARNING - script \`${name}\` resolved by path search to \`${candidate}\`. Please specify full path.`);
      return candidate;
    }
    denied = true;
  }
  return denied ? 'EACCES' : undefined;
}

export interface SecurityInput {
  /** The command (args[0]) as configured. */
  readonly command: string;
  readonly uid: number;
  readonly gid: number;
  readonly scriptSecurity: boolean;
  /** $PATH, for bare command names. */
  readonly pathEnv: string;
}

export function checkScriptSecurity(input: SecurityInput, fsx: SecurityFs): SecurityVerdict {
  const log: string[] = [];
  const { uid, gid, scriptSecurity } = input;
  let command = input.command;
  const refuse = (notFound: boolean, extra: Partial<SecurityVerdict> = {}): SecurityVerdict => ({ run: false, insecure: false, notFound, path: command, log, ...extra });

  if (!command.includes('/')) {
    const found = searchPath(command, fsx, input.pathEnv, uid, gid, log);
    if (found === undefined || found === 'EACCES') {
      log.push(found === 'EACCES' ? `Permissions failure for script ${command} in path - disabling` : `Cannot find script ${command} in path - disabling`);
      return refuse(true);
    }
    command = found;
  }
  // Keepalived resolves the path first (realpath: symbolic links, /./, /../) and runs the script
  // by its resolved name, so /bin/true on a merged-/usr system is /usr/bin/true. Where the
  // resolved file has another name (/bin/sh -> /usr/bin/dash) the configured name is kept in the
  // resolved directory when it is the same file, since some programs act on their name; then both
  // paths are walked.
  const real = fsx.realpath(command);
  if (real === undefined) {
    log.push(`Script ${command} cannot be accessed - No such file or directory`);
    return refuse(true);
  }
  let realFile: string | undefined;
  if (real !== command) {
    let resolved = real;
    if (baseName(command) !== baseName(real)) {
      const named = dirOf(real) + baseName(command);
      const a = fsx.stat(real);
      const b = fsx.stat(named);
      if (!a || (b && sameFile(a, b))) {
        resolved = named;
        realFile = real;
      }
    }
    command = resolved;
  }
  const st = fsx.stat(realFile ?? command);
  if (!st) {
    log.push(`Unable to access script \`${command}\` - disabling`);
    return refuse(true);
  }
  if (!isExecutable(st, uid, gid)) {
    log.push(`WARNING - script '${command}' is not executable for uid:gid ${uid}:${gid} - disabling.`);
    return refuse(false);
  }
  const protect =
    uid === 0 || gid === 0 ||
    (st.uid === 0 && (st.mode & S_IXUSR) !== 0 && (st.mode & S_ISUID) !== 0) ||
    (st.gid === 0 && (st.mode & S_IXGRP) !== 0 && (st.mode & S_ISGID) !== 0);
  if (!protect) return { run: true, insecure: false, notFound: false, path: command, log };

  const results = [walk(command, fsx, scriptSecurity, log)];
  if (realFile !== undefined) results.push(walk(realFile, fsx, scriptSecurity, log));
  const bad = results.find((r) => r.notFound || r.inhibit || r.insecure);
  const notFound = results.some((r) => r.notFound);
  const inhibit = results.some((r) => r.inhibit);
  return {
    run: !notFound && !inhibit,
    insecure: results.some((r) => r.insecure),
    notFound,
    path: command,
    ...(bad?.unsafePath !== undefined ? { unsafePath: bad.unsafePath } : {}),
    log,
  };
}

/** Keepalived's closing warning when insecure scripts will run anyway. */
export const SECURITY_VIOLATION = 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.';
