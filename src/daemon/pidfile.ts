/**
 * Pid files as Keepalived keeps them (/run/keepalived.pid, keepalived_vrrp.pid,
 * keepalived_checkers.pid): written at start, removed at exit, and a live pid in one means
 * another daemon runs already.
 */
import * as fs from 'node:fs';

export const DEFAULT_PID_FILE = '/run/keepalived.pid';
export const DEFAULT_VRRP_PID_FILE = '/run/keepalived_vrrp.pid';
export const DEFAULT_CHECKERS_PID_FILE = '/run/keepalived_checkers.pid';

/** The pid recorded in `file` if that process is alive. */
export function runningPid(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export function writePidFile(file: string, pid = process.pid): void {
  fs.writeFileSync(file, `${pid}\n`, { mode: 0o644 });
}

export function removePidFile(file: string, pid = process.pid): void {
  // Only our own: a second daemon refused at start must not delete the first one's file.
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === pid) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Where the checker process leaves the installed services for `keepalived-ts lvs`: beside its pid file. */
export function lvsStatePath(checkersPidFile: string): string {
  return checkersPidFile.replace(/\.pid$/, '') + '.lvs.json';
}
