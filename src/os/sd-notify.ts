/**
 * sd_notify(3) without libsystemd: a datagram with `KEY=VALUE` lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'). Under a unit with
 * Type=notify systemd waits for READY=1 before it calls the service started, reads RELOADING=1 /
 * READY=1 around a reload, STATUS= for `systemctl status`, STOPPING=1, and WATCHDOG=1 as the
 * keep-alive of WatchdogSec=. Without $NOTIFY_SOCKET every call does nothing, as sd_notify does.
 */
import { AF_UNIX, bind, close, recv, SOCK_DGRAM, sendto, socket } from './libc.js';

export interface SystemdNotifier {
  /** False when no service manager listens: nothing is sent. */
  readonly enabled: boolean;
  /** Sends `state` (newline-separated assignments); failures are returned, never thrown. */
  notify(state: string): Error | undefined;
  close(): void;
}

/** struct sockaddr_un for `name`: sa_family then the path; '@' stands for the abstract namespace's NUL. */
export function unixAddress(name: string): Buffer {
  const abstract = name.startsWith('@');
  const path = Buffer.from(abstract ? name.slice(1) : name);
  if (path.length > 107) throw new RangeError(`socket path too long: ${name}`);
  const a = Buffer.alloc(2 + (abstract ? 1 : 0) + path.length + (abstract ? 0 : 1));
  a.writeUInt16LE(AF_UNIX, 0);
  path.copy(a, abstract ? 3 : 2);
  return a;
}

export function systemdNotifier(env: NodeJS.ProcessEnv = process.env): SystemdNotifier {
  const name = env['NOTIFY_SOCKET'];
  if (!name || !(name.startsWith('/') || name.startsWith('@'))) return { enabled: false, notify: () => undefined, close: () => undefined };
  let fd: number | undefined;
  const addr = unixAddress(name);
  return {
    enabled: true,
    notify(state) {
      try {
        fd ??= socket(AF_UNIX, SOCK_DGRAM, 0);
        // Non-blocking: a manager that reads nothing must not stall the parent; it is told instead.
        if (sendto(fd, Buffer.from(state), addr) < 0) return new Error(`notify socket ${name} is full, dropped ${state.split('\n')[0]}`);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    },
    close() {
      if (fd !== undefined) close(fd);
      fd = undefined;
    },
  };
}

/** The listening side, as systemd holds it: for tests that play the service manager. */
export class NotifyListener {
  readonly fd: number;
  constructor(readonly path: string) {
    this.fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(this.fd, unixAddress(path));
  }

  /** Every datagram waiting now, each as its text. */
  drain(): string[] {
    const out: string[] = [];
    const buf = Buffer.alloc(4096);
    for (;;) {
      const n = recv(this.fd, buf);
      if (n < 0) return out;
      out.push(buf.subarray(0, n).toString());
    }
  }

  close(): void {
    close(this.fd);
  }
}
