/**
 * Hands the pools to the data plane: changes that arrive together (one checker decision can move
 * several pools, a start moves all) are coalesced into one apply, and applies never overlap, so
 * the data plane sees each complete picture in order and never a half-updated one.
 */
import { formatVs } from '../../config/sections/lvs-format.js';
import type { DataPlane, ServicePool, VirtualServerGroupModel, VirtualServerModel } from '../../lb/dataplane/types.js';
import type { PoolEntry } from '../../lb/pool.js';
import type { Logger } from '../../base/log.js';

export class PoolPublisher {
  private readonly pools = new Map<number, ServicePool>();
  private running: Promise<void> | undefined;
  private dirty = false;
  private scheduled = false;
  /** Applies done, for tests and dumps. */
  applies = 0;

  constructor(
    private readonly plane: DataPlane,
    private readonly log: Logger,
    /** Defers a flush to after the current burst of events (setImmediate in the daemon). */
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  set(index: number, vs: VirtualServerModel, entries: readonly PoolEntry[], group?: VirtualServerGroupModel): void {
    this.pools.set(index, { key: formatVs(vs), vs, entries, ...(group ? { group } : {}) });
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Resolves when everything set so far has been applied (or failed and been logged). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (!this.dirty) return;
    this.dirty = false;
    const snapshot = [...this.pools.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    this.running = this.plane.apply(snapshot).then(
      () => void this.applies++,
      (e: Error) => this.log.error(`data plane: ${e.message}`),
    );
    await this.running;
    this.running = undefined;
    if (this.dirty) await this.flush();
  }

  async close(keep: boolean): Promise<void> {
    await this.flush();
    await this.plane.close(keep);
  }
}
