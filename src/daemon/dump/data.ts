/**
 * keepalived.data (SIGUSR1) of the VRRP process, as Keepalived 2.2.7's dump_data_vrrp() writes
 * it: ` Key = value` lines under `------< Section >------` headers.
 *
 * keepalived-exporter parses the topology: an instance starts at ` VRRP Instance = `, its
 * fields are three-space `Key = value` lines (State, Wantstate, Interface, Gratuitous ARP delay,
 * Virtual Router ID), a `Virtual IP (N):` line is followed by five-space address lines whose
 * first word is addr[/len] and third the interface, and any line with less indent ends the
 * instance. From the scripts section it reads `Status` (GOOD/BAD) and `State`. Those lines are
 * byte-exact; the rest follows Keepalived's order and words so the files diff cleanly.
 *
 * Differences: the password prints as ******** (Keepalived 2.4+); lines about Keepalived's own
 * file descriptors, the socket pool and the interface list are not written.
 */
import type { VrrpInstance } from '../../config/model.js';
import type { TrackedObject } from '../../config/sections/vrrp-instance-types.js';
import type { DeepReadonly } from '../../config/schema.js';
import type { InstanceState } from '../../vrrp/types.js';
import type { Runtime } from '../vrrp/runtime.js';
import {
  cmdStr, dumpedInstances, fmtG, formatIpAddress, formatRoute, formatRule, masterDownTimerUs, runningCmdStr, stateName, timeWithDate, vipsSet, type DumpInput,
} from './common.js';
import { globalSection, rootIds, scriptIds, type UserIds } from './data-global.js';

export interface DataOptions {
  /** Resolves a script user to `uid:gid`; root (0:0) when not given. */
  readonly ids?: UserIds;
  /** router_id when the configuration has none (Keepalived uses the host name). */
  readonly hostname?: string;
  /** Interface indexes, for the IPv6 multicast line. */
  readonly ifindex?: ReadonlyMap<string, number>;
}

const tf = (b: boolean) => (b ? 'true' : 'false');
const weight = (t: DeepReadonly<TrackedObject>) => `weight ${t.weight}${t.reverse ? ' reverse' : ''}`;

