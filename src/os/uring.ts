/**
 * Sends that the kernel makes at a set time: an io_uring (io_uring(7)) whose IORING_OP_TIMEOUT,
 * at an absolute CLOCK_MONOTONIC time, is linked to the IORING_OP_SENDMSG calls of a master's
 * adverts. When the timer expires the kernel sends them in the VRRP thread's own context, before
 * the thread is back in user space: no epoll return, libuv, koffi callback or JavaScript lies
 * between the wake-up and the sendmsg.
 *
 * Why: under CPU contention, the time from a timerfd's wake-up to the sendmsg through the event
 * loop (median 79 us, 90th percentile 238 us, on a cold CPU) was what a busy loop preempted at
 * the next tick, 4 ms later (bench/vrrp-load's saturated case, perf). A C program beside two
 * busy loops, in its own session: 17, 2, 3, 2, 8 gaps over 12 ms in five runs of 600 sending
 * after a timerfd and 150 us of work; 1, 2, 1, 0, 1 with the send linked to an io_uring timeout.
 *
 * The ring is optional: io_uring_setup may be refused (kernel.io_uring_disabled, seccomp, an old
 * kernel); the caller then sends from the event loop as before.
 *
 * No SQPOLL, no DEFER_TASKRUN: the timer's completion is task work for the submitting thread,
 * which the kernel wakes (TWA_SIGNAL) even from epoll_wait.
 */
import koffi from 'koffi';
import { close, EINTR, MSG_DONTWAIT, SyscallError } from './libc.js';

const lib = koffi.load('libc.so.6');
const c = {
  syscall: lib.func('long syscall(long number, ...)'),
  // io_uring_enter at every advert: koffi builds a variadic call's signature at each call (490
  // against 200 ns a call, measured), and syscall(2) reads integer arguments from the same
  // registers either way (x86_64, arm64).
  enter: lib.func('long syscall(long number, unsigned int fd, unsigned int toSubmit, unsigned int minComplete, unsigned int flags, void *sig, size_t sigsz)'),
  mmap: lib.func('intptr_t mmap(intptr_t addr, size_t len, int prot, int flags, int fd, intptr_t off)'),
  munmap: lib.func('int munmap(intptr_t addr, size_t len)'),
};

/** io_uring_setup and io_uring_enter: the same numbers on every architecture since 5.1. */
const SYS_IO_URING_SETUP = 425;
const SYS_IO_URING_ENTER = 426;
const PARAMS_BYTES = 120;
const SQE_BYTES = 64;
const CQE_BYTES = 16;
const IORING_SETUP_CQSIZE = 1 << 3;
const IORING_FEAT_SINGLE_MMAP = 1 << 0;
const IORING_FEAT_NODROP = 1 << 1;
const IORING_FEAT_CQE_SKIP = 1 << 11;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_ENTER_GETEVENTS = 1;
const OP_NOP = 0;
const OP_SENDMSG = 9;
const OP_TIMEOUT = 11;
const OP_TIMEOUT_REMOVE = 12;
const IOSQE_IO_LINK = 1 << 2;
const IOSQE_IO_HARDLINK = 1 << 3;
const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
const IORING_TIMEOUT_ABS = 1 << 0;
/** An expired timeout counts as success for its link (Linux 5.16). */
const IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
const PROT_RW = 3;
const MAP_SHARED_POPULATE = 0x01 | 0x8000;
const ETIME = koffi.os.errno.ETIME ?? 62;
const ECANCELED = koffi.os.errno.ECANCELED ?? 125;
const EOPNOTSUPP = koffi.os.errno.EOPNOTSUPP ?? 95;

/** One sendmsg: the socket and the address of a struct msghdr that stays valid until settled. */
export interface RingSend {
  readonly fd: number;
  readonly msg: bigint;
}

/** Sends staged for one time. */
export interface RingBatch {
  readonly tag: number;
  readonly count: number;
}

