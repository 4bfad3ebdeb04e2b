/**
 * The result counter of a vrrp_script, as Keepalived keeps it (vrrp_scheduler.c
 * vrrp_script_child_thread, vrrp_init_script). Pure: the runner feeds it each run's outcome.
 *
 * One integer `result` in [0, rise + fall - 1] carries both the status and the streak:
 *   result >= rise  -> GOOD (the dump's "Status = GOOD"), result < rise -> BAD.
 * A success in the BAD zone climbs one step; the rise-th success reports "succeeded" and jumps to
 * the top (rise + fall - 1). A failure in the GOOD zone steps down; the fall-th failure reports
 * "failed" and drops to 0. Any failure in the BAD zone restarts the climb at 0, and any success in
 * the GOOD zone refills the top, so rise and fall count consecutive results.
 *
 * Start-up: a script starts at rise - 1 in the 'init' phase, so its first result, whatever it is,
 * decides (Keepalived: "one success is enough", and a first failure reports too). With init_fail
 * it starts at 0 in phase 'failed': BAD, needing rise successes, and failures report nothing
 * because the instance already counted it down. Until the first report, an 'init' script moves no
 * priority; the daemon treats it as not yet known.
 */

export type ScriptPhase = 'init' | 'failed' | 'done';

export interface ScriptCounter {
  readonly rise: number;
  readonly fall: number;
  readonly result: number;
  readonly phase: ScriptPhase;
}

/** How a run ended, in Keepalived's words for the log line. */
export type RunOutcome =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'timed_out' }
  /** The command could not be started (missing, not executable, bad user). */
  | { readonly kind: 'spawn_error'; readonly message: string };

export interface ScriptStep {
  readonly counter: ScriptCounter;
  /** Set when the script's status flips (or the init phase ends): what the instances must hear. */
  readonly report?: { readonly up: boolean; readonly log: string };
}

export function initialCounter(cfg: { rise: number; fall: number; init_fail: boolean }): ScriptCounter {
  return cfg.init_fail
    ? { rise: cfg.rise, fall: cfg.fall, result: 0, phase: 'failed' }
    : { rise: cfg.rise, fall: cfg.fall, result: cfg.rise - 1, phase: 'init' };
}

export function isGood(c: ScriptCounter): boolean {
  return c.result >= c.rise;
}

/** The state the daemon should publish before any report: undefined while still unknown. */
export function knownUp(c: ScriptCounter): boolean | undefined {
  if (c.phase === 'init') return undefined;
  return isGood(c);
}

export function succeeded(o: RunOutcome): boolean {
  return o.kind === 'exit' && o.code === 0;
}

/** Keepalived's wording: "VRRP_Script(chk) succeeded", "... failed (exited with status 1)", "... timed_out". */
function describe(name: string, o: RunOutcome): string {
  switch (o.kind) {
    case 'exit':
      return o.code === 0 ? `VRRP_Script(${name}) succeeded` : `VRRP_Script(${name}) failed (exited with status ${o.code})`;
    case 'signal':
      return `VRRP_Script(${name}) failed (due to signal ${o.signal})`;
    case 'timed_out':
      return `VRRP_Script(${name}) timed_out`;
    case 'spawn_error':
      return `VRRP_Script(${name}) failed (${o.message})`;
  }
}

export function stepCounter(c: ScriptCounter, name: string, outcome: RunOutcome): ScriptStep {
  const top = c.rise + c.fall - 1;
  const done = { ...c, phase: 'done' as const };
  if (succeeded(outcome)) {
    if (c.result < c.rise - 1) return { counter: { ...done, result: c.result + 1 } };
    if (c.result === top) return { counter: done };
    // Only the step from rise - 1 (the BAD edge, or the init value) is news.
    const report = c.result < c.rise ? { up: true, log: describe(name, outcome) } : undefined;
    return { counter: { ...done, result: top }, ...(report ? { report } : {}) };
  }
  if (c.result > c.rise) return { counter: { ...done, result: c.result - 1 } };
  const report = c.result === c.rise || c.phase === 'init' ? { up: false, log: describe(name, outcome) } : undefined;
  return { counter: { ...done, result: 0 }, ...(report ? { report } : {}) };
}
