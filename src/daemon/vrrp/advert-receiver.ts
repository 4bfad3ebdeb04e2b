/**
 * The receive path: a packet off a VRRP socket to the engine's advert event. Finds the instance
 * by socket and VRID, decodes and checks the advert (vrrp/receive.ts, RFC 5798 7.1) counting
 * refusals as Keepalived's keepalived.stats does, and dates it at its arrival: the Master_Down
 * timer runs from there (RFC 5798 6.4.2), not from our read.
 */
import type { VrrpPacket } from '../../os/types.js';
import { decodeAdvertisement } from '../../vrrp/packet.js';
import { checkAdvert, type RefuseReason } from '../../vrrp/receive.js';
import type { InstanceEvent, InstanceState } from '../../vrrp/types.js';
import { ahAccepted } from '../../vrrp/ah.js';
import { compareAddresses } from '../../base/addr.js';
import type { Clock } from '../../base/clock.js';
import type { Logger } from '../../base/log.js';
import type { ErrorStats, Runtime } from './runtime.js';

/** A socket timestamp older than this is not believed (a wall-clock step between arrival and read). */
const MAX_RX_AGE_US = 100_000;

const REFUSE_STAT: Record<Exclude<RefuseReason, 'not_vrrp'>, keyof ErrorStats> = {
  ttl: 'ip_ttl_err', version: 'version_err', auth_type_invalid: 'invalid_authtype', auth_type_mismatch: 'authtype_mismatch',
  auth_failure: 'auth_failure', interval: 'advert_interval_err', unicast_peer: 'unicast_src_err',
};

export interface ReceiveDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly trace?: (what: string) => void;
  /** The engine's view of an instance now (AH: a master's counter moves past lower adverts). */
  readonly instanceState?: (name: string) => InstanceState | undefined;
}

/** An accepted advert: the instance's event and when it happened. */
export interface Received {
  readonly instance: string;
  readonly event: InstanceEvent;
  readonly at: number;
}

export class AdvertReceiver {
  /** Received adverts find their instance by socket and VRID without scanning every instance. */
  private byVrid = new Map<string, Runtime>();

  constructor(private readonly deps: ReceiveDeps) {}

  /** The instances adverts are for (at start and after a reload). */
  index(runtimes: ReadonlyMap<string, Runtime>): void {
    this.byVrid = new Map([...runtimes.values()].map((r) => [`${r.socketKey}/${r.inst.virtual_router_id}`, r]));
  }

  /** The advert event `p` makes, if it is for one of ours and passes the checks. */
  received(socketKey: string, p: VrrpPacket): Received | undefined {
    const vrid = p.bytes[1];
    const rt = this.byVrid.get(`${socketKey}/${vrid}`);
    if (!rt) return undefined; // another VRID on the link (Keepalived logs these only with log_unknown_vrids)
    if (p.src === rt.src) return undefined; // our own advert looped back
    const decoded = decodeAdvertisement(p.bytes, rt.family, {
      src: p.src,
      dst: p.dst,
      ...(rt.inst.v3_checksum_as_v2 ? { v3ChecksumAsV2: true } : {}),
      ...(rt.inst.unicast && rt.inst.old_unicast_checksum !== 'never' ? { oldUnicastDst: rt.group } : {}),
    });
    if (!decoded.ok) {
      const stat: Record<string, keyof ErrorStats> = { length: 'packet_len_err', addr_count: 'packet_len_err', version: 'version_err', type: 'invalid_type_rcvd', checksum: 'checksum_err' };
      rt.errors[stat[decoded.reason]!]++;
      this.deps.log.detail(`(${rt.inst.name}) dropped advert from ${p.src}: ${decoded.detail}`);
      return undefined;
    }
    const multicast = rt.family === 'inet' ? /^2(2[4-9]|3\d)\./.test(p.dst) : p.dst.startsWith('ff');
    const verdict = checkAdvert(
      decoded.advert,
      { src: p.src, ttl: p.ttl, multicast, ...(p.ahDatagram ? { ahDatagram: p.ahDatagram } : {}), ...(rt.ah ? { ahCounter: rt.ah.counter } : {}) },
      rt.recv,
    );
    if (rt.ah && verdict.ahSeq !== undefined) {
      // Keepalived: the counter follows every authenticated advert; a master hearing a lower
      // priority (not 0) moves past that advert's number.
      const st = this.deps.instanceState?.(rt.inst.name);
      const prio = decoded.advert.priority;
      const lower = verdict.accept && st?.state === 'MASTER' && prio !== 0 &&
        (prio < st.effectivePriority || (prio === st.effectivePriority && compareAddresses(p.src, rt.src) < 0));
      rt.ah.counter = ahAccepted(rt.ah.counter, verdict.ahSeq, lower);
    }
    if (!verdict.accept) {
      if (verdict.reason !== 'not_vrrp') rt.errors[REFUSE_STAT[verdict.reason]]++;
      this.deps.log.detail(`(${rt.inst.name}) dropped advert from ${p.src}: ${verdict.detail}`);
      return undefined;
    }
    this.deps.trace?.(`advert from ${p.src}`);
    if (verdict.addressListMismatch) {
      rt.errors.addr_list_err++;
      this.deps.log.detail(`(${rt.inst.name}) advert from ${p.src} lists other virtual addresses than ours`);
    }
    // The Master_Down timer runs from the advert's arrival (RFC 5798 6.4.2), not from our read.
    const age = p.ageUs !== undefined && p.ageUs >= 0 && p.ageUs < MAX_RX_AGE_US ? p.ageUs : 0;
    return { instance: rt.inst.name, event: { kind: 'advert', advert: decoded.advert, src: p.src }, at: this.deps.clock.now() - age };
  }
}