function instanceLines(input: DumpInput, rt: Runtime, st: InstanceState, o: DataOptions): string[] {
  const inst: DeepReadonly<VrrpInstance> = rt.inst;
  const ids = o.ids ?? rootIds;
  const out: string[] = [];
  const w = (s: string) => out.push(`   ${s}`);
  out.push(` VRRP Instance = ${inst.name}`);
  w(`VRRP Version = ${inst.version}`);
  if (inst.sync_group !== undefined) w(`Sync group = ${inst.sync_group}`);
  if (inst.family === 'inet6') w('Using Native IPv6');
  w(`State = ${stateName(st.state)}`);
  if (st.state === 'BACKUP') {
    w(`Master router = ${st.masterAddress ?? (inst.family === 'inet' ? '0.0.0.0' : '::')}`);
    w(`Master priority = ${st.masterPriority ?? 0}`);
    if (inst.version === 3) w(`Master advert int = ${(st.masterAdverIntervalUs / 1e6).toFixed(2)} sec`);
  }
  // Keepalived prints "Flags:" when any of its instance flag bits is set, with sub-lines only for
  // the unicast ones; these are the configuration-driven bits.
  const configuredUnicast = inst.unicast_peer.length > 0 || inst.unicast_src_ip !== undefined;
  const anyFlag = inst.unicast || configuredUnicast || inst.unicast_fault_no_peer || inst.nopreempt || inst.dont_track_primary ||
    inst.skip_check_adv_addr || inst.promote_secondaries || inst.v3_checksum_as_v2 || inst.check_unicast_src ||
    inst.use_vmac !== undefined || inst.use_vmac_addr || inst.use_ipvlan !== undefined || inst.mcast_src_ip !== undefined;
  if (!anyFlag) w('Flags: none');
  else {
    w('Flags:');
    if (inst.unicast) out.push('     Using unicast');
    else if (configuredUnicast) out.push('     Unicast config option specified but using multicast');
    if (inst.unicast_fault_no_peer) out.push('     If unicast go to fault state if no peers');
  }
  w(`Wantstate = ${stateName(st.wantState)}`);
  w('Number of config faults = 0');
  w(`Number of interface and track script faults = ${(st.interfaceUp ? 0 : 1) + (st.trackFault ? 1 : 0)}`);
  w('Number of track scripts init = 0');
  w(`Last transition = ${timeWithDate(input.lastTransitionUs.get(inst.name) ?? input.nowWallUs)}`);
  w(st.deadline === undefined ? 'Read timeout = DISABLED' : `Read timeout = ${timeWithDate(input.nowWallUs + (st.deadline - input.nowMonoUs))}`);
  w(`Master down timer = ${masterDownTimerUs(inst, st)} usecs`);
  w(`Interface = ${rt.ifname}`);
  if (inst.vrf !== undefined) w(`VRF = ${inst.vrf}`);
  if (inst.dont_track_primary) w('VRRP interface tracking disabled');
  if (inst.skip_check_adv_addr) w('Skip checking advert IP addresses');
  if (inst.strict_mode) w('Enforcing strict VRRP compliance');
  const fromConfig = inst.unicast_src_ip !== undefined || inst.mcast_src_ip !== undefined;
  w(`Using src_ip = ${rt.src}${fromConfig ? ' (from configuration)' : ''}`);
  if (!inst.unicast) {
    w(inst.family === 'inet' ? `Multicast address ${rt.group}` : `Multicast address ${rt.group}, ifindex ${o.ifindex?.get(rt.ifname) ?? 0}`);
  }
  w(`Gratuitous ARP delay = ${Math.floor(inst.garp_master_delay)}`);
  w(`Gratuitous ARP repeat = ${inst.garp_master_repeat}`);
  w(`Gratuitous ARP refresh = ${Math.floor(inst.garp_master_refresh)}`);
  w(`Gratuitous ARP refresh repeat = ${inst.garp_master_refresh_repeat}`);
  w(`Gratuitous ARP lower priority delay = ${Math.floor(inst.garp_lower_prio_delay)}`);
  w(`Gratuitous ARP lower priority repeat = ${inst.garp_lower_prio_repeat}`);
  w(`Down timer adverts = ${inst.down_timer_adverts}`);
  if (inst.garp_extra_if && inst.garp_extra_if.interval) {
    w(`Gratuitous ARP for each secondary ${inst.garp_extra_if.all ? 'i/f' : 'VMAC'} = ${inst.garp_extra_if.interval}`);
  }
  w(`Send advert after receive lower priority advert = ${tf(!inst.lower_prio_no_advert)}`);
  w(`Send advert after receive higher priority advert = ${tf(inst.higher_prio_send_advert)}`);
  w(`Virtual Router ID = ${inst.virtual_router_id}`);
  w(`Priority = ${inst.priority}`);
  w(`Effective priority = ${st.effectivePriority}`);
  w(`Total priority = ${inst.priority + st.trackDelta}`);
  w(inst.version === 2 ? `Advert interval = ${Math.floor(inst.advert_int)} sec` : `Advert interval = ${Math.round(inst.advert_int * 1000)} milli-sec`);
  if (st.state === 'BACKUP' && inst.version === 3) w(`Master advert interval = ${Math.round(st.masterAdverIntervalUs / 1000)} milli-sec`);
  w(`Accept = ${inst.accept ? 'enabled' : 'disabled'}`);
  w(`Preempt = ${inst.nopreempt ? 'disabled' : 'enabled'}`);
  if (inst.preempt_delay) w(`Preempt delay = ${fmtG(inst.preempt_delay)} secs`);
  w(`Promote_secondaries = ${inst.promote_secondaries ? 'enabled' : 'disabled'}`);
  if (inst.version === 2 && inst.authentication) {
    const ah = inst.authentication.auth_type === 'AH';
    w(`Authentication type = ${ah ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    // No secrets in dumps (Keepalived 2.4.0 masks it too; 2.2.7 printed it).
    if (!ah) w('Password = ********');
  } else if (inst.version === 2) w('Authentication type = none');
  if (inst.kernel_rx_buf_size) w(`Kernel rx buffer size = ${inst.kernel_rx_buf_size}`);
  if (inst.debug) w(`Debug level = ${inst.debug}`);
  const set = vipsSet(st);
  const list = (header: string, items: readonly string[]) => {
    if (items.length === 0) return;
    w(header);
    for (const i of items) out.push(`     ${i}`);
  };
  list(`Virtual IP (${inst.virtual_ipaddress.length}):`, inst.virtual_ipaddress.map((a) => formatIpAddress(a, a.dev ?? rt.ifname, set)));
  list('Virtual IP Excluded :', inst.virtual_ipaddress_excluded.map((a) => formatIpAddress(a, a.dev ?? rt.ifname, set)));
  if (inst.unicast) {
    if (inst.unicast_ttl !== undefined) w(`Unicast TTL = ${inst.unicast_ttl}`);
    w(`Check unicast src : ${inst.check_unicast_src ? 'yes' : 'no'}`);
    w('Unicast Peer :');
    for (const p of inst.unicast_peer) out.push(`     ${p.address} min_ttl ${p.min_ttl ?? 0} max_ttl ${p.max_ttl ?? 255}`);
    w(`Unicast checksum compatibility = ${inst.old_unicast_checksum ?? 'no'}`);
  }
  list('Virtual Routes :', inst.virtual_routes.map((r) => formatRoute(r, rt.ifname)));
  list('Virtual Rules :', inst.virtual_rules.map(formatRule));
  list('Tracked interfaces :', inst.track_interface.map((t) => `${t.name} weight ${t.weight}${t.reverse ? ' reverse' : ''}`));
  list('Tracked scripts :', inst.track_script.map((t) => `${t.name} ${weight(t)}`));
  list('Tracked files :', inst.track_file.map((t) => `${t.name}, ${weight(t)}`));
  list('Tracked processes :', inst.track_process.map((t) => `${t.name}, ${weight(t)}`));
  list('Tracked BFDs :', inst.track_bfd.map((t) => `${t.name}: ${weight(t)}`));
  w(`Using smtp notification = ${inst.smtp_alert ? 'yes' : 'no'}`);
  w(`Notify deleted = ${inst.notify_deleted ? 'Deleted' : 'Fault'}`);
  for (const [label, s] of [
    ['Backup', inst.notify_backup], ['Master', inst.notify_master], ['Fault', inst.notify_fault], ['Stop', inst.notify_stop],
    ['Deleted', inst.notify_deleted_script], ['Generic', inst.notify], ['Master rx lower pri', inst.notify_master_rx_lower_pri],
  ] as const) {
    if (s) w(`${label} state transition script = ${cmdStr(s)}, uid:gid ${scriptIds(s, ids)}`);
  }
  w(`Notify priority changes = ${tf(inst.notify_priority_changes)}`);
  return out;
}

function syncGroupLines(input: DumpInput, o: DataOptions): string[] {
  const out: string[] = [];
  const ids = o.ids ?? rootIds;
  for (const g of input.config.vrrp_sync_group) {
    const members = g.group.map((m) => input.router.instances.get(m)).filter((s) => s !== undefined);
    const state = input.router.groups[g.name] ?? 'INIT';
    out.push(` VRRP Sync Group = ${g.name}, ${stateName(state)}`);
    out.push(`   Num member fault ${members.filter((s) => s.state === 'FAULT').length}, num member init ${members.filter((s) => s.state === 'INIT').length}`);
    if (g.group.length > 0) {
      out.push('   VRRP member instances :');
      for (const m of g.group) out.push(`     ${m}`);
    }
    if (g.sync_group_tracking_weight) out.push('   sync group tracking weight set');
    out.push(`   Using smtp notification = ${g.smtp_alert ? 'yes' : 'no'}`);
    if (g.notify_priority_changes !== undefined) out.push(`   Notify priority changes = ${g.notify_priority_changes ? 'yes' : 'no'}`);
    for (const [label, s] of [['Backup', g.notify_backup], ['Master', g.notify_master], ['Fault', g.notify_fault], ['Stop', g.notify_stop], ['Generic', g.notify]] as const) {
      if (s) out.push(`   ${label} state transition script = ${cmdStr(s)}, uid:gid ${scriptIds(s, ids)}`);
    }
  }
  return out;
}

function groupOf(input: DumpInput, instance: string) {
  return input.config.vrrp_sync_group.find((g) => g.group.includes(instance));
}

function scriptLines(input: DumpInput, o: DataOptions): string[] {
  const out: string[] = [];
  const ids = o.ids ?? rootIds;
  for (const s of input.config.vrrp_script) {
    const status = input.scripts?.get(s.name);
    // Before its first run Keepalived holds a script one short of rise (0 with init_fail).
    const result = status?.result ?? (s.init_fail ? 0 : s.rise - 1);
    const w = (l: string) => out.push(`   ${l}`);
    out.push(` VRRP Script = ${s.name}`);
    w(`Command = ${runningCmdStr(s.script, status)}`);
    w(`Interval = ${Math.floor(s.interval)} sec`);
    w(`Timeout = ${Math.floor(s.timeout)} sec`);
    w(`Weight = ${s.weight}${s.reverse ? ' reverse' : ''}`);
    w(`Rise = ${s.rise}`);
    w(`Fall = ${s.fall}`);
    w(`Result = ${result}`);
    w('Insecure = no');
    w(`Init state = ${status ? 'unknown' : s.init_fail ? 'INIT/FAILED' : 'INIT'}`);
    w(`Status = ${result >= s.rise ? 'GOOD' : 'BAD'}`);
    w(`Script uid:gid = ${ids(s.script.user, s.script.group)}`);
    w('VRRP instances :');
    // A sync group's tracked scripts count for each member (Keepalived lists every member).
    const tracking = [...input.runtimes.values()].flatMap((rt) =>
      [...rt.inst.track_script, ...(groupOf(input, rt.inst.name)?.track_script ?? [])].filter((t) => t.name === s.name).map((t) => ({ rt, t })),
    );
    if (tracking.length > 0) {
      w('Tracking instances :');
      for (const { rt, t } of tracking) out.push(`     ${rt.inst.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
    }
    w(`State = ${status?.state ?? 'idle'}`);
  }
  return out;
}

/** The whole file's text. */
export function formatData(input: DumpInput, o: DataOptions = {}): string {
  const lines = globalSection(input, o.ids ?? rootIds, o.hostname);
  const instances = dumpedInstances(input);
  if (instances.length > 0) {
    lines.push('------< VRRP Topology >------');
    for (const { rt, st } of instances) lines.push(...instanceLines(input, rt, st, o));
  }
  if (input.config.vrrp_sync_group.length > 0) lines.push('------< VRRP Sync groups >------', ...syncGroupLines(input, o));
  if (input.config.vrrp_script.length > 0) lines.push('------< VRRP Scripts >------', ...scriptLines(input, o));
  return lines.map((l) => `${l}\n`).join('');
}
