/**
 * The cycle every timed checker follows (Keepalived check_api.c register_checkers_thread(),
 * check_data.c validate_check_config(), and the epilogue each checker shares, e.g. check_tcp.c
 * tcp_epilog()). Pure: the caller owns the clock and the probe, and asks what to do after each
 * attempt.
 *
 * The rules, as Keepalived applies them:
 * - The first attempt runs one second (BOOTSTRAP_DELAY) plus a random part of `warmup` after start,
 *   so that many checkers of one real server do not fire together.
 * - A checker starts up, except in alpha mode where it starts down.
 * - At start the retry counter is already spent: ONE failure of the first attempt is enough to mark
 *   the checker down (a server that is down at start leaves the pool quickly).
 * - Once up, a failure is retried `retry` times, `delay_before_retry` apart; only when every retry
 *   failed does the checker go down. A down checker is not retried: it is tried again after
 *   `delay_loop`, and one success brings it back.
 * - After a success or a decision the next attempt is `delay_loop` later.
 */

export interface CheckerTimes {
  /** Microseconds. */
  readonly delayLoop: number;
  readonly delayBeforeRetry: number;
  readonly warmup: number;
  readonly retry: number;
  readonly alpha: boolean;
}

export interface CheckerCycle {
  readonly isUp: boolean;
  /** Whether an attempt has completed since start. */
  readonly hasRun: boolean;
  /** Failed attempts since the checker was last seen up, counted against `retry`. */
  readonly retryIt: number;
}

/** BOOTSTRAP_DELAY (lib/scheduler.h). */
export const BOOTSTRAP_DELAY_US = 1_000_000;

const S = 1_000_000;

/** The checker's times from the resolved model (seconds) to microseconds. */
export function checkerTimes(c: { delay_loop: number; delay_before_retry: number; warmup: number; retry: number; alpha: boolean }): CheckerTimes {
  return {
    delayLoop: Math.round(c.delay_loop * S),
    delayBeforeRetry: Math.round(c.delay_before_retry * S),
    warmup: Math.round(c.warmup * S),
    retry: c.retry,
    alpha: c.alpha,
  };
}

export function initialCycle(t: CheckerTimes): CheckerCycle {
  return { isUp: !t.alpha, hasRun: false, retryIt: t.retry };
}

/** Delay before the first attempt; `random` is in [0, 1). */
export function firstDelay(t: CheckerTimes, random: number): number {
  return BOOTSTRAP_DELAY_US + Math.floor(t.warmup * random);
}

export type CycleChange =
  /** The checker went up (or was confirmed up by its first attempt). */
  | 'up'
  /** The checker went down after its retries, or its first attempt failed. */
  | 'down';

export interface AfterAttempt {
  readonly cycle: CheckerCycle;
  /** Microseconds until the next attempt. */
  readonly delay: number;
  /**
   * Set when the attempt decided the checker's state: a change, or the first attempt confirming
   * the state the checker started in. Absent while retrying or when nothing is new.
   */
  readonly decided?: CycleChange;
  /** The decision came after `retry` failed retries (Keepalived logs "failed after N retries"). */
  readonly afterRetries?: number;
}

/** What to do after an attempt that succeeded (`ok`) or failed. */
export function afterAttempt(t: CheckerTimes, c: CheckerCycle, ok: boolean): AfterAttempt {
  const undecided = c.isUp || !c.hasRun;
  if (ok) {
    const cycle = { isUp: true, hasRun: true, retryIt: 0 };
    return !c.isUp || !c.hasRun ? { cycle, delay: t.delayLoop, decided: 'up' } : { cycle, delay: t.delayLoop };
  }
  if (undecided && c.retryIt >= t.retry) {
    // The retries are spent: down, whether it was up or had not run yet.
    const cycle = { isUp: false, hasRun: true, retryIt: 0 };
    const retried = t.retry && c.hasRun ? { afterRetries: t.retry } : {};
    return { cycle, delay: t.delayLoop, decided: 'down', ...retried };
  }
  if (c.isUp) return { cycle: { isUp: true, hasRun: true, retryIt: c.retryIt + 1 }, delay: t.delayBeforeRetry };
  // Down already: no retries, just the next round.
  return { cycle: { ...c, hasRun: true }, delay: t.delayLoop };
}

/**
 * The longest time from a real server failing to its checker deciding "down", for a checker that
 * was up: the failure can start just after a successful attempt began, then one delay_loop, the
 * first attempt and `retry` retries each waiting up to connect_timeout, with delay_before_retry
 * between them. This is the bound the tests hold the daemon to.
 */
export function downBoundUs(t: CheckerTimes, attemptTimeoutUs: number): number {
  return t.delayLoop + attemptTimeoutUs * (t.retry + 1) + t.delayBeforeRetry * t.retry;
}
