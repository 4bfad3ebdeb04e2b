/**
 * /metrics in Prometheus' text format, under the names existing dashboards know: VRRP as
 * keepalived-exporter publishes it (keepalived_up, keepalived_vrrp_state{iname,intf,vrid,
 * ip_address} with 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, the advert and error counters with
 * labels iname/intf/vrid, keepalived_script_status and _state), LVS as node_exporter's IPVS
 * collector does (node_ipvs_backend_weight, _connections_active, _connections_inactive with
 * local_address, local_port, remote_address, remote_port, proto, local_mark), and what neither
 * has: checker latency histograms, transitions by reason, the VRRP clock's lateness, real server
 * health and the scheduler in force. Pure: DaemonStatus in, text out.
 */
import type { VrrpCounters } from '../dump/common.js';
import type { DaemonStatus } from './model.js';

const STATE: Readonly<Record<string, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 0 };
const SCRIPT_STATE: Readonly<Record<string, number>> = { idle: 0, running: 1, 'requested termination': 2, 'forcing termination': 3 };

/** keepalived-exporter's counter names for Keepalived's stats fields. */
const COUNTERS: ReadonlyArray<[keyof VrrpCounters, string, string]> = [
  ['advert_rcvd', 'keepalived_advertisements_received_total', 'Advertisements received'],
  ['advert_sent', 'keepalived_advertisements_sent_total', 'Advertisements sent'],
  ['become_master', 'keepalived_become_master_total', 'Times the instance became master'],
  ['release_master', 'keepalived_release_master_total', 'Times the instance released master'],
  ['packet_len_err', 'keepalived_packet_length_errors_total', 'Packets with a bad length'],
  ['advert_interval_err', 'keepalived_advertisements_interval_errors_total', 'Adverts with another interval'],
  ['ip_ttl_err', 'keepalived_ip_ttl_errors_total', 'Adverts with a bad TTL'],
  ['invalid_type_rcvd', 'keepalived_invalid_type_received_total', 'Packets of an invalid type'],
  ['addr_list_err', 'keepalived_address_list_errors_total', 'Adverts whose address list differs'],
  ['invalid_authtype', 'keepalived_authentication_invalid_total', 'Adverts with an invalid auth type'],
  ['authtype_mismatch', 'keepalived_authentication_mismatch_total', 'Adverts with another auth type'],
  ['auth_failure', 'keepalived_authentication_failure_total', 'Adverts failing authentication'],
  ['pri_zero_rcvd', 'keepalived_priority_zero_received_total', 'Priority 0 adverts received'],
  ['pri_zero_sent', 'keepalived_priority_zero_sent_total', 'Priority 0 adverts sent'],
];

/** A label value as the exposition format wants it. */
function esc(v: string | number): string {
  return String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labels(l: Record<string, string | number>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
}

class Out {
  readonly lines: string[] = [];
  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, l: Record<string, string | number>, v: number): void {
    this.lines.push(`${name}${Object.keys(l).length > 0 ? labels(l) : ''} ${Number.isFinite(v) ? v : 0}`);
  }
}