/** What became of a batch: `fired` when its time came (the sends were made), with each failed send's index and errno. */
export interface RingOutcome {
  readonly fired: boolean;
  readonly errors: ReadonlyArray<readonly [index: number, errno: number]>;
}

export interface SendRing {
  /** The most sends one batch can hold. */
  readonly maxBatch: number;
  /** Queues `sends` for `atUs` (CLOCK_MONOTONIC µs, process.hrtime's clock). At most one batch is pending. */
  stage(atUs: number, sends: readonly RingSend[]): RingBatch;
  /**
   * Ends a batch: removes its timer if it has not expired, and returns once the kernel has
   * answered for every send, so that their buffers can be written again.
   */
  settle(b: RingBatch): RingOutcome;
  close(): void;
}

function map(fd: number, len: number, off: number): number {
  const p = Number(c.mmap(0, len, PROT_RW, MAP_SHARED_POPULATE, fd, off));
  if (p === -1) throw new SyscallError('mmap', koffi.errno());
  return p;
}

/** Batch tags live in user_data's upper half, a send's index (0: the timer) in the lower. */
const TAG_SHIFT = 2 ** 20;

/**
 * An io_uring of `entries` submission slots (a batch is its timer and up to entries - 1 sends).
 * Throws a SyscallError when the kernel refuses io_uring or lacks what this needs (Linux 5.17+).
 */
export function openSendRing(entries = 256): SendRing {
  const params = new Uint8Array(PARAMS_BYTES);
  const pv = new DataView(params.buffer);
  pv.setUint32(4, entries * 4, true); // cq_entries: a timer and every send can each post one
  pv.setUint32(8, IORING_SETUP_CQSIZE, true);
  const fd = Number(c.syscall(SYS_IO_URING_SETUP, 'unsigned int', entries, 'uint8_t *', params));
  if (fd < 0) throw new SyscallError('io_uring_setup', koffi.errno());
  const u32 = (o: number) => pv.getUint32(o, true);
  const features = u32(20);
  const need = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_CQE_SKIP;
  const maps: Array<[number, number]> = [];
  try {
    if ((features & need) !== need) throw new SyscallError('io_uring_setup', EOPNOTSUPP, `(features ${features.toString(16)})`);
    const sqEntries = u32(0);
    const cqEntries = u32(4);
    const sqSize = u32(40 + 24) + sqEntries * 4; // sq_off.array + the index array
    const cqSize = u32(80 + 20) + cqEntries * CQE_BYTES; // cq_off.cqes + the entries
    const ringSize = Math.max(sqSize, cqSize);
    const ring = map(fd, ringSize, IORING_OFF_SQ_RING); // both rings: IORING_FEAT_SINGLE_MMAP
    maps.push([ring, ringSize]);
    const sqes = map(fd, sqEntries * SQE_BYTES, IORING_OFF_SQES);
    maps.push([sqes, sqEntries * SQE_BYTES]);
    const rb = koffi.view(ring, ringSize) as ArrayBuffer;
    const words = new Uint32Array(rb);
    const rv = new DataView(rb);
    const sb = koffi.view(sqes, sqEntries * SQE_BYTES) as ArrayBuffer;
    return new Ring(fd, sqEntries, cqEntries, { words, rv, sv: new DataView(sb), sb: new Uint8Array(sb), maps, sq: { tail: u32(44), mask: u32(48), array: u32(64) }, cq: { head: u32(80), tail: u32(84), mask: u32(88), cqes: u32(100) } });
  } catch (e) {
    for (const [p, len] of maps) c.munmap(p, len);
    close(fd);
    throw e;
  }
}

interface Layout {
  readonly words: Uint32Array;
  readonly rv: DataView;
  readonly sv: DataView;
  /** The same SQE memory as bytes, for clearing an entry. */
  readonly sb: Uint8Array;
  readonly maps: ReadonlyArray<[number, number]>;
  readonly sq: { readonly tail: number; readonly mask: number; readonly array: number };
  readonly cq: { readonly head: number; readonly tail: number; readonly mask: number; readonly cqes: number };
}

