/**
 * global_defs keywords about the processes themselves: names, scheduling, memory, buffers,
 * umask, reload and dump files, and the SNMP/D-Bus switches (Keepalived core/global_parser.c).
 *
 * Keepalived asks the kernel for some limits while parsing (sched_get_priority_max(SCHED_RR),
 * the number of online CPUs, whether a directory exists). Config code does not touch the host,
 * so we use Linux's fixed values (SCHED_RR: 1..99) and leave host checks to the daemon.
 */
import type { Cx, KeywordTable } from '../schema.js';
import type { ConfNode } from '../tree.js';
import type { GlobalDefs } from './global-model.js';
import { boolean, deprecated, flag, integer, notActedOn, seconds, UINT_MAX, word } from './global-read.js';

const SCHED_RR_MIN = 1;
const SCHED_RR_MAX = 99;
/** TASK_COMM_LEN less the NUL: the kernel keeps 15 characters of a process name. */
const TASK_COMM_MAX = 15;
/** CPU_SETSIZE: the highest CPU id a cpu_set_t holds is 1023. */
const CPU_SETSIZE = 1024;

type Daemon = 'vrrp' | 'checker' | 'bfd';

function processName(key: 'process_name' | 'vrrp_process_name' | 'checker_process_name' | 'bfd_process_name') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const name = n.args[0];
    if (name === undefined) return cx.error(n, 'Process name missing');
    if (name.length > TASK_COMM_MAX) {
      cx.warn(n, `Process name ${name} more than ${TASK_COMM_MAX} characters, truncating`);
    }
    g[key] = name.slice(0, TASK_COMM_MAX);
  };
}

function nice(key: `${Daemon}_priority`) {
  return integer(key, -20, 19);
}

/** Out-of-range realtime priorities are clamped with a warning, as Keepalived does. */
function rtPriority(key: `${Daemon}_rt_priority`) {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const who = key.slice(0, key.indexOf('_'));
    const v = cx.int(n, -(2 ** 31), 2 ** 31 - 1);
    if (v === undefined) return;
    if (v < SCHED_RR_MIN) {
      cx.warn(n, `${who} process real-time priority ${v} less than minimum ${SCHED_RR_MIN} - setting to minimum`);
    } else if (v > SCHED_RR_MAX) {
      cx.warn(n, `${who} process real-time priority ${v} greater than maximum ${SCHED_RR_MAX} - setting to maximum`);
    }
    g[key] = Math.min(Math.max(v, SCHED_RR_MIN), SCHED_RR_MAX);
  };
}

function cpuAffinity(key: `${Daemon}_cpu_affinity`) {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    if (n.args.length === 0) return cx.error(n, `${n.keyword}: no cpu_id specified`);
    const cpus: number[] = [];
    for (let i = 0; i < n.args.length; i++) {
      const id = cx.int(n, 0, CPU_SETSIZE - 1, i);
      // Keepalived drops the whole set at the first bad id.
      if (id === undefined) return;
      if (!cpus.includes(id)) cpus.push(id);
    }
    g[key] = cpus;
  };
}

function rtRlimit(key: `${Daemon}_rlimit_rttime`) {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 1, UINT_MAX);
    // Keepalived halves the limit for the soft limit, which must not be 0; a bad value leaves no
    // limit at all (its get_rt_rlimit() returns 0).
    g[key] = v === undefined ? 0 : Math.max(v, 2);
  };
}

/** A netlink receive buffer size; 0 leaves the system default. */
function rcvBufs(key: 'vrrp_netlink_cmd_rcv_bufs' | 'vrrp_netlink_monitor_rcv_bufs' | 'process_monitor_rcv_bufs' | 'lvs_netlink_cmd_rcv_bufs' | 'lvs_netlink_monitor_rcv_bufs') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 0, UINT_MAX);
    if (v) g[key] = v;
  };
}

const UMASK_BITS: Record<string, number> = {
  IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRWXU: 0o700,
  IRGRP: 0o040, IWGRP: 0o020, IXGRP: 0o010, IRWXG: 0o070,
  IROTH: 0o004, IWOTH: 0o002, IXOTH: 0o001, IRWXO: 0o007,
};

/** `umask NUMBER` (C notation: 0x hex, 0 octal, else decimal) or `umask IRUSR|IWGRP ...`. */
function umask(g: GlobalDefs, n: ConfNode, cx: Cx): void {
  const first = n.args[0];
  if (first === undefined) return cx.error(n, 'Missing parameter(s) to umask option');
  if (/^\d/.test(first)) {
    if (n.args.length > 1) return cx.error(n, 'Extra parameter(s) to umask option');
    const v = /^0[xX][0-9a-fA-F]+$/.test(first)
      ? parseInt(first.slice(2), 16)
      : /^0[0-7]*$/.test(first)
        ? parseInt(first, 8)
        : /^[1-9]\d*$/.test(first)
          ? Number(first)
          : NaN;
    if (!(v >= 0 && v <= 0o777)) return cx.error(n, `invalid umask value ${first}`);
    g.umask = v;
    return;
  }
  // The bit names may be split across words: `IRWXG | IRWXO` and `IRWXG|IRWXO` are the same.
  const text = n.args.join('');
  let bits = 0;
  const parts = text.split('|');
  for (const part of parts) {
    if (part === '') return cx.error(n, parts.length > 1 && text.endsWith('|') ? 'umask missing bit value' : `Invalid umask syntax ${text}`);
    const bit = UMASK_BITS[part];
    if (bit === undefined) return cx.error(n, `Unknown umask bit ${part}`);
    bits |= bit;
  }
  g.umask = bits;
}

