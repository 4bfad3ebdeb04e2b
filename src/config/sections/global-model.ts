/**
 * The global_defs model and Keepalived's defaults for it (core/global_data.c alloc_global_data(),
 * set_vrrp_defaults(); keepalived.conf(5) "Global definitions").
 *
 * Keys are the keywords. Deprecated synonyms (lvs_flush_onstop, vrrp_rlimit_rtime,
 * lvs_process_name, enable_snmp_keepalived, vrrp_vmac_garp_intvl) land on the current keyword's
 * key. Times are seconds (decimals where Keepalived has microsecond resolution) unless the key's
 * comment says otherwise. Values Keepalived derives from other keys after reading
 * (vrrp_garp_lower_prio_*, snmp_rs_stats_update_interval, vmac_addr_prefix) are filled in by
 * finishGlobalDefs(), so readers never see "unset".
 */
import type { SourcePos } from '../diagnostics.js';
import type { Script } from '../values.js';

export interface SmtpServer {
  /** An IP address or a host name (Keepalived resolves names when it sends). */
  address: string;
  port: number;
  pos: SourcePos;
}

export interface NotifyFifo {
  /** Absent when only the *_notify_fifo_script keyword was given. */
  name?: string;
  user?: string;
  group?: string;
  /** Run by Keepalived with the FIFO name appended as its last argument. */
  script?: Script;
  pos: SourcePos;
}

export interface LvsTimeouts {
  tcp?: number;
  tcpfin?: number;
  udp?: number;
}

/** `lvs_sync_daemon IF [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`. */
export interface LvsSyncDaemon {
  interface: string;
  /** The vrrp_instance whose state drives master/backup; absent: both daemons always run. */
  inst?: string;
  /** Absent: the VRID of `inst` (0 without one) - resolved by the VRRP side. */
  id?: number;
  /** Absent: the kernel's defaults (port 8848, group 224.0.0.81, ttl 1). */
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
  pos: SourcePos;
}

export interface ScriptUser {
  user: string;
  group?: string;
}

export type LvsFlushOnStop = 'none' | 'full' | 'VS';

export interface GlobalDefs {
  pos?: SourcePos;

  // --- process identity and scheduling (global-process.ts) ---
  process_name?: string;
  vrrp_process_name?: string;
  checker_process_name?: string;
  bfd_process_name?: string;
  use_symlink_paths: boolean;
  set_supplementary_groups: boolean;
  /** -1..99: ceiling for automatic realtime priority; 0 disables it, -1 also silences the warning. */
  max_auto_priority: number;
  /** Microseconds (as the keyword), 1..10000000. */
  min_auto_priority_delay: number;
  /** nice values, -20..19. */
  vrrp_priority: number;
  checker_priority: number;
  bfd_priority: number;
  vrrp_no_swap: boolean;
  checker_no_swap: boolean;
  bfd_no_swap: boolean;
  /** SCHED_RR priority 1..99 (out-of-range values are clamped, as Keepalived does). */
  vrrp_rt_priority?: number;
  checker_rt_priority?: number;
  bfd_rt_priority?: number;
  /** CPU ids; whether they exist on this host is checked when the daemon applies them. */
  vrrp_cpu_affinity: number[];
  checker_cpu_affinity: number[];
  bfd_cpu_affinity: number[];
  /** RLIMIT_RTTIME in microseconds (minimum 2). */
  vrrp_rlimit_rttime: number;
  checker_rlimit_rttime: number;
  bfd_rlimit_rttime: number;
  /** Bytes; absent: the system default. */
  vrrp_netlink_cmd_rcv_bufs?: number;
  vrrp_netlink_cmd_rcv_bufs_force: boolean;
  vrrp_netlink_monitor_rcv_bufs?: number;
  vrrp_netlink_monitor_rcv_bufs_force: boolean;
  process_monitor_rcv_bufs?: number;
  process_monitor_rcv_bufs_force: boolean;
  lvs_netlink_cmd_rcv_bufs?: number;
  lvs_netlink_cmd_rcv_bufs_force: boolean;
  lvs_netlink_monitor_rcv_bufs?: number;
  lvs_netlink_monitor_rcv_bufs_force: boolean;
  /** File mode bits; absent: Keepalived's IXUSR|IRWXG|IRWXO (0o177) unless -m was given. */
  umask?: number;
  /** Seed for ${_RANDOM}; the lexer has already expanded the text, so this is informational. */
  random_seed?: number;
  /** '/dev/null' when given without a log file. */
  reload_check_config?: string;
  reload_time_file?: string;
  reload_repeat: boolean;
  /** '' when given without a path: keepalived.reload in the pid directory. */
  reload_file?: string;
  /** The words after include_check ([] means all checks); the lexer runs before this is read. */
  include_check?: string[];
  config_save_dir?: string;
  tmp_config_directory?: string;
  data_use_instance: boolean;
  json_version: 1 | 2;
  state_dump_file?: string;
  stats_dump_file?: string;
  json_dump_file?: string;
  /** Absent: the directories found when Keepalived was built (/usr/share/iproute2, /etc/iproute2). */
  iproute_usr_dir?: string;
  iproute_etc_dir?: string;

