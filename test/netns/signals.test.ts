/**
 * The signals Keepalived's parent handles, sent to the parent's pid (the -p pid file) as
 * systemd, keepalived-exporter and `kill $(cat keepalived.pid)` do: SIGUSR1 (keepalived.data),
 * SIGUSR2 (keepalived.stats), 36 (keepalived.json), 63 (STATS_CLEAR: keepalived.stats, then the
 * counters start again from zero), SIGHUP (reload). After each the parent and the same VRRP child
 * still run and the VIP stays; SIGTERM at the end stops the daemon with status 0 and removes the
 * VIP. The dumps land in $TMPDIR, which Daemon sets to the daemon's own directory.
 *
 * The same sequence runs against the real Keepalived 2.2.7 first, so the expectations are
 * Keepalived's own, then against keepalived-ts (whose parent used to die of ERR_UNKNOWN_SIGNAL
 * on 36 and 63).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { labUnavailable } from '../../src/lab/lab.js';
import { Daemon } from '../../src/lab/daemon.js';
import { globalDefs, instance, repo, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable() ?? (fs.existsSync('/usr/sbin/keepalived') ? undefined : 'no /usr/sbin/keepalived');
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1'] }, (lab) => (v = lab));

function readPid(file: string): number {
  const n = Number(fs.readFileSync(file, 'utf8').trim());
  assert.ok(Number.isInteger(n) && n > 0, `a pid in ${file}`);
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A file's text once it is complete (ends in a newline, or parses as JSON), or undefined. */
function complete(file: string, json = false): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (json) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      return undefined;
    }
  }
  return text.endsWith('\n') ? text : undefined;
}

/** The counters of keepalived.stats for one instance, by "Section Name" (e.g. "Advertisements Sent"). */
function parseStats(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let section = '';
  for (const line of text.split('\n')) {
    const m = /^(\s*)([^:]+):\s*(\d+)?\s*$/.exec(line);
    if (!m) continue;
    const [, indent, name, value] = m;
    if (value === undefined) {
      if (indent!.length > 0) section = name!.trim();
      continue;
    }
    out.set(indent!.length > 2 ? `${section} ${name!.trim()}` : name!.trim(), Number(value));
  }
  return out;
}

