/**
 * TCP_CHECK: a TCP connection to the real server succeeds (Keepalived check_tcp.c). Only the
 * common connection and timing keywords.
 */
import type { Cx } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import { connectingTable, type CheckerDefaults, type CheckerTiming, type Connection, type Unresolved } from './common.js';

export interface TcpCheck extends CheckerTiming, Connection {
  checker: 'TCP_CHECK';
}

export const tcpDefaults: CheckerDefaults = { retry: 1, delay_before_retry: 1 };

export function readTcpCheck(node: ConfNode, cx: Cx): TcpCheck {
  // With the fields lvs-finish.ts resolves, unset (checkers/common.ts says why).
  const c: Unresolved<TcpCheck> = {
    checker: 'TCP_CHECK',
    pos: node.pos,
    alpha: undefined,
    log_all_failures: undefined,
    retry: undefined,
    delay_loop: undefined,
    warmup: undefined,
    delay_before_retry: undefined,
    connect_ip: undefined,
    connect_port: undefined,
    connect_timeout: undefined,
  };
  cx.apply(c, node.block, connectingTable);
  return c as TcpCheck;
}
