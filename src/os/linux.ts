/**
 * The Linux implementations of the OS interfaces, put together for the daemon.
 */
import { linuxAnnouncer } from './announce.js';
import { linuxLinks } from './links.js';
import { linuxNetConfig } from './net-config.js';
import { NetlinkAddresses } from './netlink-addresses.js';
import type { Announcer, Links, NetConfig, Vmacs, VrrpSocket, VrrpSocketOptions } from './types.js';
import { nftVipFirewall, type VipFirewall } from './vip-firewall.js';
import { linuxVmacs } from './vmac.js';
import { openVrrpSocket } from './vrrp-socket.js';

export interface LinuxOs {
  readonly links: Links;
  readonly net: NetConfig;
  readonly announcer: Announcer;
  readonly openSocket: (o: VrrpSocketOptions) => VrrpSocket;
  readonly vmacs: Vmacs;
  readonly firewall: VipFirewall;
}

/** iproute2 for routes and rules; addresses, the failover's hot path, through rtnetlink. */
export function linuxOs(): LinuxOs {
  const ip = linuxNetConfig();
  const nl = new NetlinkAddresses();
  const net: NetConfig = {
    ...ip,
    addAddresses: (addrs, dev) => nl.apply('add', addrs, dev),
    removeAddresses: (addrs, dev) => nl.apply('del', addrs, dev),
    addAddressesNow: (addrs, dev) => nl.applyNow('add', addrs, dev),
  };
  return { links: linuxLinks(), net, announcer: linuxAnnouncer(), openSocket: openVrrpSocket, vmacs: linuxVmacs(), firewall: nftVipFirewall() };
}
