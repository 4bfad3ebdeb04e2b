/**
 * What the parent and its children say over the fork() channel. A child reports when it has come
 * up (every instance in its first state, the first data-plane table applied) and when a reload is
 * done or refused; Keepalived's children signal the same through an eventfd, after which the
 * parent logs "Startup complete" / "Reload complete" and tells systemd READY=1. The parent pings
 * each child for the systemd watchdog; a child whose loop hangs answers no ping.
 */

export type ChildMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reloaded' }
  | { readonly kind: 'reload-refused'; readonly reason: string }
  | { readonly kind: 'pong'; readonly seq: number };

export type ParentMessage = { readonly kind: 'ping'; readonly seq: number };

export function isChildMessage(m: unknown): m is ChildMessage {
  const k = (m as { kind?: unknown } | null)?.kind;
  return k === 'ready' || k === 'reloaded' || k === 'reload-refused' || k === 'pong';
}

/** In a child: tells the parent (a child started by hand, with no channel, tells nobody). */
export function tellParent(m: ChildMessage): void {
  if (process.connected) process.send?.(m);
}

/** In a child: answers the parent's watchdog pings from this process's event loop. */
export function answerPings(): void {
  process.on('message', (m: unknown) => {
    const p = m as Partial<ParentMessage> | null;
    if (p?.kind === 'ping' && typeof p.seq === 'number') tellParent({ kind: 'pong', seq: p.seq });
  });
}
