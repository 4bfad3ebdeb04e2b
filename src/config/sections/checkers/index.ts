/**
 * The health checkers a real_server may carry, one file per kind, behind one registry: the keyword
 * that opens the checker's block -> its reader, and its defaults for inherited timing.
 * (Keepalived check_api.c install_checkers_keyword().)
 */
import type { Cx } from '../../schema.js';
import type { ConfNode } from '../../tree.js';
import type { BfdCheck } from './bfd.js';
import { readBfdCheck } from './bfd.js';
import type { CheckerDefaults } from './common.js';
import { dnsDefaults, readDnsCheck, type DnsCheck } from './dns.js';
import { readFileCheck, type FileCheck } from './file.js';
import { httpDefaults, readHttpCheck, type HttpCheck } from './http.js';
import { miscDefaults, readMiscCheck, type MiscCheck } from './misc.js';
import { pingDefaults, readPingCheck, type PingCheck } from './ping.js';
import { readSmtpCheck, smtpDefaults, type SmtpCheck } from './smtp.js';
import { readTcpCheck, tcpDefaults, type TcpCheck } from './tcp.js';
import { readUdpCheck, udpDefaults, type UdpCheck } from './udp.js';

export type { BfdCheck } from './bfd.js';
export type { CheckerTiming, Connection } from './common.js';
export type { DnsCheck } from './dns.js';
export type { FileCheck } from './file.js';
export type { HttpCheck, HttpUrl } from './http.js';
export type { MiscCheck } from './misc.js';
export type { PingCheck } from './ping.js';
export type { SmtpCheck } from './smtp.js';
export type { TcpCheck } from './tcp.js';
export type { UdpCheck } from './udp.js';

export type Checker = TcpCheck | HttpCheck | MiscCheck | SmtpCheck | DnsCheck | UdpCheck | PingCheck | FileCheck | BfdCheck;
export type CheckerType = Checker['checker'];
/** Checkers Keepalived runs on a timer (FILE_CHECK and BFD_CHECK are driven by events). */
export type TimedChecker = Exclude<Checker, FileCheck | BfdCheck>;
export type ConnectingChecker = Exclude<TimedChecker, MiscCheck>;

interface CheckerKind {
  read(node: ConfNode, cx: Cx): Checker | Checker[] | undefined;
  defaults?: CheckerDefaults;
}

export const checkerKinds: Readonly<Record<CheckerType, CheckerKind>> = {
  TCP_CHECK: { read: readTcpCheck, defaults: tcpDefaults },
  HTTP_GET: { read: readHttpCheck, defaults: httpDefaults },
  SSL_GET: { read: readHttpCheck, defaults: httpDefaults },
  MISC_CHECK: { read: readMiscCheck, defaults: miscDefaults },
  SMTP_CHECK: { read: readSmtpCheck, defaults: smtpDefaults },
  DNS_CHECK: { read: readDnsCheck, defaults: dnsDefaults },
  UDP_CHECK: { read: readUdpCheck, defaults: udpDefaults },
  PING_CHECK: { read: readPingCheck, defaults: pingDefaults },
  FILE_CHECK: { read: readFileCheck },
  BFD_CHECK: { read: readBfdCheck },
};

export function isTimed(c: Checker): c is TimedChecker {
  return c.checker !== 'FILE_CHECK' && c.checker !== 'BFD_CHECK';
}

export function isConnecting(c: Checker): c is ConnectingChecker {
  return isTimed(c) && c.checker !== 'MISC_CHECK';
}
