/**
 * VRRP's clock on a Linux timerfd, as Keepalived's scheduler keeps its timers (lib/scheduler.c:
 * one CLOCK_MONOTONIC timerfd armed for the earliest timer, with an absolute deadline).
 *
 * Why not setTimeout: libuv's timers count whole milliseconds on a loop time cached at the start
 * of each turn, and the epoll timeout is in milliseconds too, so a timer can fire up to a
 * millisecond or more late. The daemon's clock (base/clock.ts) arms 1 ms early and spins on
 * setImmediate, which still missed by 0.7-1.2 ms in 2 of 5 takeovers in bench/failover (a
 * Master_Down timer re-armed by every received advert). A timerfd wakes the event loop through
 * its file descriptor at the kernel's hrtimer precision.
 *
 * Times are process.hrtime (CLOCK_MONOTONIC) microseconds, the same as systemClock.now().
 */
import koffi from 'koffi';
import type { Clock } from '../base/clock.js';
import { close, EAGAIN, pollReadable, SyscallError } from './libc.js';

const lib = koffi.load('libc.so.6');
const timerfdCreate = lib.func('int timerfd_create(int clockid, int flags)');
const timerfdSettime = lib.func('int timerfd_settime(int fd, int flags, const void *new_value, void *old_value)');
const readFd = lib.func('intptr_t read(int fd, _Out_ uint8_t *buf, size_t count)');

const CLOCK_MONOTONIC = 1;
const TFD_NONBLOCK = 0o4000;
const TFD_CLOEXEC = 0o2000000;
const TFD_TIMER_ABSTIME = 1;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface TimerfdClock extends Clock {
  /** Closes the timerfd; pending timers never fire. */
  close(): void;
  /** µs until the earliest pending timer (0 when one is due), or undefined when none is pending. */
  untilNextUs(): number | undefined;
}

/**
 * struct itimerspec { it_interval, it_value } of two struct timespec { time_t; long }, 64-bit,
 * written into `b` (one buffer per clock: the timer is re-armed after every advert, and a
 * buffer and BigInts per arm were garbage the collector then paused the VRRP process for).
 */
function itimerspec(b: Buffer, atUs: number): Buffer {
  // it_interval stays zero (one-shot). A zero it_value would disarm: the earliest is 1 ns.
  const us = Math.max(0, Math.floor(atUs));
  const sec = Math.floor(us / 1_000_000);
  const nsec = (us % 1_000_000) * 1000 || (sec === 0 ? 1 : 0);
  b.fill(0);
  b.writeUInt32LE(sec >>> 0, 16);
  b.writeUInt32LE(Math.floor(sec / 2 ** 32), 20);
  b.writeUInt32LE(nsec, 24);
  return b;
}

/**
 * `spinUs`: the timerfd wakes the process this long before a deadline and the rest is waited
 * out on setImmediate turns. An idle process on this VM took 0.15-0.5 ms to run after its
 * timerfd expired (the CPU wakes up first), which a running one does not pay.
 *
 * `onError`: where an exception thrown by a timer's callback goes (default: stderr). It is
 * caught so that the other timers still run and the timerfd is re-armed: one failing callback
 * must not stop every VRRP timer of the process.
 */
export function timerfdClock(opts: { spinUs?: number; onError?: (e: unknown) => void } = {}): TimerfdClock {
  if (koffi.sizeof('long') !== 8) throw new Error('timerfdClock: 64-bit Linux only');
  const spinUs = opts.spinUs ?? 1000;
  const fd = timerfdCreate(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) as number;
  if (fd < 0) throw new SyscallError('timerfd_create', koffi.errno());
  const now = () => Number(process.hrtime.bigint() / 1000n);
  /** Pending timers, earliest first (a handful at most: the engine's wake-up and paced GARPs). */
  let queue: Entry[] = [];
  let seq = 0;
  let armedAt: number | undefined;
  let spin: NodeJS.Immediate | undefined;
  let closed = false;
  /** timerfd_settime() calls so far: each resets the expiration count (see the poll callback). */
  let arms = 0;
  const counter = new Uint8Array(8);
  const specBuf = Buffer.alloc(32);
  const onError = opts.onError ?? ((e: unknown) => process.stderr.write(`timer callback failed: ${(e as Error)?.stack ?? String(e)}\n`));

  /** Sets the timerfd for the earliest timer (less the spin), or disarms it. */
  const arm = () => {
    const first = queue[0];
    const wake = first ? first.at - spinUs : undefined;
    if (closed || spin || wake === armedAt) return;
    armedAt = wake;
    arms++;
    // it_value zero disarms the timer when nothing is pending.
    const spec = wake !== undefined ? itimerspec(specBuf, wake) : specBuf.fill(0);
    if ((timerfdSettime(fd, TFD_TIMER_ABSTIME, spec, null) as number) < 0) throw new SyscallError('timerfd_settime', koffi.errno());
  };

  /** Runs what is due; spins while the next timer is near, else goes back to the timerfd. */
  const run = () => {
    spin = undefined;
    if (closed) return;
    const t = now();
    while (queue.length > 0 && queue[0]!.at <= t) {
      const e = queue.shift()!;
      if (e.cancelled) continue;
      try {
        e.fn();
      } catch (err) {
        onError(err);
      }
    }
    const next = queue[0];
    if (next && next.at - now() <= spinUs) spin = setImmediate(run);
    else arm();
  };

  const poller = pollReadable(
    fd,
    () => {
      armedAt = undefined;
      const before = arms;
      if (!spin) run();
      // Re-arming (timerfd_settime) resets the expiration count, which leaves the fd unreadable:
      // then it needs no read, and the advert that run() sent went out one system call sooner
      // after the wake-up (a call through koffi, on the path bench/vrrp-load's saturated case
      // times). Without a re-arm (nothing pending, or a spin turn next) the count is drained, or
      // the level-triggered poll would call back again at once. EAGAIN: nothing to drain.
      if (arms === before && (readFd(fd, counter, 8) as number) < 0 && koffi.errno() !== EAGAIN) {
        throw new SyscallError('read', koffi.errno(), 'timerfd');
      }
    },
    (e) => {
      throw e;
    },
  );

  return {
    now,
    at(atUs, fn) {
      const e: Entry = { at: atUs, seq: seq++, fn, cancelled: false };
      let i = queue.length;
      while (i > 0 && queue[i - 1]!.at > atUs) i--;
      queue.splice(i, 0, e);
      arm();
      return e;
    },
    cancel(h) {
      const e = h as Entry;
      if (e.cancelled) return;
      e.cancelled = true;
      queue = queue.filter((x) => x !== e);
      arm();
    },
    untilNextUs() {
      const first = queue[0];
      return first ? Math.max(0, first.at - now()) : undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      queue = [];
      if (spin) clearImmediate(spin);
      poller.stop();
      close(fd);
    },
  };
}