/** A pending batch's answers so far. */
interface Pending {
  readonly tag: number;
  readonly count: number;
  /** The timer's result once posted (-ETIME: expired; -ECANCELED: removed). */
  timer: number | undefined;
  /** Set when the last send has answered: every send of the chain is then done. */
  done: boolean;
  readonly errors: Array<readonly [number, number]>;
}

class Ring implements SendRing {
  readonly maxBatch: number;
  private tagSeq = 0;
  private pending: Pending | undefined;
  private closed = false;
  /** __kernel_timespec for the batch's timer, read by the kernel at submission. */
  private readonly ts = koffi.alloc('uint8_t', 16) as bigint;
  private readonly tsView: DataView;

  constructor(
    private readonly fd: number,
    sqEntries: number,
    cqEntries: number,
    private readonly l: Layout,
  ) {
    this.maxBatch = Math.min(sqEntries - 1, cqEntries - 2, TAG_SHIFT - 1);
    this.tsView = new DataView(koffi.view(this.ts, 16) as ArrayBuffer);
    this.selfTest();
  }

  /** A timer already expired, linked to a NOP: both answer only if the kernel knows ETIME_SUCCESS and links through it. */
  private selfTest(): void {
    this.setTime(1);
    const tag = ++this.tagSeq;
    this.sqe(0, OP_TIMEOUT, IOSQE_IO_LINK, -1, this.ts, 1, IORING_TIMEOUT_ABS | IORING_TIMEOUT_ETIME_SUCCESS, tag * TAG_SHIFT);
    this.sqe(1, OP_NOP, 0, -1, 0n, 0, 0, tag * TAG_SHIFT + 1);
    this.submit(2, 2);
    const got = new Map<number, number>();
    this.reap((ud, res) => got.set(ud - tag * TAG_SHIFT, res));
    if (got.get(0) !== -ETIME || got.get(1) !== 0) throw new SyscallError('io_uring linked timeout', EOPNOTSUPP, `(timer ${got.get(0)}, nop ${got.get(1)})`);
  }

  private setTime(atUs: number): void {
    const us = Math.max(1, Math.floor(atUs));
    this.tsView.setBigInt64(0, BigInt(Math.floor(us / 1e6)), true);
    this.tsView.setBigInt64(8, BigInt((us % 1e6) * 1000), true);
  }

  /** Writes the i-th submission after the current tail (not yet published). */
  private sqe(i: number, op: number, flags: number, fd: number, addr: bigint, len: number, opFlags: number, userData: number): void {
    const { words, sv, sb, sq } = this.l;
    const tail = words[sq.tail / 4]!;
    const slot = (tail + i) & words[sq.mask / 4]!;
    const o = slot * SQE_BYTES;
    sb.fill(0, o, o + SQE_BYTES);
    sv.setUint8(o, op);
    sv.setUint8(o + 1, flags);
    sv.setInt32(o + 4, fd, true);
    sv.setBigUint64(o + 16, addr, true);
    sv.setUint32(o + 24, len, true);
    sv.setUint32(o + 28, opFlags, true);
    // user_data as two words: no BigInt per entry (userData < 2^53).
    sv.setUint32(o + 32, userData % 2 ** 32, true);
    sv.setUint32(o + 36, Math.floor(userData / 2 ** 32), true);
    words[sq.array / 4 + slot] = slot;
  }