/** Keywords whose value is a path that must be non-empty and alone on the line. */
function path(key: 'reload_time_file' | 'state_dump_file' | 'stats_dump_file' | 'json_dump_file' | 'iproute_usr_dir' | 'iproute_etc_dir' | 'config_save_dir') {
  return (g: GlobalDefs, n: ConfNode, cx: Cx) => {
    const v = n.args[0];
    if (n.args.length !== 1 || !v) return cx.error(n, `${n.keyword} requires a non-empty path`);
    // Keepalived strips a trailing '/' from config_save_dir.
    g[key] = key === 'config_save_dir' && v.length > 1 ? v.replace(/\/$/, '') : v;
  };
}

function snmpInterval(key: 'snmp_vs_stats_update_interval' | 'snmp_rs_stats_update_interval') {
  // 1 ms to 30 s.
  return seconds(key, 0.001, 30);
}

/** keepalived-ts has no BFD process: its scheduling keywords are read and reported at their line. */
const NO_BFD = 'there is no BFD process in keepalived-ts';
/**
 * mlockall() makes V8 abort: V8 releases pages with madvise(MADV_DONTNEED), which the kernel
 * refuses on locked memory (os/sched.ts).
 */
const NO_SWAP = 'locking a Node process in memory makes V8 abort (systemd: MemorySwapMax=0 keeps it out of swap)';