async function sequence(t: TestContext, real: boolean, vrid: number, n: number): Promise<void> {
  const vip = `${v.lab.spareAddress(n)}/24`;
  const name = real ? 'real' : 'kts';
  const conf = globalDefs(`signals_${name}`) + instance({ vrid, priority: 150, vips: [vip] });
  const d = new Daemon(v.lab, 'd1', path.join(v.dir, `d1-${name}`), conf, repo, real);
  v.daemons.push(d);
  const dir = path.dirname(d.pidFile);
  const out = () => `\n--- ${name} output\n${d.output.join('\n')}`;
  let childPid: number | undefined;
  try {
    await waitFor(() => v.holds('d1', vip), 15_000, `${name} takes the VIP`);
    await waitFor(() => fs.existsSync(d.pidFile) && fs.existsSync(d.vrrpPidFile), 5_000, 'pid files');
    const parent = readPid(d.pidFile);
    const child = (childPid = readPid(d.vrrpPidFile));
    assert.equal(parent, d.proc.pid, 'the -p pid file holds the process we started');

    /** Sends `sig` to the parent and waits for `file` in $TMPDIR (removed first); returns its text. */
    const dump = async (sig: NodeJS.Signals | number, file: string, json = false): Promise<string> => {
      const p = path.join(dir, file);
      fs.rmSync(p, { force: true });
      process.kill(parent, sig);
      let text: string | undefined;
      await waitFor(() => (text = complete(p, json)) !== undefined, 5_000, `${name}: ${file} after signal ${sig}`).catch((e: Error) => assert.fail(`${e.message}${out()}`));
      return text!;
    };
    /** The parent and the same VRRP child still run (no respawn) and the VIP stays. */
    const stillRunning = async (after: string) => {
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(alive(parent) && d.proc.exitCode === null && d.proc.signalCode === null, `${name}: parent alive after ${after}${out()}`);
      assert.ok(alive(child), `${name}: VRRP child ${child} alive after ${after}${out()}`);
      assert.equal(readPid(d.vrrpPidFile), child, `${name}: the same VRRP child after ${after}`);
      assert.ok(await v.holds('d1', vip), `${name}: VIP held after ${after}`);
    };

    const data = await dump('SIGUSR1', 'keepalived.data');
    assert.match(data, /VRRP Instance = VI_1/, `keepalived.data names the instance:\n${data}`);
    await stillRunning('SIGUSR1');

    // Enough adverts for the clear to show: Sent >= 3.
    let stats = parseStats(await dump('SIGUSR2', 'keepalived.stats'));
    for (let i = 0; (stats.get('Advertisements Sent') ?? 0) < 3 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      stats = parseStats(await dump('SIGUSR2', 'keepalived.stats'));
    }
    assert.ok((stats.get('Advertisements Sent') ?? 0) >= 3, `${name}: adverts sent counted: ${JSON.stringify([...stats])}`);
    assert.equal(stats.get('Became master'), 1, `${name}: became master once: ${JSON.stringify([...stats])}`);
    await stillRunning('SIGUSR2');

    const json = JSON.parse(await dump(36, 'keepalived.json', true)) as Array<{ data?: { iname?: string } }>;
    assert.ok(Array.isArray(json) && json.some((i) => i.data?.iname === 'VI_1'), `${name}: keepalived.json holds VI_1: ${JSON.stringify(json)}`);
    await stillRunning('signal 36');

    // STATS_CLEAR writes keepalived.stats (the counters before clearing), then zeroes them.
    const beforeClear = parseStats(await dump(63, 'keepalived.stats'));
    assert.ok((beforeClear.get('Advertisements Sent') ?? 0) >= 3, `${name}: STATS_CLEAR's file shows the counters before clearing`);
    await stillRunning('signal 63');
    const cleared = parseStats(await dump('SIGUSR2', 'keepalived.stats'));
    t.diagnostic(`${name}: adverts sent ${beforeClear.get('Advertisements Sent')} before STATS_CLEAR, ${cleared.get('Advertisements Sent')} after`);
    assert.ok((cleared.get('Advertisements Sent') ?? Infinity) < (beforeClear.get('Advertisements Sent') ?? 0), `${name}: sent counter reset: ${JSON.stringify([...cleared])}`);
    assert.ok((cleared.get('Advertisements Sent') ?? Infinity) <= 2, `${name}: sent counter restarted from 0: ${JSON.stringify([...cleared])}`);
    assert.equal(cleared.get('Became master'), 0, `${name}: became master cleared`);

    const reloads = () => d.output.filter((l) => /Reload (finished|complete)/.test(l)).length;
    const r0 = reloads();
    process.kill(parent, 'SIGHUP');
    await waitFor(() => reloads() > r0, 10_000, `${name}: reload finished`).catch((e: Error) => assert.fail(`${e.message}${out()}`));
    await stillRunning('SIGHUP');

    t.diagnostic(`${name}: files in TMPDIR: ${fs.readdirSync(dir).sort().join(' ')}`);
    await d.kill('SIGTERM');
    assert.equal(d.proc.exitCode, 0, `${name}: exit status 0 on SIGTERM${out()}`);
    assert.ok(!(await v.holds('d1', vip)), `${name}: VIP removed on SIGTERM`);
    await waitFor(() => !alive(child), 5_000, `${name}: VRRP child gone`);
  } finally {
    await d.kill('SIGKILL');
    // A parent that died of a signal leaves Daemon.kill() nothing to do: its VRRP child too.
    if (childPid !== undefined && alive(childPid)) process.kill(childPid, 'SIGKILL');
  }
}

test('the real Keepalived: USR1, USR2, 36, 63, HUP to the parent leave it running with its VIP; TERM stops it', { skip, timeout: 90_000 }, async (t) => {
  await sequence(t, true, 141, 230);
});

test('keepalived-ts: USR1, USR2, 36, 63, HUP to the parent leave it running with its VIP; TERM stops it', { skip, timeout: 90_000 }, async (t) => {
  await sequence(t, false, 142, 231);
});