  /** Publishes `n` submissions and enters the kernel, waiting for `wait` completions. */
  private submit(n: number, wait: number): void {
    const { words, sq } = this.l;
    if (n > 0) Atomics.store(words, sq.tail / 4, (words[sq.tail / 4]! + n) >>> 0);
    let left = n;
    for (;;) {
      const r = Number(c.enter(SYS_IO_URING_ENTER, this.fd, left, wait, wait > 0 || left === 0 ? IORING_ENTER_GETEVENTS : 0, null, 0));
      if (r >= 0) {
        left -= r;
        if (left <= 0) return;
        continue;
      }
      if (koffi.errno() !== EINTR) throw new SyscallError('io_uring_enter', koffi.errno());
    }
  }

  /** Every posted completion, in order. */
  private reap(each: (userData: number, res: number) => void): void {
    const { words, rv, cq } = this.l;
    let head = words[cq.head / 4]!;
    const tail = Atomics.load(words, cq.tail / 4);
    const mask = words[cq.mask / 4]!;
    while (head !== tail) {
      const o = cq.cqes + (head & mask) * CQE_BYTES;
      each(Number(rv.getBigUint64(o, true)), rv.getInt32(o + 8, true));
      head = (head + 1) >>> 0;
    }
    Atomics.store(words, cq.head / 4, head);
  }

  private collect(): void {
    const p = this.pending;
    this.reap((ud, res) => {
      if (!p || Math.floor(ud / TAG_SHIFT) !== p.tag) return; // a removal's own answer, or a settled batch's
      const i = ud % TAG_SHIFT;
      if (i === 0) p.timer = res;
      else {
        if (res < 0 && res !== -ECANCELED) p.errors.push([i - 1, -res]);
        if (i === p.count) p.done = true;
      }
    });
  }

  stage(atUs: number, sends: readonly RingSend[]): RingBatch {
    if (this.closed) throw new Error('send ring closed');
    if (this.pending) throw new Error('send ring: a batch is still pending');
    if (sends.length === 0 || sends.length > this.maxBatch) throw new RangeError(`send ring: ${sends.length} sends (1..${this.maxBatch})`);
    this.setTime(atUs);
    const tag = (this.tagSeq = (this.tagSeq % 0x7fffffff) + 1);
    this.sqe(0, OP_TIMEOUT, IOSQE_IO_LINK, -1, this.ts, 1, IORING_TIMEOUT_ABS | IORING_TIMEOUT_ETIME_SUCCESS, tag * TAG_SHIFT);
    // Hard links between the sends: one that fails does not cancel the rest. Only the last one
    // always answers, so that its answer marks the end of the chain; the others only on failure.
    for (let i = 0; i < sends.length; i++) {
      const last = i === sends.length - 1;
      this.sqe(i + 1, OP_SENDMSG, last ? 0 : IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS, sends[i]!.fd, sends[i]!.msg, 1, MSG_DONTWAIT, tag * TAG_SHIFT + i + 1);
    }
    this.pending = { tag, count: sends.length, timer: undefined, done: false, errors: [] };
    this.submit(sends.length + 1, 0);
    return { tag, count: sends.length };
  }

  settle(b: RingBatch): RingOutcome {
    const p = this.pending;
    if (!p || p.tag !== b.tag) throw new Error('send ring: not the pending batch');
    this.collect();
    if (!p.done) {
      // Not expired yet (or its task work not run): remove the timer, which cancels the chain,
      // then wait for the kernel's answers. The waits are the kernel's own bookkeeping, not I/O.
      if (p.timer === undefined) {
        this.sqe(0, OP_TIMEOUT_REMOVE, 0, -1, BigInt(p.tag * TAG_SHIFT), 0, 0, 0);
        this.submit(1, 0);
      }
      while (!p.done) {
        this.submit(0, 1);
        this.collect();
      }
    }
    this.pending = undefined;
    return { fired: p.timer === -ETIME, errors: p.errors };
  }

  close(): void {
    if (this.closed) return;
    if (this.pending) this.settle(this.pending);
    this.closed = true;
    for (const [p, len] of this.l.maps) c.munmap(p, len);
    close(this.fd);
    koffi.free(this.ts);
  }
}
