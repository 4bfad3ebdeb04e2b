/**
 * `keepalived-ts lab down`: removes what `lab up` made, from the state file and, when that is gone
 * (a crash, a deleted directory), from the name prefix alone. Only processes inside the lab's own
 * namespaces are killed, by pid; running it twice is harmless.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, readState, removeState, type LabPlace } from './lab-state.js';
import { HOSTS, ip, killAll, listNamespaces, namespaceOf, pidsIn } from './lab-topology.js';

export interface LabOut {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Removes everything the lab made: the processes (recorded ones still in our namespaces, and
 * whatever else runs in them), the namespaces (recorded and any with our prefix), the state.
 */
export async function labDown(place: LabPlace, out: LabOut): Promise<number> {
  const s = readState(place.dir);
  const all = await listNamespaces();
  const ours = new Set([...(s?.namespaces ?? []).filter((n) => all.includes(n)), ...all.filter((n) => n.startsWith(place.prefix))]);
  const recorded = [...Object.values(s?.daemons ?? {}).map((d) => d.pid), ...Object.values(s?.webs ?? {}).map((w) => w.pid)].filter((p): p is number => p !== undefined);
  const pids = new Set<number>();
  for (const p of recorded) if (isAlive(p) && ours.has((await namespaceOf(p)) ?? '')) pids.add(p);
  for (const ns of ours) for (const p of await pidsIn(ns)) pids.add(p);
  // SIGTERM first (a daemon resigns and stops its children), SIGKILL for what stays; then once
  // more for anything that came meanwhile (a child its parent restarted).
  await killAll([...pids]);
  for (const ns of ours) for (const p of await pidsIn(ns)) pids.add(p);
  await killAll([...pids].filter(isAlive), 1000);
  for (const ns of [...ours].reverse()) {
    try {
      await ip('netns', 'del', ns);
    } catch {
      /* gone meanwhile */
    }
  }
  // The hosts' directories by their fixed names too: a state file may be gone while they are not.
  for (const host of new Set([...Object.keys(s?.hosts ?? {}), ...HOSTS.map(([h]) => h)])) fs.rmSync(path.join(place.dir, host), { recursive: true, force: true });
  removeState(place.dir);
  out.stdout(ours.size || pids.size ? `lab down: stopped ${pids.size} process(es), removed ${ours.size} namespace(s) (${[...ours].join(' ')})\n` : `lab down: nothing to remove (no ${place.prefix}* namespace, no state)\n`);
  return 0;
}

