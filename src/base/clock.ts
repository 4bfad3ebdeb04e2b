/**
 * Time for the daemon: a monotonic microsecond clock and one-shot timers. The engine never reads
 * it; the daemon passes `now` in. A manual clock drives the same daemon code in tests.
 */

export interface Clock {
  /** Monotonic microseconds. */
  now(): number;
  /** Calls `fn` at (or just after) `atUs`; returns a handle for cancel(). */
  at(atUs: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

/**
 * libuv timers have millisecond resolution and round, so a deadline can be missed by up to a
 * millisecond, which is 10 % of a 10 ms advert interval. The timer is therefore armed one
 * millisecond early and the last stretch is waited out with setImmediate turns.
 */
const SPIN_US = 1000;

interface SystemTimer {
  timeout: NodeJS.Timeout | undefined;
  immediate: NodeJS.Immediate | undefined;
}

export const systemClock: Clock = {
  now: () => Number(process.hrtime.bigint() / 1000n),
  at(atUs, fn) {
    const t: SystemTimer = { timeout: undefined, immediate: undefined };
    const spin = () => {
      if (systemClock.now() >= atUs) {
        t.immediate = undefined;
        fn();
      } else t.immediate = setImmediate(spin);
    };
    const delayUs = atUs - systemClock.now() - SPIN_US;
    if (delayUs <= 0) t.immediate = setImmediate(spin);
    else
      t.timeout = setTimeout(() => {
        t.timeout = undefined;
        spin();
      }, Math.floor(delayUs / 1000));
    return t;
  },
  cancel(h) {
    const t = h as SystemTimer;
    if (t.timeout) clearTimeout(t.timeout);
    if (t.immediate) clearImmediate(t.immediate);
  },
};

/**
 * The same clock without the last-millisecond spin: for the checker process, where a check
 * starting a millisecond late is harmless and spinning for a thousand checks a second is not.
 */
export const coarseClock: Clock = {
  now: systemClock.now,
  at(atUs, fn) {
    return setTimeout(fn, Math.max(0, Math.ceil((atUs - systemClock.now()) / 1000)));
  },
  cancel(h) {
    clearTimeout(h as NodeJS.Timeout);
  },
};

/**
 * `clock`, telling `onLate` how late each of its timers fired, µs, once its callback has run (the
 * timer's work first): the checker process's max_auto_priority (daemon/process-sched.ts).
 */
export function reportingLateness(clock: Clock, onLate: (lateUs: number) => void): Clock {
  return {
    now: () => clock.now(),
    at: (atUs, fn) =>
      clock.at(atUs, () => {
        const late = clock.now() - atUs;
        fn();
        onLate(late);
      }),
    cancel: (h) => clock.cancel(h),
  };
}

/** A clock that moves only when told: advance() runs the timers that come due, in order. */
export class ManualClock implements Clock {
  /** How long after it is due each timer runs, as a busy host runs them (default: on time). */
  lateUs = 0;
  private t = 0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];

  now(): number {
    return this.t;
  }

  at(atUs: number, fn: () => void): unknown {
    const timer = { at: atUs, seq: this.seq++, fn };
    this.timers.push(timer);
    return timer;
  }

  cancel(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  advance(us: number): void {
    const end = this.t + us;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at + this.lateUs);
      next.fn();
    }
    this.t = Math.max(this.t, end);
  }
}
