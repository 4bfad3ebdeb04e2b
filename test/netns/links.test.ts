/**
 * linuxLinks() against a real kernel: list() sees a namespace's veth as `ip` does, and watch()
 * reports a link going down and up and an address being added, within a second, with the state
 * as it is after the change; a monitor that dies is reported and restarted, and close() ends it.
 * The namespace (a Lab, src/lab/lab.ts) is removed afterwards even when a test fails. Needs root.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
      await sleep(100); // let `ip monitor` subscribe before changing things

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

  test('a monitor that dies is reported and restarted; close() ends it', async () => {
    const seen = new Seen();
    const errors: Error[] = [];
    const w = linuxLinks({ netns: h.ns, restartMs: { min: 50, max: 200 }, onError: (e) => errors.push(e) }).watch(seen.push);
    try {
      await seen.next((l) => l.name === 'eth0', 'initial read');
      const [pid] = monitorPids(h.ns);
      assert.ok(pid, 'monitor running');
      process.kill(pid, 'SIGKILL'); // our own child, by its PID
      // A change while the monitor is away is caught by the re-read after the restart.
      run('ip', 'addr', 'add', '10.9.8.8/24', 'dev', 'eth0');
      await seen.next((l) => l.ipv4.includes('10.9.8.8/24'), 'the change made while the monitor was dead', 2000);
      assert.match(errors[0]?.message ?? '', /ip monitor \(pid \d+\) ended \(signal SIGKILL\); restarting in 50 ms/);
      const [again] = monitorPids(h.ns);
      assert.ok(again !== undefined && again !== pid, 'a new monitor');
      await sleep(100);
      run('ip', 'addr', 'del', '10.9.8.8/24', 'dev', 'eth0');
      await seen.next((l) => l.name === 'eth0' && !l.ipv4.includes('10.9.8.8/24'), 'the restarted monitor works');
    } finally {
      w.close();
    }
    await sleep(100);
    assert.deepEqual(monitorPids(h.ns), [], 'close() ended the monitor');
  });
});
