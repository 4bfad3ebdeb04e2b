/**
 * Draining a DR service's Maglev table across pool changes, as a pure step.
 *
 * DR forwards without state: every packet of a flow is hashed through the table. When the table
 * changes (a server leaves, drops to weight 0, or weights move), the slots that change hands
 * would send the rest of the connections that live there to another server, which answers with
 * a reset; IPVS keeps them where they are through its connection table. So after a change the
 * data plane keeps, for a drain window:
 * - `held`: the table as it was before the change. Packets of connections older than the change
 *   (neither SYN nor recorded) go by it, so they reach the server they started on.
 * - `fresh`: the table now. SYNs go by it, and the flow is recorded with the server it got (a
 *   dynamic nft map), so the rest of a new connection follows its SYN, not `held`.
 * Another change inside the window keeps `held` (older connections still started there) and
 * extends the window. When the window passes with no change, `held` becomes `fresh` and the
 * records go: a connection survives any change as long as it ends within the window after the
 * last one. Slots hold server keys (ip:port), resolved to MACs when the rules are built.
 */

export type Slots = readonly (string | undefined)[];

export interface DrainState {
  readonly fresh: Slots;
  readonly held: Slots;
  /** End of the drain window (ms, the caller's clock); absent when not draining. */
  readonly until?: number;
}

function sameSlots(a: Slots, b: Slots): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The state after the table became `fresh` at `now` (also called when only time passed). */
export function drainStep(prev: DrainState | undefined, fresh: Slots, now: number, windowMs: number): DrainState {
  if (!prev) return { fresh, held: fresh };
  const base: DrainState = prev.until !== undefined && now >= prev.until ? { fresh: prev.fresh, held: prev.fresh } : prev;
  if (sameSlots(base.fresh, fresh)) return base;
  if (windowMs <= 0) return { fresh, held: fresh };
  return { fresh, held: base.until !== undefined ? base.held : base.fresh, until: now + windowMs };
}

export const isDraining = (s: DrainState): boolean => s.until !== undefined;
