/**
 * The data plane's contract: the checker side computes each virtual server's desired pool
 * (lb/pool.ts desiredPool()); a data plane makes the host forward that way. Implementations:
 * nftables (the default on Linux) and a userspace proxy; both take the whole picture on every
 * change and are free to rewrite only what changed.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import type { PoolEntry } from '../pool.js';

export type VirtualServerModel = KeepalivedConfig['virtual_server'][number];
export type VirtualServerGroupModel = KeepalivedConfig['virtual_server_group'][number];

export interface ServicePool {
  /** Keepalived's name for the virtual server (`[10.0.0.1]:tcp:80`, `FWM 5`): stable across reloads. */
  readonly key: string;
  readonly vs: VirtualServerModel;
  /** Who gets new connections, with what weight (0: keep existing connections, take no new ones). */
  readonly entries: readonly PoolEntry[];
  /** The virtual_server_group a `virtual_server group NAME` stands for. */
  readonly group?: VirtualServerGroupModel;
}

export interface DataPlane {
  /** Makes forwarding match `pools` (every virtual server, each call). Rejects only when nothing could be applied. */
  apply(pools: readonly ServicePool[]): Promise<void>;
  /** Removes everything it installed, unless `keep` (Keepalived's --dont-release-ipvs). */
  close(keep?: boolean): Promise<void>;
}
