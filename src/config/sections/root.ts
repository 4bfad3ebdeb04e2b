/**
 * The top level of keepalived.conf: which section each root keyword starts.
 * (Keepalived installs these with install_keyword_root() across its parsers.)
 */
import type { ConfigDraft } from '../model.js';
import type { KeywordTable } from '../schema.js';
import { readBfdInstance } from './bfd.js';
import { applyGlobalDefs, newGlobalDefs } from './global.js';
import { readInterfaceUpDownDelays, readLinkbeatInterfaces } from './interfaces.js';
import { readVirtualServer, readVirtualServerGroup } from './lvs.js';
import { readGarpGroup } from './garp-group.js';
import { readSsl } from './ssl.js';
import { readStaticAddresses, readStaticRoutes, readStaticRules } from './static.js';
import { readTrackGroup } from './track-group.js';
import { readVrrpInstance } from './vrrp-instance.js';
import { readSyncGroup } from './vrrp-sync-group.js';
import { readTrackFile, readTrackProcess, readVrrpScript } from './vrrp-track.js';

export function newConfigDraft(): ConfigDraft {
  return {
    global_defs: newGlobalDefs(),
    linkbeat_interfaces: [],
    interface_up_down_delays: [],
    bfd_instance: [],
    static_ipaddress: [],
    static_routes: [],
    static_rules: [],
    track_group: [],
    garp_group: [],
    vrrp_script: [],
    track_file: [],
    vrrp_track_process: [],
    vrrp_sync_group: [],
    vrrp_instance: [],
    virtual_server_group: [],
    virtual_server: [],
  };
}

function push<T>(list: T[], item: T | undefined): void {
  if (item !== undefined) list.push(item);
}

const block = 'required' as const;

export const rootTable: KeywordTable<ConfigDraft> = {
  global_defs: {
    block,
    run: (c, n, cx) => {
      c.global_defs.pos ??= n.pos;
      applyGlobalDefs(c.global_defs, n.block, cx);
    },
  },
  net_namespace: (c, n, cx) => {
    c.net_namespace = cx.str(n);
  },
  net_namespace_ipvs: (c, n, cx) => {
    c.net_namespace_ipvs = cx.str(n);
  },
  namespace_with_ipsets: (c, n, cx) => {
    c.namespace_with_ipsets = cx.bool(n);
  },
  use_pid_dir: (c, n, cx) => {
    c.use_pid_dir = cx.bool(n);
  },
  instance: (c, n, cx) => {
    c.instance = cx.str(n);
  },
  child_wait_time: (c, n, cx) => {
    c.child_wait_time = cx.int(n, 0, 2 ** 31 - 1);
  },
  linkbeat_use_polling: (c, n, cx) => {
    c.linkbeat_use_polling = cx.bool(n);
  },
  linkbeat_interfaces: { block, run: (c, n, cx) => void c.linkbeat_interfaces.push(...readLinkbeatInterfaces(n, cx)) },
  interface_up_down_delays: { block, run: (c, n, cx) => void c.interface_up_down_delays.push(...readInterfaceUpDownDelays(n, cx)) },
  bfd_instance: { block, run: (c, n, cx) => push(c.bfd_instance, readBfdInstance(n, cx, c.bfd_instance)) },
  static_ipaddress: { block, run: (c, n, cx) => void c.static_ipaddress.push(...readStaticAddresses(n, cx)) },
  static_routes: { block, run: (c, n, cx) => void c.static_routes.push(...readStaticRoutes(n, cx)) },
  static_rules: { block, run: (c, n, cx) => void c.static_rules.push(...readStaticRules(n, cx)) },
  track_group: { block, run: (c, n, cx) => push(c.track_group, readTrackGroup(n, cx, c.track_group)) },
  garp_group: { block, run: (c, n, cx) => push(c.garp_group, readGarpGroup(n, cx, c.garp_group)) },
  vrrp_script: { block, run: (c, n, cx) => push(c.vrrp_script, readVrrpScript(n, cx)) },
  track_file: { block, run: (c, n, cx) => push(c.track_file, readTrackFile(n, cx)) },
  vrrp_track_file: { block, run: (c, n, cx) => push(c.track_file, readTrackFile(n, cx)) },
  vrrp_track_process: { block, run: (c, n, cx) => push(c.vrrp_track_process, readTrackProcess(n, cx)) },
  vrrp_sync_group: { block, run: (c, n, cx) => push(c.vrrp_sync_group, readSyncGroup(n, cx, c)) },
  vrrp_instance: { block, run: (c, n, cx) => push(c.vrrp_instance, readVrrpInstance(n, cx, c)) },
  SSL: { block, run: (c, n, cx) => void (c.SSL = readSsl(n, cx, c.SSL)) },
  virtual_server_group: { block, run: (c, n, cx) => push(c.virtual_server_group, readVirtualServerGroup(n, cx)) },
  virtual_server: { block, run: (c, n, cx) => push(c.virtual_server, readVirtualServer(n, cx)) },
};
