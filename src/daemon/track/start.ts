/**
 * Starts the trackers a configuration asks for and routes what they see to the VRRP driver
 * (VrrpDriver.setTracked). Only objects some instance or sync group tracks are run, as Keepalived
 * drops unused ones. Each vrrp_script is checked first (script-security.ts) as the user it runs
 * as; a missing, non-executable or (with enable_script_security) unsafe script is disabled.
 */
import * as os from 'node:os';
import type { KeepalivedConfig } from '../../config/model.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { TrackedState } from '../vrrp/tracking-feed.js';
import { FileTracker } from './file-tracker.js';
import { ProcessTracker } from './process-tracker.js';
import { realSpawner, type ScriptIdentity, type Spawner } from '../../base/spawn.js';
import { ScriptRunner } from './script-runner.js';
import { nodeSecurityFs } from './security-fs.js';
import { checkScriptSecurity, SECURITY_VIOLATION, type SecurityFs } from './script-security.js';
import { scriptIdentity, systemUserDb, type UserDb } from './users.js';

export interface TrackingDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly setTracked: (kind: 'script' | 'file' | 'process', name: string, state: TrackedState) => void;
  readonly spawner?: Spawner;
  readonly users?: UserDb;
  readonly securityFs?: SecurityFs;
  /** The daemon's own ids (default: this process's). */
  readonly self?: ScriptIdentity;
  /** A reload keeps track files as they are (no init_file). */
  readonly reload?: boolean;
  /** Other scripts of this process (notify scripts, secure-scripts.ts) will run unsafe: one SECURITY_VIOLATION for all. */
  readonly insecure?: boolean;
}

export interface Tracking {
  readonly scripts: ReadonlyMap<string, ScriptRunner>;
  readonly files: FileTracker | undefined;
  readonly processes: ProcessTracker | undefined;
  stop(): Promise<void>;
}

function tracked(config: KeepalivedConfig, key: 'track_script' | 'track_file' | 'track_process'): Set<string> {
  const lists = [...config.vrrp_instance, ...config.vrrp_sync_group] as ReadonlyArray<Record<typeof key, ReadonlyArray<{ name: string }> | undefined>>;
  return new Set(lists.flatMap((l) => (l[key] ?? []).map((t) => t.name)));
}

export function startTracking(config: KeepalivedConfig, deps: TrackingDeps): Tracking {
  const { log } = deps;
  const users = deps.users ?? systemUserDb();
  const self = deps.self ?? { uid: os.userInfo().uid, gid: os.userInfo().gid };
  const g = config.global_defs;
  const scripts = new Map<string, ScriptRunner>();
  let insecure = deps.insecure ?? false;

  const usedScripts = tracked(config, 'track_script');
  for (const s of config.vrrp_script) {
    if (!usedScripts.has(s.name)) continue;
    const id = scriptIdentity(users, s.script, g.script_user, self);
    if ('error' in id) {
      log.error(`${id.error} - disabling track script ${s.name}`);
      deps.setTracked('script', s.name, { ignored: true });
      continue;
    }
    const verdict = checkScriptSecurity(
      { command: s.script.args[0] ?? '', uid: id.uid, gid: id.gid, scriptSecurity: g.enable_script_security, pathEnv: process.env.PATH ?? '/usr/bin:/bin' },
      deps.securityFs ?? nodeSecurityFs,
    );
    for (const line of verdict.log) log.info(line);
    insecure ||= verdict.insecure && verdict.run;
    if (!verdict.run) {
      log.error(`Disabling track script ${s.name} since ${verdict.notFound ? 'not found' : 'not safe or not executable'}`);
      deps.setTracked('script', s.name, { ignored: true });
      continue;
    }
    const script = verdict.path === s.script.args[0] ? s : { ...s, script: { ...s.script, args: [verdict.path, ...s.script.args.slice(1)] } };
    const runner = new ScriptRunner(script, { clock: deps.clock, log, spawner: deps.spawner ?? realSpawner, identity: id, onChange: (up) => deps.setTracked('script', s.name, { up }) });
    scripts.set(s.name, runner);
  }
  if (insecure) log.error(SECURITY_VIOLATION);
  for (const r of scripts.values()) r.start();

  const usedFiles = tracked(config, 'track_file');
  const fileList = config.track_file.filter((f) => usedFiles.has(f.name));
  const files = fileList.length > 0 ? new FileTracker(fileList, { log, onChange: (name, value) => deps.setTracked('file', name, { value }) }) : undefined;
  files?.start({ reload: deps.reload ?? false });

  const usedProcs = tracked(config, 'track_process');
  const procList = config.vrrp_track_process.filter((p) => usedProcs.has(p.name));
  const processes = procList.length > 0 ? new ProcessTracker(procList, { clock: deps.clock, log, onChange: (name, up) => deps.setTracked('process', name, { up }) }) : undefined;
  processes?.start();

  return {
    scripts,
    files,
    processes,
    async stop() {
      files?.stop();
      processes?.stop();
      await Promise.all([...scripts.values()].map((r) => r.stop()));
    },
  };
}
