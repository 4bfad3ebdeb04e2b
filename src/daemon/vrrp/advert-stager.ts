/**
 * A prepared step's adverts handed to the kernel ahead of their time (os/uring.ts): when the
 * timer is armed, each advert's message is written into its socket's native buffers and queued
 * behind an io_uring timeout at the due time. The kernel sends them when the timer expires,
 * whatever the event loop is doing; the driver's own timer then only settles the batch and moves
 * the engine on (wakeup.ts). Whatever cannot be staged (AH, a message too large, no ring, a
 * batch over the ring's size) goes out from the event loop as before.
 */
import type { Logger } from '../../base/log.js';
import { errnoText, EAGAIN } from '../../os/libc.js';
import type { VrrpSocket } from '../../os/types.js';
import type { RingBatch, RingSend, SendRing } from '../../os/uring.js';
import type { RouterAction } from '../../vrrp/router.js';
import { advertBytes } from './actions.js';
import type { Runtime } from './runtime.js';

/** A batch the kernel holds, and each advert's runtime as staged (a failed send's instance and destination, for the log). */
export interface StagedAdverts {
  readonly batch: RingBatch;
  readonly runtimes: readonly Runtime[];
}

export interface StagerDeps {
  readonly ring: SendRing;
  readonly log: Logger;
  readonly trace?: (what: string) => void;
  readonly runtime: (instance: string) => Runtime | undefined;
  readonly socketFor: (rt: Runtime) => VrrpSocket;
}

export class AdvertStager {
  private broken = false;

  constructor(private readonly deps: StagerDeps) {}

  /** Queues `actions` (all send_advert) for `at`; undefined when they must go out from the event loop. */
  stage(at: number, actions: readonly RouterAction[]): StagedAdverts | undefined {
    if (this.broken) return undefined;
    const sends: RingSend[] = [];
    const runtimes: Runtime[] = [];
    const slots = new Map<VrrpSocket, number>();
    try {
      for (const a of actions) {
        if (a.kind !== 'send_advert') return undefined;
        const rt = this.deps.runtime(a.instance);
        if (!rt || rt.ah) return undefined; // AH: a sequence number per send, made when sent
        const s = this.deps.socketFor(rt);
        if (!s.stage) return undefined;
        runtimes.push(rt);
        for (const dst of rt.destinations) {
          const slot = slots.get(s) ?? 0;
          slots.set(s, slot + 1);
          sends.push(s.stage(advertBytes(rt, a.priority, dst), dst, rt.src, rt.ttl, slot));
        }
      }
      if (sends.length === 0 || sends.length > this.deps.ring.maxBatch) return undefined;
    } catch {
      return undefined; // a closed socket, a message over the staged buffer: the event loop sends
    }
    try {
      return { batch: this.deps.ring.stage(at, sends), runtimes };
    } catch (e) {
      // The ring failed where it worked at start: every advert from the event loop from now on.
      this.broken = true;
      this.deps.log.error(`io_uring failed (${(e as Error).message}): adverts sent from the event loop from now on`);
      return undefined;
    }
  }

  /**
   * Ends a batch: true when the kernel sent it (its time came), each failed send logged as the
   * event loop's sends are; false when its timer was removed first and nothing went out.
   */
  settle(s: StagedAdverts): boolean {
    const out = this.deps.ring.settle(s.batch);
    if (!out.fired) return false;
    for (const [i, errno] of out.errors) {
      const [name, dst] = sendAt(s.runtimes, i);
      const why = errno === EAGAIN ? `VRRP advert to ${dst} dropped: socket buffer full` : `sendmsg: ${errnoText(errno)}`;
      this.deps.log.error(`(${name}) cannot send advert to ${dst}: ${why}`);
    }
    if (this.deps.trace) for (let i = out.errors.length; i < s.batch.count; i++) this.deps.trace('advert sent');
    return true;
  }
}

/** The i-th send of a batch, in stage()'s order (each runtime's destinations in turn): its instance and destination. */
function sendAt(runtimes: readonly Runtime[], i: number): [string, string] {
  for (const rt of runtimes) {
    if (i < rt.destinations.length) return [rt.inst.name, rt.destinations[i]!];
    i -= rt.destinations.length;
  }
  throw new RangeError(`send ${i} is past the batch`);
}