export const globalProcessTable: KeywordTable<GlobalDefs> = {
  process_names: (g, n, cx) => {
    cx.noExtra(n, 0);
    // Keepalived's defaults for "name them": the parent keeps its own name.
    g.vrrp_process_name = 'keepalived_vrrp';
    g.checker_process_name = 'keepalived_lvs';
    g.bfd_process_name = 'keepalived_bfd';
  },
  process_name: processName('process_name'),
  vrrp_process_name: processName('vrrp_process_name'),
  checker_process_name: processName('checker_process_name'),
  lvs_process_name: deprecated('checker_process_name', processName('checker_process_name')),
  bfd_process_name: processName('bfd_process_name'),
  use_symlink_paths: boolean('use_symlink_paths'),
  set_supplementary_groups: boolean('set_supplementary_groups'),
  max_auto_priority: (g, n, cx) => {
    cx.noExtra(n, 1);
    if (n.args.length === 0) {
      g.max_auto_priority = SCHED_RR_MAX;
      return;
    }
    const v = cx.int(n, -1, SCHED_RR_MAX);
    if (v !== undefined) g.max_auto_priority = v;
  },
  min_auto_priority_delay: integer('min_auto_priority_delay', 1, 10_000_000),
  // The VRRP and checker children apply these (daemon/process-sched.ts).
  vrrp_priority: nice('vrrp_priority'),
  checker_priority: nice('checker_priority'),
  bfd_priority: notActedOn(NO_BFD, nice('bfd_priority')),
  vrrp_no_swap: notActedOn(NO_SWAP, flag('vrrp_no_swap')),
  checker_no_swap: notActedOn(NO_SWAP, flag('checker_no_swap')),
  bfd_no_swap: notActedOn(NO_BFD, flag('bfd_no_swap')),
  vrrp_rt_priority: rtPriority('vrrp_rt_priority'),
  checker_rt_priority: rtPriority('checker_rt_priority'),
  bfd_rt_priority: notActedOn(NO_BFD, rtPriority('bfd_rt_priority')),
  vrrp_cpu_affinity: cpuAffinity('vrrp_cpu_affinity'),
  checker_cpu_affinity: cpuAffinity('checker_cpu_affinity'),
  bfd_cpu_affinity: notActedOn(NO_BFD, cpuAffinity('bfd_cpu_affinity')),
  vrrp_rlimit_rttime: rtRlimit('vrrp_rlimit_rttime'),
  checker_rlimit_rttime: rtRlimit('checker_rlimit_rttime'),
  bfd_rlimit_rttime: notActedOn(NO_BFD, rtRlimit('bfd_rlimit_rttime')),
  vrrp_rlimit_rtime: deprecated('vrrp_rlimit_rttime', rtRlimit('vrrp_rlimit_rttime')),
  checker_rlimit_rtime: deprecated('checker_rlimit_rttime', rtRlimit('checker_rlimit_rttime')),
  bfd_rlimit_rtime: deprecated('bfd_rlimit_rttime', notActedOn(NO_BFD, rtRlimit('bfd_rlimit_rttime'))),
  vrrp_netlink_cmd_rcv_bufs: rcvBufs('vrrp_netlink_cmd_rcv_bufs'),
  vrrp_netlink_cmd_rcv_bufs_force: boolean('vrrp_netlink_cmd_rcv_bufs_force'),
  vrrp_netlink_monitor_rcv_bufs: rcvBufs('vrrp_netlink_monitor_rcv_bufs'),
  vrrp_netlink_monitor_rcv_bufs_force: boolean('vrrp_netlink_monitor_rcv_bufs_force'),
  process_monitor_rcv_bufs: rcvBufs('process_monitor_rcv_bufs'),
  process_monitor_rcv_bufs_force: boolean('process_monitor_rcv_bufs_force'),
  lvs_netlink_cmd_rcv_bufs: rcvBufs('lvs_netlink_cmd_rcv_bufs'),
  lvs_netlink_cmd_rcv_bufs_force: boolean('lvs_netlink_cmd_rcv_bufs_force'),
  lvs_netlink_monitor_rcv_bufs: rcvBufs('lvs_netlink_monitor_rcv_bufs'),
  lvs_netlink_monitor_rcv_bufs_force: boolean('lvs_netlink_monitor_rcv_bufs_force'),
  umask,
  random_seed: integer('random_seed', 0, UINT_MAX),
  reload_check_config: (g, n, cx) => {
    cx.noExtra(n, 1);
    g.reload_check_config = n.args[0] ?? '/dev/null';
  },
  reload_time_file: path('reload_time_file'),
  reload_repeat: flag('reload_repeat'),
  reload_file: (g, n, cx) => {
    cx.noExtra(n, 1);
    g.reload_file = n.args[0] ?? '';
  },
  include_check: (g, n) => {
    g.include_check = [...n.args];
  },
  config_save_dir: path('config_save_dir'),
  tmp_config_directory: (g, n, cx) => {
    cx.noExtra(n, 1);
    if (g.tmp_config_directory !== undefined) return cx.error(n, 'tmp_config_directory already specified - ignoring');
    if (n.args[0] === undefined) return cx.error(n, 'tmp_config_directory missing directory name');
    g.tmp_config_directory = n.args[0];
  },
  data_use_instance: boolean('data_use_instance'),
  json_version: (g, n, cx) => {
    cx.noExtra(n, 1);
    const v = cx.int(n, 1, 2);
    if (v === 1 || v === 2) g.json_version = v;
  },
  iproute_usr_dir: path('iproute_usr_dir'),
  iproute_etc_dir: path('iproute_etc_dir'),
  state_dump_file: path('state_dump_file'),
  stats_dump_file: path('stats_dump_file'),
  json_dump_file: path('json_dump_file'),

  // SNMP and D-Bus: keepalived-ts has no AgentX subagent and no D-Bus service; the settings are
  // read so that configurations written for Keepalived load unchanged.
  snmp_socket: (g, n, cx) => {
    if (n.args.length > 1) return cx.error(n, 'Too many parameters specified for snmp_socket - ignoring');
    if (n.args[0] === undefined) return cx.error(n, 'SNMP error : snmp socket name missing');
    if (g.snmp_socket !== undefined) return cx.error(n, `SNMP socket already set to ${g.snmp_socket} - ignoring`);
    g.snmp_socket = n.args[0];
  },
  enable_traps: notActedOn('no SNMP agent in keepalived-ts (see --http for /metrics)', flag('enable_traps')),
  enable_snmp_vrrp: notActedOn('no SNMP agent in keepalived-ts (see --http for /metrics)', flag('enable_snmp_vrrp')),
  enable_snmp_keepalived: deprecated('enable_snmp_vrrp', flag('enable_snmp_vrrp')),
  enable_snmp_rfc: (g, n, cx) => {
    cx.noExtra(n, 0);
    g.enable_snmp_rfcv2 = true;
    g.enable_snmp_rfcv3 = true;
  },
  enable_snmp_rfcv2: notActedOn('no SNMP agent in keepalived-ts (see --http for /metrics)', flag('enable_snmp_rfcv2')),
  enable_snmp_rfcv3: notActedOn('no SNMP agent in keepalived-ts (see --http for /metrics)', flag('enable_snmp_rfcv3')),
  enable_snmp_checker: notActedOn('no SNMP agent in keepalived-ts (see --http for /metrics)', flag('enable_snmp_checker')),
  snmp_vs_stats_update_interval: snmpInterval('snmp_vs_stats_update_interval'),
  snmp_rs_stats_update_interval: snmpInterval('snmp_rs_stats_update_interval'),
  enable_dbus: notActedOn('no DBus interface in keepalived-ts (see keepalived-ts status)', flag('enable_dbus')),
  dbus_service_name: word('dbus_service_name'),
  dbus_no_interface_name: word('dbus_no_interface_name'),
};
