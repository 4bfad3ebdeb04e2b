/**
 * enable_script_security for every script a process runs, not only vrrp_script (start.ts checks
 * those): Keepalived checks them all once the configuration is read (vrrp_daemon.c / notify.c
 * check_notify_script_secure, check_misc.c check_misc_script_security, check_daemon.c for the
 * real servers' scripts). Each script goes through checkScriptSecurity as the user it runs as:
 * - one that is missing or not executable, or unsafe with enable_script_security, is dropped
 *   from the configuration the process runs (a notify script is then simply not run; a
 *   MISC_CHECK is removed from its real server, with Keepalived's "Disabling misc script" line);
 * - an unsafe one without enable_script_security keeps running, warned about, and the caller logs
 *   SECURITY_VIOLATION once;
 * - a bare command name is replaced by the path it resolved to, as Keepalived runs it.
 * The result is a new configuration; the loaded one is not changed.
 */
import * as os from 'node:os';
import type { KeepalivedConfig } from '../../config/model.js';
import type { Script } from '../../config/values.js';
import type { Logger } from '../../base/log.js';
import type { ScriptIdentity } from '../../base/spawn.js';
import { nodeSecurityFs } from './security-fs.js';
import { checkScriptSecurity, type SecurityFs, type SecurityVerdict } from './script-security.js';
import { scriptIdentity, systemUserDb, type UserDb } from './users.js';

type Checker = KeepalivedConfig['virtual_server'][number]['real_server'][number]['checkers'][number];

export interface SecureScriptsDeps {
  readonly log: Logger;
  readonly users?: UserDb;
  readonly securityFs?: SecurityFs;
  /** The daemon's own ids (default: this process's). */
  readonly self?: ScriptIdentity;
  /** $PATH for bare names (default: this process's). */
  readonly pathEnv?: string;
}

export interface Secured {
  readonly config: KeepalivedConfig;
  /** Some script that will run is unsafe (enable_script_security off): log SECURITY_VIOLATION. */
  readonly insecure: boolean;
}

type Checked = { readonly script: Script | undefined; readonly verdict?: SecurityVerdict };

class ScriptChecker {
  insecure = false;
  private readonly users: UserDb;
  private readonly self: ScriptIdentity;

  constructor(private readonly config: KeepalivedConfig, private readonly deps: SecureScriptsDeps) {
    this.users = deps.users ?? systemUserDb();
    this.self = deps.self ?? { uid: os.userInfo().uid, gid: os.userInfo().gid };
  }

  /** The script to run (its path resolved), or undefined when it must not run. */
  check(s: Script): Checked {
    const g = this.config.global_defs;
    const id = scriptIdentity(this.users, s, g.script_user, this.self);
    // An unknown user is reported when the script would run (notifier.ts startScript); it never runs.
    if ('error' in id) return { script: s };
    const verdict = checkScriptSecurity(
      { command: s.args[0] ?? '', uid: id.uid, gid: id.gid, scriptSecurity: g.enable_script_security, pathEnv: this.deps.pathEnv ?? process.env.PATH ?? '/usr/bin:/bin' },
      this.deps.securityFs ?? nodeSecurityFs,
    );
    for (const line of verdict.log) this.deps.log.info(line);
    if (!verdict.run) return { script: undefined, verdict };
    this.insecure ||= verdict.insecure;
    return { script: verdict.path === s.args[0] ? s : { ...s, args: [verdict.path, ...s.args.slice(1)] }, verdict };
  }

  /** A copy of `o` with each named script checked: a refused one is left out. */
  fields<T extends object>(o: T, keys: ReadonlyArray<keyof T>): T {
    const out = { ...o } as Record<keyof T, unknown>;
    for (const k of keys) {
      const s = o[k] as Script | undefined;
      if (s === undefined) continue;
      const { script } = this.check(s);
      if (script) out[k] = script;
      else delete out[k];
    }
    return out as T;
  }

  fifo<F extends { readonly script?: Script } | undefined>(f: F): F {
    return f === undefined ? f : (this.fields(f as { script?: Script }, ['script']) as F);
  }
}

const INSTANCE_SCRIPTS = ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify_deleted_script', 'notify', 'notify_master_rx_lower_pri'] as const;
const GROUP_SCRIPTS = ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'] as const;

/** The VRRP process: instance and sync group notify scripts, notify_fifo's and vrrp_notify_fifo's scripts. */
export function secureVrrpScripts(config: KeepalivedConfig, deps: SecureScriptsDeps): Secured {
  const c = new ScriptChecker(config, deps);
  const g = config.global_defs;
  const global_defs = { ...g, notify_fifo: c.fifo(g.notify_fifo), vrrp_notify_fifo: c.fifo(g.vrrp_notify_fifo) };
  if (global_defs.notify_fifo === undefined) delete global_defs.notify_fifo;
  if (global_defs.vrrp_notify_fifo === undefined) delete global_defs.vrrp_notify_fifo;
  const vrrp_sync_group = config.vrrp_sync_group.map((sg) => c.fields(sg, [...GROUP_SCRIPTS]));
  const vrrp_instance = config.vrrp_instance.map((i) => c.fields(i, [...INSTANCE_SCRIPTS]));
  return { config: { ...config, global_defs, vrrp_sync_group, vrrp_instance }, insecure: c.insecure };
}

/** The checker process: MISC_CHECK scripts, real servers' notify_up/down, quorum_up/down, notify_fifo's and lvs_notify_fifo's scripts. */
export function secureCheckScripts(config: KeepalivedConfig, deps: SecureScriptsDeps): Secured {
  const c = new ScriptChecker(config, deps);
  const g = config.global_defs;
  const global_defs = { ...g, notify_fifo: c.fifo(g.notify_fifo), lvs_notify_fifo: c.fifo(g.lvs_notify_fifo) };
  if (global_defs.notify_fifo === undefined) delete global_defs.notify_fifo;
  if (global_defs.lvs_notify_fifo === undefined) delete global_defs.lvs_notify_fifo;
  const virtual_server = config.virtual_server.map((vs) => ({
    ...c.fields(vs, ['quorum_up', 'quorum_down']),
    real_server: vs.real_server.map((rs) => ({
      ...c.fields(rs, ['notify_up', 'notify_down']),
      checkers: rs.checkers.flatMap((ck): Checker[] => {
        if (ck.checker !== 'MISC_CHECK') return [ck];
        const { script, verdict } = c.check(ck.misc_path);
        if (script) return [script === ck.misc_path ? ck : { ...ck, misc_path: script }];
        // check_misc_script_security: the checker is removed; not executable is silent there.
        const cmd = ck.misc_path.args.join(' ');
        if (verdict?.notFound) deps.log.info(`Disabling misc script ${cmd} since not found/accessible`);
        else if (verdict?.insecure) deps.log.info(`Disabling misc script ${cmd} due to insecure`);
        return [];
      }),
    })),
  }));
  return { config: { ...config, global_defs, virtual_server }, insecure: c.insecure };
}
