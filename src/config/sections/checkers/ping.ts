/**
 * PING_CHECK: ICMP echo to the real server (Keepalived check_ping.c). Only the common connection
 * and timing keywords (the ports are unused).
 */
import type { Cx } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { connectingTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

export interface PingCheck extends CheckerTiming, Connection {
  checker: 'PING_CHECK';
}

export const pingDefaults: CheckerDefaults = { retry: 1, delay_before_retry: 1 };

export function readPingCheck(node: ConfNode, cx: Cx): PingCheck {
  const c: Unresolved<PingCheck> = { checker: 'PING_CHECK', pos: node.pos };
  cx.apply(c, node.block, connectingTable);
  return c as PingCheck;
}
