/**
 * User and group names to ids, for scripts run as `user NAME [GROUP]` or global_defs script_user
 * (Keepalived notify.c set_uid_gid): the group defaults to the user's primary group, numeric
 * names are taken as ids. Parsing is pure; reading /etc/passwd and /etc/group is the edge.
 */
import * as fs from 'node:fs';
import type { ScriptIdentity } from '../../base/spawn.js';

export interface UserDb {
  readonly users: ReadonlyMap<string, { readonly uid: number; readonly gid: number }>;
  readonly groups: ReadonlyMap<string, number>;
}

/** `name:x:uid:gid:...` lines (passwd) or `name:x:gid:members` (group); malformed lines skipped. */
export function parseUserDb(passwd: string, group: string): UserDb {
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[0] && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!)) users.set(f[0], { uid: Number(f[2]), gid: Number(f[3]) });
  }
  const groups = new Map<string, number>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!)) groups.set(f[0], Number(f[2]));
  }
  return { users, groups };
}

export function systemUserDb(): UserDb {
  const read = (p: string) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return parseUserDb(read('/etc/passwd'), read('/etc/group'));
}

/** The ids to run as, or the reason there are none (Keepalived's own messages). */
export function resolveIdentity(db: UserDb, user: string, group?: string): ScriptIdentity | { error: string } {
  let uid: number;
  let gid: number;
  const u = db.users.get(user);
  if (u) ({ uid, gid } = u);
  else if (/^\d+$/.test(user)) uid = gid = Number(user);
  else return { error: `Unable to resolve script username '${user}' - ignoring` };
  if (group !== undefined) {
    const g = db.groups.get(group) ?? (/^\d+$/.test(group) ? Number(group) : undefined);
    if (g === undefined) return { error: `Unable to resolve script group name '${group}' - ignoring` };
    gid = g;
  }
  return { uid, gid };
}

/**
 * Who runs a script: its own `user`/`group` if given, else global_defs script_user, else the
 * user keepalived_script when it exists, else the daemon's own ids (Keepalived
 * get_default_script_user).
 */
export function scriptIdentity(
  db: UserDb,
  script: { readonly user?: string; readonly group?: string },
  scriptUser: { readonly user: string; readonly group?: string } | undefined,
  self: ScriptIdentity,
): ScriptIdentity | { error: string } {
  if (script.user !== undefined) return resolveIdentity(db, script.user, script.group);
  if (scriptUser) return resolveIdentity(db, scriptUser.user, scriptUser.group);
  if (db.users.has('keepalived_script')) return resolveIdentity(db, 'keepalived_script');
  return self;
}