  // --- SNMP and D-Bus: parsed so configurations load; keepalived-ts has neither agent. ---
  snmp_socket?: string;
  enable_traps: boolean;
  enable_snmp_vrrp: boolean;
  enable_snmp_rfcv2: boolean;
  enable_snmp_rfcv3: boolean;
  enable_snmp_checker: boolean;
  snmp_vs_stats_update_interval: number;
  /** Defaults to snmp_vs_stats_update_interval. */
  snmp_rs_stats_update_interval: number;
  enable_dbus: boolean;
  dbus_service_name: string;
  dbus_no_interface_name: string;

  // --- identity, email, scripts, FIFOs (global-notify.ts) ---
  /**
   * Absent: Keepalived uses the local host name. Config code does not look at the host; the
   * daemon fills it in (LoadOptions.configId is usually the same short name).
   */
  router_id?: string;
  notification_email: string[];
  /** Absent: user@hostname, filled in by the daemon when an smtp_server is set. */
  notification_email_from?: string;
  smtp_server?: SmtpServer;
  /** Absent: the host name. */
  smtp_helo_name?: string;
  smtp_connect_timeout: number;
  /** Unset (undefined) means "not configured": instances keep their own default. */
  smtp_alert?: boolean;
  smtp_alert_vrrp?: boolean;
  smtp_alert_checker?: boolean;
  no_email_faults: boolean;
  checker_log_all_failures: boolean;
  startup_script?: Script;
  startup_script_timeout: number;
  shutdown_script?: Script;
  shutdown_script_timeout: number;
  notify_fifo?: NotifyFifo;
  vrrp_notify_fifo?: NotifyFifo;
  lvs_notify_fifo?: NotifyFifo;
  vrrp_notify_priority_changes: boolean;
  fifo_write_vrrp_states_on_reload: boolean;
  /** Absent: keepalived_script if that user exists, else the daemon's own user. */
  script_user?: ScriptUser;
  enable_script_security: boolean;

  // --- VRRP defaults (global-vrrp.ts) ---
  dynamic_interfaces: boolean;
  /** `dynamic_interfaces allow_if_changes`. */
  allow_if_changes: boolean;
  /** Keepalived's DFLT_INT. */
  default_interface: string;
  disable_local_igmp: boolean;
  v3_checksum_as_v2: boolean;
  vrrp_mcast_group4: string;
  vrrp_mcast_group6: string;
  vrrp_garp_master_delay: number;
  vrrp_garp_master_repeat: number;
  vrrp_garp_master_refresh: number;
  vrrp_garp_master_refresh_repeat: number;
  /** Default: vrrp_garp_master_delay (resolved after reading). */
  vrrp_garp_lower_prio_delay: number;
  /** Default: vrrp_garp_master_repeat (resolved after reading). */
  vrrp_garp_lower_prio_repeat: number;
  vrrp_down_timer_adverts: number;
  vrrp_garp_interval: number;
  vrrp_gna_interval: number;
  vrrp_min_garp: boolean;
  /** Seconds between GARP/NA on extra interfaces; `all`: every interface, not only VMACs. */
  vrrp_garp_extra_if?: { interval: number; all: boolean };
  vrrp_lower_prio_no_advert: boolean;
  vrrp_higher_prio_send_advert: boolean;
  vrrp_version: 2 | 3;
  /**
   * keepalived-ts, like Keepalived built without iptables, uses nftables: vrrp_iptables selects
   * nftables with the default table (see the handler), so this records what was asked.
   */
  vrrp_iptables?: { inchain: string; outchain?: string };
  /** nftables table for VRRP; absent: none configured (VRRP picks 'keepalived' when it needs one). */
  nftables?: string;
  nftables_priority: number;
  nftables_ifindex: boolean;
  nftables_counters: boolean;
  vrrp_check_unicast_src: boolean;
  vrrp_skip_check_adv_addr: boolean;
  vrrp_strict: boolean;
  /** Absent: the system default. */
  vrrp_rx_bufs_policy?: 'MTU' | 'ADVERT' | number;
  vrrp_rx_bufs_multiplier: number;
  vrrp_startup_delay: number;
  /** Seconds after boot; the daemon compares it with the uptime and keeps the longer delay. */
  vrrp_delay_after_boot?: number;
  log_unknown_vrids: boolean;
  vrrp_owner_ignore_adverts: boolean;
  vmac_prefix: string;
  /** Default: vmac_prefix. */
  vmac_addr_prefix: string;

