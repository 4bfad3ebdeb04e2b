/**
 * KEEPALIVED_TS_TRACE=1: one log line per takeover with the time of each step since the last
 * advert received, in microseconds, e.g.
 *   takeover trace: advert from 10.0.0.1 +0 | timer (48 us late) +361004 | engine stepped +361123
 *   | advert sent +361396 | addresses added +361671 | announced +362220 | reported MASTER +362230
 * This is how bench/failover's gap to Keepalived was taken apart (bench/README.md). The driver
 * reports milestones through VrrpDeps.trace; nothing is kept when the variable is unset.
 */
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';

const KEEP = 40;

export function takeoverTrace(clock: Clock, log: Logger): (what: string) => void {
  let steps: Array<[string, number]> = [];
  let wallUs = 0;
  return (what) => {
    // Only the last received advert matters: it starts the Master_Down timer.
    if (what.startsWith('advert from')) {
      steps = [];
      // The wall clock too, to set against a capture's timestamps (bench/failover).
      wallUs = Math.round((performance.timeOrigin + performance.now()) * 1000);
    }
    steps.push([what, clock.now()]);
    if (steps.length > KEEP) steps.shift();
    if (what === 'reported MASTER') {
      const t0 = steps[0]![1];
      log.info(`takeover trace: ${steps.map(([w, t]) => `${w} +${t - t0}`).join(' | ')} | wall ${wallUs / 1e6}`);
      steps = [];
    }
  };
}
