/**
 * The Linux implementations of the OS interfaces, put together for the daemon.
 */
import { linuxAnnouncer } from './announce.js';
import { linuxLinks } from './links.js';
import { linuxNetConfig } from './net-config.js';
import type { Announcer, Links, NetConfig, VrrpSocket, VrrpSocketOptions } from './types.js';
import { openVrrpSocket } from './vrrp-socket.js';

export interface LinuxOs {
  readonly links: Links;
  readonly net: NetConfig;
  readonly announcer: Announcer;
  readonly openSocket: (o: VrrpSocketOptions) => VrrpSocket;
}

export function linuxOs(): LinuxOs {
  return { links: linuxLinks(), net: linuxNetConfig(), announcer: linuxAnnouncer(), openSocket: openVrrpSocket };
}