export function formatMetrics(s: DaemonStatus): string {
  const o = new Out();
  o.family('keepalived_up', 'gauge', 'Whether keepalived-ts answers (1)');
  o.sample('keepalived_up', {}, 1);
  // As node_exporter's node_scrape_collector_success: a child that did not answer leaves its
  // series out of this scrape, and this says so rather than letting them look withdrawn.
  o.family('keepalived_ts_child_answered', 'gauge', 'Whether a running child process answered this scrape in time (0: its series are missing from it)');
  for (const c of s.children) o.sample('keepalived_ts_child_answered', { child: c }, s.unanswered?.includes(c) ? 0 : 1);
  const instances = s.vrrp?.instances ?? [];
  o.family('keepalived_vrrp_state', 'gauge', 'State of a VRRP instance: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT; one series per VIP');
  for (const i of instances) {
    for (const vip of i.vips.length > 0 ? i.vips : ['']) {
      o.sample('keepalived_vrrp_state', { iname: i.name, intf: i.interface, vrid: i.vrid, ip_address: vip }, STATE[i.state] ?? 0);
    }
  }
  for (const [key, name, help] of COUNTERS) {
    o.family(name, 'counter', help);
    for (const i of instances) o.sample(name, { iname: i.name, intf: i.interface, vrid: i.vrid }, i.counters[key]);
  }
  o.family('keepalived_vrrp_effective_priority', 'gauge', 'Priority after tracking (keepalived-ts)');
  for (const i of instances) o.sample('keepalived_vrrp_effective_priority', { iname: i.name, intf: i.interface, vrid: i.vrid }, i.effectivePriority);
  o.family('keepalived_script_status', 'gauge', 'vrrp_script status: BAD 0, GOOD 1');
  for (const sc of s.vrrp?.scripts ?? []) o.sample('keepalived_script_status', { name: sc.name }, sc.status === 'GOOD' ? 1 : 0);
  o.family('keepalived_script_state', 'gauge', 'vrrp_script run state: idle 0, running 1, requested termination 2, forcing termination 3');
  for (const sc of s.vrrp?.scripts ?? []) o.sample('keepalived_script_state', { name: sc.name }, SCRIPT_STATE[sc.state] ?? 0);
  if (s.vrrp) {
    o.family('keepalived_ts_vrrp_transitions_total', 'counter', 'VRRP state transitions since start, by reason');
    for (const [reason, n] of Object.entries(s.vrrp.transitionsByReason)) o.sample('keepalived_ts_vrrp_transitions_total', { reason }, n);
    o.family('keepalived_ts_vrrp_timer_lateness_max_seconds', 'gauge', 'Worst lateness of the VRRP clock (adverts, Master_Down) since start');
    o.sample('keepalived_ts_vrrp_timer_lateness_max_seconds', {}, s.vrrp.timerLateness.maxUs / 1e6);
    o.family('keepalived_ts_vrrp_timers_fired_total', 'counter', 'VRRP clock timers fired since start');
    o.sample('keepalived_ts_vrrp_timers_fired_total', {}, s.vrrp.timerLateness.fired);
  }
  const vss = s.lvs?.virtualServers ?? [];
  const backend = (vs: (typeof vss)[number], rs: (typeof vss)[number]['realServers'][number]) => ({
    local_address: vs.address ?? '',
    local_port: vs.port ?? 0,
    remote_address: rs.address,
    remote_port: rs.port,
    proto: vs.protocol,
    local_mark: vs.fwmark ?? '',
  });
  o.family('node_ipvs_backend_weight', 'gauge', 'Weight of a real server in the data plane');
  for (const vs of vss) for (const rs of vs.realServers) o.sample('node_ipvs_backend_weight', backend(vs, rs), rs.weight);
  o.family('node_ipvs_backend_connections_active', 'gauge', 'Established connections to a real server');
  for (const vs of vss) for (const rs of vs.realServers) if (rs.activeConns !== undefined) o.sample('node_ipvs_backend_connections_active', backend(vs, rs), rs.activeConns);
  o.family('node_ipvs_backend_connections_inactive', 'gauge', 'Other connections to a real server');
  for (const vs of vss) for (const rs of vs.realServers) if (rs.inactiveConns !== undefined) o.sample('node_ipvs_backend_connections_inactive', backend(vs, rs), rs.inactiveConns);
  o.family('keepalived_ts_real_server_up', 'gauge', 'Whether the health checks hold a real server up (1) or down (0)');
  for (const vs of vss) for (const rs of vs.realServers) o.sample('keepalived_ts_real_server_up', { vs: vs.name, ...backend(vs, rs) }, rs.alive ? 1 : 0);
  o.family('keepalived_ts_virtual_server_quorum_up', 'gauge', 'Whether a virtual server has its quorum');
  for (const vs of vss) o.sample('keepalived_ts_virtual_server_quorum_up', { vs: vs.name }, vs.quorumUp ? 1 : 0);
  o.family('keepalived_ts_virtual_server_scheduler', 'gauge', 'The scheduler configured and the one the data plane runs (1)');
  for (const vs of vss) o.sample('keepalived_ts_virtual_server_scheduler', { vs: vs.name, configured: vs.scheduler, in_force: vs.schedulerInForce }, 1);
  o.family('keepalived_ts_check_duration_seconds', 'histogram', 'How long health checks took');
  for (const h of s.lvs?.histograms ?? []) {
    const l = { vs: h.vs, rs: h.rs, checker: h.checker };
    h.buckets.forEach((b, k) => o.sample('keepalived_ts_check_duration_seconds_bucket', { ...l, le: b / 1000 }, h.counts[k]!));
    o.sample('keepalived_ts_check_duration_seconds_bucket', { ...l, le: '+Inf' }, h.count);
    o.sample('keepalived_ts_check_duration_seconds_sum', l, h.sum / 1000);
    o.sample('keepalived_ts_check_duration_seconds_count', l, h.count);
  }
  return o.lines.join('\n') + '\n';
}
