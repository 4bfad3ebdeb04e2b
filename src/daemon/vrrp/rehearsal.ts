/**
 * Running a backup's takeover path before it is needed, with the results thrown away and nothing
 * sent: the engine's "become master" step, the advert's encoding and the socket's and the
 * announcer's send paths up to the system call.
 *
 * Why (measured with KEEPALIVED_TS_TRACE in bench/failover, bench/README.md): a backup runs that
 * code for the first time at a failover. V8 compiled it then (~0.8 ms of the takeover), and even
 * compiled it was slow right after the process had been idle - on this VM, encoding and sending
 * the advert took ~200 us after an idle period and ~65 us when the same code had just run
 * (measured in a namespace, 8 deadlines each). So it runs REHEARSALS_AT_START times at start-up
 * (V8 compiles it further), and again every WARM_STEP_US in the last WARM_US before a backup's
 * Master_Down deadline, stopping WARM_QUIET_US before it so that a slow rehearsal never delays
 * the real thing. (V8's bytecode flushing is off in the VRRP child, so the code stays compiled
 * through hours of being a backup: vrrp-child.ts.)
 */
import type { Announcer, VrrpSocket } from '../../os/types.js';
import { buildAhDatagram } from '../../vrrp/ah.js';
import { encodeAdvertisement } from '../../vrrp/packet.js';
import { stepAll, type RouterParams, type RouterState } from '../../vrrp/router.js';
import type { InstanceState } from '../../vrrp/types.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { Runtime } from './runtime.js';

const REHEARSALS_AT_START = 50;
const WARM_US = 1000;
const WARM_STEP_US = 100;
const WARM_QUIET_US = 500;

export interface RehearsalDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly announcer: Announcer;
  readonly socketFor: (rt: Runtime) => VrrpSocket;
}

export interface RehearsalView {
  readonly params: RouterParams;
  readonly state: RouterState;
  readonly runtimes: ReadonlyMap<string, Runtime>;
}

export class TakeoverRehearsal {
  private timer: unknown;
  private deadline: number | undefined;

  constructor(
    private readonly deps: RehearsalDeps,
    private readonly view: () => RehearsalView,
  ) {}

  /** `rounds` rehearsals of the takeover of `names` (default: every instance). */
  run(rounds = REHEARSALS_AT_START, names?: ReadonlySet<string>): void {
    const { params, state, runtimes } = this.view();
    const now = this.deps.clock.now();
    const rehearsed = state.instances.withMutable();
    for (const [name, st] of state.instances.entries()) if (!names || names.has(name)) rehearsed.set(name, { ...st, state: 'BACKUP', deadline: now });
    const instances = rehearsed.states;
    const chosen = [...runtimes.values()].filter((rt) => !names || names.has(rt.inst.name));
    for (let i = 0; i < rounds; i++) {
      stepAll(params, { ...state, instances }, 'timer', now);
      for (const rt of chosen) {
        const dst = rt.destinations[0];
        if (dst === undefined) continue;
        try {
          const bytes = encodeAdvertisement(
            { ...rt.advertTemplate, priority: rt.params.basePriority },
            { src: rt.src, dst, ...(rt.inst.v3_checksum_as_v2 ? { v3ChecksumAsV2: true } : {}) },
          );
          // AH: the ICV's code too, with the next number but without using it up.
          if (rt.ah) buildAhDatagram(bytes, { src: rt.src, dst, id: (rt.ah.ipId % 0xffff) + 1, ttl: rt.ttl, seq: Math.min(rt.ah.counter.seq + 1, 0xffffffff), unicast: rt.inst.unicast }, rt.ah.key);
          else this.deps.socketFor(rt).prepare?.(bytes, dst, rt.src, rt.ttl);
          this.deps.announcer.rehearse?.(rt.vipIfname, rt.advertTemplate.addresses);
        } catch (e) {
          this.deps.log.detail(`(${rt.inst.name}) rehearsing a takeover: ${(e as Error).message}`);
          return;
        }
      }
    }
  }

  /** Rehearses `names`' takeover in the last stretch before `deadline` (replacing any earlier plan). */
  warmUntil(deadline: number, names: ReadonlySet<string>): void {
    const { clock } = this.deps;
    this.cancel();
    this.deadline = deadline;
    const tick = () => {
      this.timer = undefined;
      if (this.deadline !== deadline) return;
      this.run(1, names);
      const at = clock.now() + WARM_STEP_US;
      if (at < deadline - WARM_QUIET_US) this.timer = clock.at(at, tick);
    };
    this.timer = clock.at(deadline - WARM_US, tick);
  }

  cancel(): void {
    if (this.timer !== undefined) this.deps.clock.cancel(this.timer);
    this.timer = undefined;
    this.deadline = undefined;
  }
}
