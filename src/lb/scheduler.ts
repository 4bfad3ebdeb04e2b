/**
 * Schedulers: which real server a new connection goes to, with the Linux kernel's IPVS semantics
 * (net/netfilter/ipvs/ip_vs_<name>.c), as pure objects behind one interface and a registry (the
 * shape of grpc-js's load-balancing policies). Time and randomness are injected. The userspace
 * proxy schedules every connection through these; the nftables data plane programs the same
 * weights and the Maglev table into the kernel.
 */
import type { LvsScheduler } from '../config/sections/lvs.js';
import { hashingSchedulers } from './schedulers/hashing.js';
import { leastConnectionSchedulers } from './schedulers/least-connection.js';
import { localitySchedulers } from './schedulers/locality.js';
import { maglevScheduler } from './schedulers/maglev.js';
import { roundRobinSchedulers } from './schedulers/round-robin.js';
import { weightOrderSchedulers } from './schedulers/weight-order.js';
import type { Scheduler, SchedulerOptions } from './schedulers/types.js';

export type { Dest, Flow, Scheduler, SchedulerOptions } from './schedulers/types.js';

type Factory = (opts: SchedulerOptions) => Scheduler;

const REGISTRY: Readonly<Record<LvsScheduler, Factory>> = {
  ...roundRobinSchedulers,
  ...leastConnectionSchedulers,
  ...localitySchedulers,
  ...hashingSchedulers,
  ...weightOrderSchedulers,
  mh: maglevScheduler,
};

export const SCHEDULER_NAMES = Object.keys(REGISTRY) as LvsScheduler[];

export function createScheduler(name: LvsScheduler, opts: SchedulerOptions = {}): Scheduler {
  return REGISTRY[name](opts);
}
