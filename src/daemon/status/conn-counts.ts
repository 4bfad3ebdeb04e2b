/**
 * The connection counts of the status (/metrics node_ipvs_backend_connections_active and
 * _inactive, the page's active / inactive column, `keepalived-ts status --json`), as
 * node_exporter's IPVS collector reads them from the kernel. Here they come from conntrack: read
 * when a status request comes, never on a timer, one read at a time (requests that come during a
 * read share it), counting the virtual servers' addresses only, within a time and a size bound
 * (the parent waits 1 s for the children's parts). Only the nftables data plane has entries to
 * count: its NAT services are translated connections; DR is stateless on the director, and the
 * proxy and "none" leave nothing in conntrack.
 */
import { canonicalAddress } from '../../base/addr.js';
import type { KeepalivedConfig } from '../../config/model.js';
import type { DataPlaneChoice } from '../../lb/scheduler-in-force.js';
import type { ConnectionCounts, ReadBounds } from '../../os/conntrack.js';

/** 250 ms leaves the checker room to build and send its part within the parent's 1 s on a loaded machine; 32 MiB is ~150,000 connections. */
export const STATUS_READ_BOUNDS = { timeoutMs: 250, maxBytes: 32 << 20 } as const;

export type CountsReader = (bounds: ReadBounds) => Promise<ConnectionCounts | undefined>;

/** The key lvsPart() looks a real server's counts up by: canonical addresses, as conntrack prints them. */
export function connectionKey(vip: string, vport: number, rs: string, rport: number): string {
  return `${canonicalAddress(vip)}|${vport}|${canonicalAddress(rs)}|${rport}`;
}

export class StatusConnections {
  private inflight: Promise<ConnectionCounts | undefined> | undefined;

  constructor(
    private readonly read: CountsReader,
    private readonly bounds: Omit<ReadBounds, 'vips'> = STATUS_READ_BOUNDS,
  ) {}

  /** The counts for `config`'s virtual servers now; undefined where there are none to read, or the read failed or ran out of bounds. */
  counts(config: KeepalivedConfig, plane: DataPlaneChoice): Promise<ConnectionCounts | undefined> {
    if (plane !== 'nft') return Promise.resolve(undefined);
    const vips = new Set(config.virtual_server.flatMap((vs) => (vs.ip !== undefined ? [canonicalAddress(vs.ip)] : [])));
    if (vips.size === 0) return Promise.resolve(undefined);
    this.inflight ??= this.read({ ...this.bounds, vips }).catch(() => undefined).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }
}
