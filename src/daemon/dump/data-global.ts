/**
 * The "------< Global definitions >------" section of keepalived.data, in the order and words of
 * Keepalived 2.2.7's dump_global_data() as the VRRP process writes it. No tool parses this
 * section (keepalived-exporter reads only the topology and the scripts); it is kept close so an
 * operator can diff ours against Keepalived's. Lines about Keepalived's build (libnftnl version)
 * and about its own scheduling at run time (current realtime priority) are left out.
 */
import type { Script } from '../../config/model.js';
import type { DeepReadonly } from '../../config/schema.js';
import { cmdStr, fmtG, type DumpInput } from './common.js';

const tf = (b: boolean) => (b ? 'true' : 'false');
const onOff = (b: boolean | undefined) => (b === undefined ? 'unset' : b ? 'on' : 'off');
const ed = (b: boolean) => (b ? 'enabled' : 'disabled');

/** `uid:gid` of a script's user; Keepalived runs scripts as root unless told otherwise. */
export type UserIds = (user: string | undefined, group: string | undefined) => string;
export const rootIds: UserIds = () => '0:0';

export function scriptIds(s: DeepReadonly<Script>, ids: UserIds): string {
  return ids(s.user, s.group);
}

export function globalSection(input: DumpInput, ids: UserIds, hostname: string | undefined): string[] {
  const c = input.config;
  const g = c.global_defs;
  const out: string[] = ['------< Global definitions >------'];
  const w = (s: string) => out.push(` ${s}`);
  if (g.config_save_dir !== undefined) w(`Config save dir = ${g.config_save_dir}`);
  w(`Network namespace = ${c.net_namespace ?? '(default)'}`);
  w(`Network namespace ipvs = ${c.net_namespace_ipvs === undefined ? '(main namespace)' : c.net_namespace_ipvs || '(default)'}`);
  if (c.instance !== undefined) w(`Instance name = ${c.instance}`);
  if (g.process_name !== undefined) w(`Parent process name = ${g.process_name}`);
  if (g.vrrp_process_name !== undefined) w(`VRRP process name = ${g.vrrp_process_name}`);
  if (g.checker_process_name !== undefined) w(`LVS process name = ${g.checker_process_name}`);
  if (g.bfd_process_name !== undefined) w(`BFD process name = ${g.bfd_process_name}`);
  // Keepalived takes the host name when router_id is not configured.
  const rid = g.router_id ?? hostname;
  if (rid !== undefined) w(`Router ID = ${rid}`);
  if (g.smtp_server) {
    w(`Smtp server = ${g.smtp_server.address}`);
    w(`Smtp server port = ${g.smtp_server.port}`);
  }
  if (g.smtp_helo_name !== undefined) w(`Smtp HELO name = ${g.smtp_helo_name}`);
  if (g.smtp_server) w(`Smtp server connection timeout = ${Math.floor(g.smtp_connect_timeout)}`);
  if (g.notification_email_from !== undefined) {
    w(`Email notification from = ${g.notification_email_from}`);
    w('Email notification to:');
    for (const e of g.notification_email) out.push(`   ${e}`);
  }
  w(`Default smtp_alert = ${onOff(g.smtp_alert)}`);
  w(`Default smtp_alert_vrrp = ${onOff(g.smtp_alert_vrrp)}`);
  w(`Default smtp_alert_checker = ${onOff(g.smtp_alert_checker)}`);
  w(`Checkers log all failures = ${tf(g.checker_log_all_failures)}`);
  w(g.reload_check_config !== undefined ? `Test config before reload, log to ${g.reload_check_config}` : 'No test config before reload');
  if (g.reload_time_file !== undefined) {
    w(`Reload time file = ${g.reload_time_file}${g.reload_repeat ? ' (repeat)' : ''}`);
    w('No reload scheduled');
  }
  if (g.reload_file !== undefined) w(`Reload_file = ${g.reload_file}`);
  if (g.data_use_instance) w('Use instance name in data dumps');
  if (g.startup_script) w(`Startup script = ${cmdStr(g.startup_script)}, uid:gid ${scriptIds(g.startup_script, ids)}, timeout ${g.startup_script_timeout}`);
  if (g.shutdown_script) w(`Shutdown script = ${cmdStr(g.shutdown_script)}, uid:gid ${scriptIds(g.shutdown_script, ids)} timeout ${g.shutdown_script_timeout}`);
  w(`Dynamic interfaces = ${tf(g.dynamic_interfaces)}`);
  if (g.dynamic_interfaces) w(`Allow interface changes = ${tf(g.allow_if_changes)}`);
  if (g.no_email_faults) w('Send emails for fault transitions = off');
  if (g.lvs_timeouts.tcp) w(`LVS TCP timeout = ${g.lvs_timeouts.tcp}`);
  if (g.lvs_timeouts.tcpfin) w(`LVS TCP FIN timeout = ${g.lvs_timeouts.tcpfin}`);
  // Keepalived 2.2.7 labels the UDP timeout "TCP"; kept, since this is its text.
  if (g.lvs_timeouts.udp) w(`LVS TCP timeout = ${g.lvs_timeouts.udp}`);
  w(`Default interface = ${g.default_interface}`);
  w(`Disable local IGMP = ${g.disable_local_igmp ? 'yes' : 'no'}`);
  const sd = g.lvs_sync_daemon;
  if (sd) {
    if (sd.inst !== undefined) w(`LVS syncd vrrp instance = ${sd.inst}`);
    w(`LVS syncd interface = ${sd.interface}`);
    w(`LVS syncd syncid = ${sd.id ?? 0}`);
    if (sd.maxlen) w(`LVS syncd maxlen = ${sd.maxlen}`);
    if (sd.group !== undefined) w(`LVS mcast group ${sd.group}`);
    if (sd.port) w(`LVS syncd mcast port = ${sd.port}`);
    if (sd.ttl) w(`LVS syncd mcast ttl = ${sd.ttl}`);
  }
  w(`LVS flush = ${tf(g.lvs_flush)}`);
  w(`LVS flush on stop = ${g.lvs_flush_on_stop === 'none' ? 'disabled' : g.lvs_flush_on_stop}`);
  for (const [label, f] of [['Global', g.notify_fifo], ['VRRP', g.vrrp_notify_fifo], ['LVS', g.lvs_notify_fifo]] as const) {
    if (!f?.name) continue;
    w(`${label} notify fifo = ${f.name}, uid:gid ${ids(f.user, f.group)}`);
    if (f.script) w(`${label} notify fifo script = ${cmdStr(f.script)}, uid:gid ${scriptIds(f.script, ids)}`);
  }
  w(`FIFO write vrrp states on reload = ${tf(g.fifo_write_vrrp_states_on_reload)}`);
  w(`VRRP notify priority changes = ${tf(g.vrrp_notify_priority_changes)}`);
  w(`VRRP IPv4 mcast group = ${g.vrrp_mcast_group4}`);
  w(`VRRP IPv6 mcast group = ${g.vrrp_mcast_group6}`);
  w(`Gratuitous ARP delay = ${Math.floor(g.vrrp_garp_master_delay)}`);
  w(`Gratuitous ARP repeat = ${g.vrrp_garp_master_repeat}`);
  w(`Gratuitous ARP refresh timer = ${Math.floor(g.vrrp_garp_master_refresh)}`);
  w(`Gratuitous ARP refresh repeat = ${g.vrrp_garp_master_refresh_repeat}`);
  w(`Gratuitous ARP lower priority delay = ${Math.floor(g.vrrp_garp_lower_prio_delay)}`);
  w(`Gratuitous ARP lower priority repeat = ${g.vrrp_garp_lower_prio_repeat}`);
  w(`Num adverts before down = ${g.vrrp_down_timer_adverts}`);
  const extra = g.vrrp_garp_extra_if ?? { interval: 0, all: false };
  w(`Gratuitous ARP for each secondary ${extra.all ? 'i/f' : 'VMAC'} = ${extra.interval}s`);
  w(`Send advert after receive lower priority advert = ${tf(!g.vrrp_lower_prio_no_advert)}`);
  w(`Send advert after receive higher priority advert = ${tf(g.vrrp_higher_prio_send_advert)}`);
  w(`Gratuitous ARP interval = ${g.vrrp_garp_interval.toFixed(6)}`);
  w(`Gratuitous NA interval = ${g.vrrp_gna_interval.toFixed(6)}`);
  w(`VRRP default protocol version = ${g.vrrp_version}`);
  if (g.vrrp_iptables) {
    w(`Iptables input chain = ${g.vrrp_iptables.inchain}`);
    if (g.vrrp_iptables.outchain !== undefined) w(`Iptables output chain = ${g.vrrp_iptables.outchain}`);
  }
  if (g.nftables !== undefined) {
    w(`nftables table name = ${g.nftables}`);
    w(`nftables base chain priority = ${g.nftables_priority}`);
    w(`nftables ${g.nftables_ifindex ? '' : "don't "}force use ifindex for link local IPv6`);
  }
  if (g.nftables_ipvs !== undefined) {
    w(`ipvs nftables table name = ${g.nftables_ipvs}`);
    w(`ipvs nftables base chain priority = ${g.nftables_ipvs_priority}`);
    w(`ipvs nftables start fwmark = ${g.nftables_ipvs_start_fwmark}`);
  }
  w(`nftables with${g.nftables_counters ? '' : 'out'} counters`);
  w(`VRRP check unicast_src = ${tf(g.vrrp_check_unicast_src)}`);
  w(`VRRP skip check advert addresses = ${tf(g.vrrp_skip_check_adv_addr)}`);
  w(`VRRP strict mode = ${tf(g.vrrp_strict)}`);
  w(`Max auto priority = ${g.max_auto_priority === -1 ? 'Disabled' : g.max_auto_priority}`);
  w(`Min auto priority delay = ${g.min_auto_priority_delay} usecs`);
  for (const [label, p] of [
    ['VRRP', { prio: g.vrrp_priority, noSwap: g.vrrp_no_swap, rt: g.vrrp_rt_priority, cpus: g.vrrp_cpu_affinity, limit: g.vrrp_rlimit_rttime }],
    ['Checker', { prio: g.checker_priority, noSwap: g.checker_no_swap, rt: g.checker_rt_priority, cpus: g.checker_cpu_affinity, limit: g.checker_rlimit_rttime }],
    ['BFD', { prio: g.bfd_priority, noSwap: g.bfd_no_swap, rt: g.bfd_rt_priority, cpus: g.bfd_cpu_affinity, limit: g.bfd_rlimit_rttime }],
  ] as const) {
    w(`${label} process priority = ${p.prio}`);
    w(`${label} don't swap = ${tf(p.noSwap)}`);
    w(`${label} realtime priority = ${p.rt ?? 0}`);
    if (p.cpus.length > 0) w(`${label} CPU Affinity = ${p.cpus.join(' ')}`);
    w(`${label} realtime limit = ${p.limit}`);
  }
  w(`SNMP vrrp ${ed(g.enable_snmp_vrrp)}`);
  w(`SNMP checker ${ed(g.enable_snmp_checker)}`);
  w(`SNMP RFCv2 ${ed(g.enable_snmp_rfcv2)}`);
  w(`SNMP RFCv3 ${ed(g.enable_snmp_rfcv3)}`);
  w(`SNMP traps ${ed(g.enable_traps)}`);
  w(`SNMP socket = ${g.snmp_socket ?? 'default (unix:/var/agentx/master)'}`);
  w(`DBus ${ed(g.enable_dbus)}`);
  // Keepalived sets the service name only when DBus is enabled.
  w(`DBus service name = ${g.enable_dbus ? g.dbus_service_name : ''}`);
  w(`Script security ${ed(g.enable_script_security)}`);
  w(`Default script uid:gid ${ids(g.script_user?.user, g.script_user?.group)}`);
  const bufs = (k: string, v: number | undefined, force: boolean) => {
    w(`${k} = ${v ?? 0}`);
    w(`${k}_force = ${force ? 1 : 0}`);
  };
  bufs('vrrp_netlink_cmd_rcv_bufs', g.vrrp_netlink_cmd_rcv_bufs, g.vrrp_netlink_cmd_rcv_bufs_force);
  bufs('vrrp_netlink_monitor_rcv_bufs', g.vrrp_netlink_monitor_rcv_bufs, g.vrrp_netlink_monitor_rcv_bufs_force);
  bufs('process_monitor_rcv_bufs', g.process_monitor_rcv_bufs, g.process_monitor_rcv_bufs_force);
  bufs('lvs_netlink_cmd_rcv_bufs', g.lvs_netlink_cmd_rcv_bufs, g.lvs_netlink_cmd_rcv_bufs_force);
  bufs('lvs_netlink_monitor_rcv_bufs', g.lvs_netlink_monitor_rcv_bufs, g.lvs_netlink_monitor_rcv_bufs_force);
  w(`rs_init_notifies = ${g.rs_init_notifies ? 1 : 0}`);
  w(`no_checker_emails = ${g.no_checker_emails ? 1 : 0}`);
  const pol = g.vrrp_rx_bufs_policy;
  if (pol !== undefined) w(typeof pol === 'number' ? `rx_bufs_size = ${pol}` : `rx_bufs_policy = ${pol}`);
  w(`rx_bufs_multiples = ${g.vrrp_rx_bufs_multiplier}`);
  w(`umask = 0${(input.umask ?? g.umask ?? 0o177).toString(8)}`);
  if (g.vrrp_startup_delay) w(`vrrp_startup_delay = ${fmtG(g.vrrp_startup_delay)}`);
  if (g.log_unknown_vrids) w('log_unknown_vrids');
  // The model holds Keepalived's default prefixes; Keepalived prints them only when configured.
  if (g.vmac_prefix !== 'vrrp') w(`VMAC prefix = ${g.vmac_prefix}`);
  if (g.vmac_addr_prefix !== 'vrrp') w(`VMAC address prefix = ${g.vmac_addr_prefix}`);
  return out;
}
