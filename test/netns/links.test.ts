/**
 * linuxLinks() against a real kernel: list() sees a namespace's veth as `ip` does, and watch()
 * reports a link going down and up and an address being added, within a second, with the state
 * as it is after the change, and a link added, renamed and deleted. It listens on one netlink
 * socket in the namespace (no `ip monitor` child), which close() closes; events the kernel drops
 * lead to a full re-read. The namespace (a Lab, src/lab/lab.ts) is removed afterwards even when
 * a test fails. Needs root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { linuxLinks } from '../../src/os/links.js';
import type { LinkInfo } from '../../src/os/types.js';
import { Lab, labUnavailable, type LabHost } from '../../src/lab/lab.js';

/** Callbacks, with a way to wait for the first one (from now on) that matches. */
class Seen {
  readonly all: LinkInfo[] = [];
  private waiters: Array<{ test: (l: LinkInfo) => boolean; done: (l: LinkInfo) => void }> = [];

  readonly push = (l: LinkInfo): void => {
    this.all.push(l);
    this.waiters = this.waiters.filter((w) => !(w.test(l) && (w.done(l), true)));
  };

  next(test: (l: LinkInfo) => boolean, what: string, timeoutMs = 1000): Promise<LinkInfo> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no callback with ${what} within ${timeoutMs} ms; saw ${JSON.stringify(this.all.slice(-5))}`)), timeoutMs);
      this.waiters.push({ test, done: (l) => (clearTimeout(t), resolve(l)) });
    });
  }
}

/** PIDs of `ip -n NS -o monitor ...` processes; the namespace name is unique to this run. */
function monitorPids(ns: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('ip') && argv.includes(ns) && argv.includes('monitor')) out.push(Number(d));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This process's fds that are NETLINK_ROUTE sockets in `ns` bound to the link and address groups. */
function linkSockets(ns: string): number[] {
  // /proc/net/netlink lists the sockets of the reader's namespace: read it from inside `ns`.
  const table = execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netlink'], { encoding: 'utf8' });
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    const f = line.trim().split(/\s+/);
    if (f.length >= 10 && f[1] === '0' && f[3] === '00000111') inodes.add(f[f.length - 1]!);
  }
  const out: number[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m && inodes.has(m[1]!)) out.push(Number(fd));
    } catch {
      // The fd closed while we looked (readdir's own among them).
    }
  }
  return out;
}

describe('Links in a network namespace', { skip: labUnavailable() }, () => {
  let lab: Lab;
  let h: LabHost;
  // execSync(): nothing else runs before the test waits for the change it made.
  const run = (cmd: string, ...args: string[]) => lab.execSync('h', cmd, ...args);
  before(async () => {
    lab = await Lab.create({ hosts: ['h'], subnet: [9, 0], ipv6: true, prefix6: 'fd00::', multicastSnooping: false });
    h = lab.host('h');
  });
  after(() => lab?.destroy());
  const ourLinkSockets = () => linkSockets(h.ns);

  test('list() sees the veth: index, MAC, up, addresses (link-local first)', async () => {
    const links = await linuxLinks({ netns: h.ns }).list();
    const eth0 = links.find((l) => l.name === 'eth0');
    assert.ok(eth0, `eth0 listed: ${JSON.stringify(links)}`);
    assert.equal(eth0.mac, h.mac);
    assert.equal(eth0.up, true);
    assert.deepEqual(eth0.ipv4, ['10.9.0.1/24']);
    assert.deepEqual(eth0.ipv6, [`${h.linkLocal}/64`, 'fd00::1/64']);
    const index = Number(run('cat', '/sys/class/net/eth0/ifindex').trim());
    assert.equal(eth0.index, index);
    assert.equal(links.find((l) => l.name === 'lo')?.ipv4[0], '127.0.0.1/8');
  });

  test('watch(): down, up and a new address are reported within a second', async (t) => {
    const seen = new Seen();
    const w = linuxLinks({ netns: h.ns }).watch(seen.push);
    try {
      // The first full read after the monitor starts reports every link once.
      await seen.next((l) => l.name === 'eth0' && l.up, 'eth0 up (initial read)');
      await sleep(100); // settle after the initial read before changing things

      let t0 = Date.now();
      run('ip', 'link', 'set', 'eth0', 'down');
      const down = await seen.next((l) => l.name === 'eth0' && !l.up, 'eth0 down');
      const downMs = Date.now() - t0;
      assert.deepEqual(down.ipv4, ['10.9.0.1/24'], 'IPv4 stays on a down link');

      t0 = Date.now();
      run('ip', 'link', 'set', 'eth0', 'up');
      await seen.next((l) => l.name === 'eth0' && l.up, 'eth0 up');
      const upMs = Date.now() - t0;

      t0 = Date.now();
      run('ip', 'addr', 'add', '10.9.7.7/24', 'dev', 'eth0');
      const added = await seen.next((l) => l.name === 'eth0' && l.ipv4.includes('10.9.7.7/24'), '10.9.7.7 on eth0');
      const addMs = Date.now() - t0;
      assert.equal(added.up, true);
      assert.equal(added.ipv4[0], '10.9.0.1/24', 'primary first');

      run('ip', 'addr', 'del', '10.9.7.7/24', 'dev', 'eth0');
      await seen.next((l) => l.name === 'eth0' && !l.ipv4.includes('10.9.7.7/24'), '10.9.7.7 gone');
      t.diagnostic(`watch latency: down ${downMs} ms, up ${upMs} ms, address ${addMs} ms`);
    } finally {
      w.close();
    }
  });

  test('watch(): a link added, renamed and deleted is reported by name and index', async () => {
    const seen = new Seen();
    const w = linuxLinks({ netns: h.ns }).watch(seen.push);
    try {
      await seen.next((l) => l.name === 'eth0', 'initial read');
      run('ip', 'link', 'add', 'lt-a', 'type', 'veth', 'peer', 'name', 'lt-b');
      const added = await seen.next((l) => l.name === 'lt-a', 'lt-a added');
      assert.equal(added.up, false);
      run('ip', 'link', 'set', 'lt-a', 'name', 'lt-c');
      const renamed = await seen.next((l) => l.name === 'lt-c', 'lt-a renamed lt-c');
      assert.equal(renamed.index, added.index);
      run('ip', 'link', 'set', 'lt-c', 'up');
      run('ip', 'addr', 'add', '10.9.9.9/24', 'dev', 'lt-c');
      await seen.next((l) => l.name === 'lt-c' && l.ipv4.includes('10.9.9.9/24'), 'an address on lt-c');
      run('ip', 'link', 'del', 'lt-c');
      const gone = await seen.next((l) => l.index === added.index && !l.up && l.ipv4.length === 0, 'lt-c deleted');
      assert.equal(gone.name, 'lt-c');
    } finally {
      w.close();
      try {
        run('ip', 'link', 'del', 'lt-c');
      } catch {
        // Already deleted, as the test expects.
      }
    }
  });

  test('one netlink socket in the namespace, no ip monitor; close() closes it; this thread stays home', async () => {
    const home = fs.readlinkSync('/proc/thread-self/ns/net');
    const seen = new Seen();
    const w = linuxLinks({ netns: h.ns }).watch(seen.push);
    let open: number[];
    try {
      await seen.next((l) => l.name === 'eth0', 'initial read');
      assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), home, 'back in our own namespace after subscribing');
      assert.deepEqual(monitorPids(h.ns), [], 'no ip monitor child');
      open = ourLinkSockets();
      assert.equal(open.length, 1, 'one socket of ours subscribed to link and address events in the namespace');
    } finally {
      w.close();
    }
    assert.deepEqual(ourLinkSockets(), [], 'close() closed it');
    assert.ok(!fs.existsSync(`/proc/self/fd/${open[0]}`) || !fs.readlinkSync(`/proc/self/fd/${open[0]}`).startsWith('socket:'), 'its fd is free');
    await sleep(100);
    assert.deepEqual(monitorPids(h.ns), [], 'and still no ip monitor');
  });

  test('events the kernel drops (full receive queue) are reported and followed by a full re-read', async () => {
    const seen = new Seen();
    const errors: Error[] = [];
    // The smallest receive queue the kernel allows: a few notifications fill it.
    const w = linuxLinks({ netns: h.ns, netlinkRcvbufBytes: 1, onError: (e) => errors.push(e) }).watch(seen.push);
    const batch = path.join(os.tmpdir(), `links-test-${process.pid}-${Date.now()}.batch`);
    const addrs = Array.from({ length: 40 }, (_, i) => `10.9.5.${i + 1}/32`);
    try {
      await seen.next((l) => l.name === 'eth0', 'initial read');
      await sleep(50);
      // execSync: this process reads nothing until all 40 are added, so the queue overflows.
      fs.writeFileSync(batch, addrs.map((a) => `addr add ${a} dev eth0\n`).join(''));
      run('ip', '-batch', batch);
      await seen.next((l) => l.name === 'eth0' && addrs.every((a) => l.ipv4.includes(a)), 'all 40 addresses', 2000);
      assert.ok(errors.some((e) => /ENOBUFS\); re-reading every link/.test(e.message)), `overrun reported: ${errors.map((e) => e.message).join('; ')}`);
      fs.writeFileSync(batch, addrs.map((a) => `addr del ${a} dev eth0\n`).join(''));
      run('ip', '-batch', batch);
      await seen.next((l) => l.name === 'eth0' && addrs.every((a) => !l.ipv4.includes(a)), 'all 40 gone', 2000);
      // The socket still delivers after overruns.
      await sleep(100);
      run('ip', 'link', 'set', 'eth0', 'down');
      await seen.next((l) => l.name === 'eth0' && !l.up, 'eth0 down after the overruns');
      run('ip', 'link', 'set', 'eth0', 'up');
      await seen.next((l) => l.name === 'eth0' && l.up, 'eth0 up again');
      assert.ok(errors.every((e) => /re-reading every link/.test(e.message)), 'nothing failed but lost events');
    } finally {
      w.close();
      fs.rmSync(batch, { force: true });
    }
  });
});
