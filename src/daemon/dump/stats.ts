/**
 * keepalived.stats (SIGUSR2, and STATS_CLEAR = signal 63), as Keepalived 2.2.7's
 * vrrp_print_stats() writes it. keepalived-exporter parses it line by line: the section lines end
 * in ':' and the values are bare integers, so the layout is kept to the byte.
 *
 * STATS_CLEAR writes the file and then zeroes the counters. The counters live in the engine's
 * state and the driver's runtimes, which a formatter must not touch: clearing returns a
 * baseline instead, which later dumps subtract (common.ts counters()).
 */
import { counters, dumpedInstances, rawCounters, type DumpInput, type StatsBaseline } from './common.js';

export function formatStats(input: DumpInput): string {
  const lines: string[] = [];
  for (const { rt, st } of dumpedInstances(input)) {
    const c = counters(rt, st, input.baseline);
    lines.push(
      `VRRP Instance: ${rt.inst.name}`,
      '  Advertisements:',
      `    Received: ${c.advert_rcvd}`,
      `    Sent: ${c.advert_sent}`,
      `  Became master: ${c.become_master}`,
      `  Released master: ${c.release_master}`,
      '  Packet Errors:',
      `    Length: ${c.packet_len_err}`,
      `    TTL: ${c.ip_ttl_err}`,
      `    Invalid Type: ${c.invalid_type_rcvd}`,
      `    Advertisement Interval: ${c.advert_interval_err}`,
      `    Address List: ${c.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${c.invalid_authtype}`,
      `    Type Mismatch: ${c.authtype_mismatch}`,
      `    Failure: ${c.auth_failure}`,
      '  Priority Zero:',
      `    Received: ${c.pri_zero_rcvd}`,
      `    Sent: ${c.pri_zero_sent}`,
    );
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** The baseline that makes every counter read zero from now on (what STATS_CLEAR leaves). */
export function statsBaseline(input: Pick<DumpInput, 'runtimes' | 'router'>): StatsBaseline {
  const out = new Map<string, ReturnType<typeof rawCounters>>();
  for (const rt of input.runtimes.values()) {
    const st = input.router.instances.get(rt.inst.name);
    if (st) out.set(rt.inst.name, rawCounters(rt, st));
  }
  return out;
}

/**
 * STATS_CLEAR: the file's text (counters before clearing, as Keepalived writes them) and the
 * baseline the caller keeps for later dumps. Nothing is mutated.
 */
export function statsClear(input: DumpInput): { text: string; baseline: StatsBaseline } {
  return { text: formatStats(input), baseline: statsBaseline(input) };
}
