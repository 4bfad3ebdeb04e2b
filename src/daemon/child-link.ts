/**
 * What the parent and its children say over the fork() channel. A child reports when it has come
 * up (every instance in its first state, the first data-plane table applied) and when a reload is
 * done or refused; Keepalived's children signal the same through an eventfd, after which the
 * parent logs "Startup complete" / "Reload complete" and tells systemd READY=1. The parent pings
 * each child for the systemd watchdog (a child whose loop hangs answers no ping), asks each for
 * its part of `keepalived-ts status`, and hears its events (transitions, checker verdicts); it
 * passes the VRRP instances' states on to the Healthcheck child (for --bgp-table).
 */

import type { LvsPart, StatusEvent, VrrpPart } from './status/model.js';

export type ChildMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reloaded' }
  | { readonly kind: 'reload-refused'; readonly reason: string }
  | { readonly kind: 'pong'; readonly seq: number }
  /** The answer to a status request: this child's part of the daemon's status. */
  | { readonly kind: 'status-part'; readonly id: number; readonly part: StatusPart }
  | { readonly kind: 'event'; readonly event: StatusEvent };

export interface StatusPart {
  readonly vrrp?: VrrpPart;
  readonly lvs?: LvsPart;
}

export type ParentMessage =
  | { readonly kind: 'ping'; readonly seq: number }
  | { readonly kind: 'status-request'; readonly id: number }
  /**
   * To the Healthcheck child: every VRRP instance's last state, as the VRRP child reported its
   * transitions (empty while there is no VRRP child). --bgp-table withdraws a FAULT instance's
   * addresses.
   */
  | { readonly kind: 'vrrp-states'; readonly states: Readonly<Record<string, string>> };

const CHILD_KINDS = new Set(['ready', 'reloaded', 'reload-refused', 'pong', 'status-part', 'event']);

export function isChildMessage(m: unknown): m is ChildMessage {
  return CHILD_KINDS.has((m as { kind?: unknown } | null)?.kind as string);
}

/** In a child: tells the parent (a child started by hand, with no channel, tells nobody). */
export function tellParent(m: ChildMessage): void {
  if (process.connected) process.send?.(m);
}

/**
 * In a child: answers the parent's watchdog pings from this process's event loop, and its status
 * requests with `status()` (this child's part; the checker's waits for a bounded conntrack read);
 * `vrrpStates` hears the relayed VRRP states.
 */
export function answerParent(status: () => StatusPart | Promise<StatusPart> = () => ({}), vrrpStates?: (states: Readonly<Record<string, string>>) => void): void {
  process.on('message', (m: unknown) => {
    const p = m as { kind?: unknown; seq?: unknown; id?: unknown; states?: unknown } | null;
    if (p?.kind === 'vrrp-states' && typeof p.states === 'object' && p.states !== null) vrrpStates?.(p.states as Record<string, string>);
    if (p?.kind === 'ping' && typeof p.seq === 'number') tellParent({ kind: 'pong', seq: p.seq });
    if (p?.kind === 'status-request' && typeof p.id === 'number') {
      const id = p.id;
      void Promise.resolve().then(status).then((part) => tellParent({ kind: 'status-part', id, part }), () => tellParent({ kind: 'status-part', id, part: {} }));
    }
  });
}