  // --- LVS and checker defaults (global-lvs.ts) ---
  lvs_timeouts: LvsTimeouts;
  lvs_sync_daemon?: LvsSyncDaemon;
  lvs_flush: boolean;
  lvs_flush_on_stop: LvsFlushOnStop;
  rs_init_notifies: boolean;
  no_checker_emails: boolean;
  nftables_ipvs?: string;
  nftables_ipvs_priority: number;
  nftables_ipvs_start_fwmark: number;
}

/** Keepalived's compile-time defaults (vrrp.h VRRP_GARP_*, global_data.c). */
export const GLOBAL_DEFAULTS = {
  smtpPort: 25,
  smtpConnectTimeout: 30,
  scriptTimeout: 10,
  garpDelay: 5,
  garpRepeat: 5,
  garpRefresh: 0,
  garpRefreshRepeat: 1,
  rtRlimit: 10000,
  nftablesTable: 'keepalived',
  nftablesIpvsTable: 'keepalived_ipvs',
  ipvsStartFwmark: 1000,
} as const;

export function newGlobalDefs(): GlobalDefs {
  const d = GLOBAL_DEFAULTS;
  return {
    use_symlink_paths: false,
    set_supplementary_groups: false,
    max_auto_priority: 0,
    min_auto_priority_delay: 1_000_000,
    vrrp_priority: 0,
    checker_priority: 0,
    bfd_priority: 0,
    vrrp_no_swap: false,
    checker_no_swap: false,
    bfd_no_swap: false,
    vrrp_cpu_affinity: [],
    checker_cpu_affinity: [],
    bfd_cpu_affinity: [],
    vrrp_rlimit_rttime: d.rtRlimit,
    checker_rlimit_rttime: d.rtRlimit,
    bfd_rlimit_rttime: d.rtRlimit,
    vrrp_netlink_cmd_rcv_bufs_force: false,
    vrrp_netlink_monitor_rcv_bufs_force: false,
    process_monitor_rcv_bufs_force: false,
    lvs_netlink_cmd_rcv_bufs_force: false,
    lvs_netlink_monitor_rcv_bufs_force: false,
    reload_repeat: false,
    data_use_instance: false,
    json_version: 1,
    enable_traps: false,
    enable_snmp_vrrp: false,
    enable_snmp_rfcv2: false,
    enable_snmp_rfcv3: false,
    enable_snmp_checker: false,
    snmp_vs_stats_update_interval: 5,
    snmp_rs_stats_update_interval: 0,
    enable_dbus: false,
    dbus_service_name: 'org.keepalived.Vrrp1',
    dbus_no_interface_name: 'none',
    notification_email: [],
    smtp_connect_timeout: d.smtpConnectTimeout,
    no_email_faults: false,
    checker_log_all_failures: false,
    startup_script_timeout: d.scriptTimeout,
    shutdown_script_timeout: d.scriptTimeout,
    vrrp_notify_priority_changes: false,
    fifo_write_vrrp_states_on_reload: false,
    enable_script_security: false,
    dynamic_interfaces: false,
    allow_if_changes: false,
    default_interface: 'eth0',
    disable_local_igmp: false,
    v3_checksum_as_v2: false,
    vrrp_mcast_group4: '224.0.0.18',
    vrrp_mcast_group6: 'ff02::12',
    vrrp_garp_master_delay: d.garpDelay,
    vrrp_garp_master_repeat: d.garpRepeat,
    vrrp_garp_master_refresh: d.garpRefresh,
    vrrp_garp_master_refresh_repeat: d.garpRefreshRepeat,
    vrrp_garp_lower_prio_delay: NaN,
    vrrp_garp_lower_prio_repeat: NaN,
    vrrp_down_timer_adverts: 3,
    vrrp_garp_interval: 0,
    vrrp_gna_interval: 0,
    vrrp_min_garp: false,
    vrrp_lower_prio_no_advert: false,
    // On unless configured off: a deliberate difference from Keepalived (vrrp-finish-globals.ts).
    vrrp_higher_prio_send_advert: true,
    vrrp_version: 2,
    nftables_priority: -1,
    nftables_ifindex: false,
    nftables_counters: false,
    vrrp_check_unicast_src: false,
    vrrp_skip_check_adv_addr: false,
    vrrp_strict: false,
    vrrp_rx_bufs_multiplier: 3,
    vrrp_startup_delay: 0,
    log_unknown_vrids: false,
    vrrp_owner_ignore_adverts: false,
    vmac_prefix: 'vrrp',
    vmac_addr_prefix: '',
    lvs_timeouts: {},
    lvs_flush: false,
    lvs_flush_on_stop: 'none',
    rs_init_notifies: false,
    no_checker_emails: false,
    nftables_ipvs_priority: -1,
    nftables_ipvs_start_fwmark: d.ipvsStartFwmark,
  };
}
