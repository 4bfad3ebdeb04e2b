/**
 * conntrackd driving (daemon/conntrackd/): which transitions ask for which of
 * primary-backup.sh's commands, how the queue keeps commands from overlapping, and the driver
 * running them through a fake runner (off the step, in order, one log line each, failures logged
 * and the rest still run); os/conntrackd.ts's runner against real processes (exit code, output,
 * the time bound).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLogger } from '../../src/base/log.js';
import { ConntrackdDriver, groupedInstances } from '../../src/daemon/conntrackd/driver.js';
import { commandsFor, conntrackdSettings, finished, request, roleFor, type ConntrackdRole } from '../../src/daemon/conntrackd/plan.js';
import { runCommand, type CommandResult } from '../../src/os/conntrackd.js';
import type { RouterAction } from '../../src/vrrp/router.js';

const group = (to: string, from = 'BACKUP'): RouterAction => ({ kind: 'group_transition', group: 'G', from, to, reason: 'test' } as RouterAction);
const inst = (instance: string, to: string, silent = false): RouterAction =>
  ({ kind: 'transition', instance, from: 'BACKUP', to, reason: 'test', ...(silent ? { silent } : {}) } as RouterAction);

test('the commands of each role are primary-backup.sh\'s, in its order, with -C CONF', () => {
  const s = { config: '/etc/ct/d1.conf' };
  const flags = (r: ConntrackdRole) => commandsFor(r, s).map((a) => a.join(' '));
  assert.deepEqual(flags('primary'), ['-c', '-f', '-R', '-B'].map((f) => `conntrackd -C /etc/ct/d1.conf ${f}`));
  assert.deepEqual(flags('backup'), ['-t', '-n'].map((f) => `conntrackd -C /etc/ct/d1.conf ${f}`));
  assert.deepEqual(flags('fault'), ['conntrackd -C /etc/ct/d1.conf -t']);
  assert.equal(commandsFor('fault', { ...s, bin: '/usr/sbin/conntrackd' })[0]![0], '/usr/sbin/conntrackd');
});

test('with sync groups, the group speaks for its members; an instance in no group speaks for itself', () => {
  const grouped = new Set(['VI_OUT', 'VI_IN']);
  assert.deepEqual(roleFor(group('MASTER'), grouped), { role: 'primary', who: 'VRRP_Group(G)' });
  assert.deepEqual(roleFor(group('BACKUP', 'MASTER'), grouped)?.role, 'backup');
  assert.deepEqual(roleFor(group('FAULT'), grouped)?.role, 'fault');
  assert.equal(roleFor(inst('VI_OUT', 'MASTER'), grouped), undefined);
  assert.deepEqual(roleFor(inst('VI_LONE', 'MASTER'), grouped), { role: 'primary', who: '(VI_LONE)' });
  // STOP (shutdown) and INIT ask nothing; primary-backup.sh has no case for them either.
  assert.equal(roleFor(inst('VI_LONE', 'STOP'), grouped), undefined);
  assert.equal(roleFor(group('INIT'), grouped), undefined);
  // A silent transition (FAULT at start-up before a tracker's first result) is nobody's business.
  assert.equal(roleFor(inst('VI_LONE', 'FAULT', true), grouped), undefined);
  assert.equal(roleFor({ kind: 'send_advert', instance: 'VI_LONE', priority: 100 } as RouterAction, grouped), undefined);
  assert.deepEqual([...groupedInstances([{ group: ['a', 'b'] }, { group: ['c'] }])], ['a', 'b', 'c']);
});

test('the queue runs one role at a time and keeps only the latest one waiting', () => {
  let r = request({}, 'backup');
  assert.deepEqual(r, { state: { running: 'backup' }, start: 'backup' });
  r = request(r.state, 'primary');
  assert.deepEqual(r, { state: { running: 'backup', waiting: 'primary' } });
  r = request(r.state, 'fault');
  assert.deepEqual(r, { state: { running: 'backup', waiting: 'fault' } });
  r = request(r.state, 'primary');
  assert.deepEqual(r.state, { running: 'backup', waiting: 'primary' });
  // Asking again for what runs, with nothing waiting, changes nothing.
  assert.deepEqual(request({ running: 'primary' }, 'primary'), { state: { running: 'primary' } });
  let f = finished(r.state);
  assert.deepEqual(f, { state: { running: 'primary' }, start: 'primary' });
  f = finished(f.state);
  assert.deepEqual(f, { state: {} });
});

test('settings: a file, 1 for conntrackd\'s default file, empty or 0 for none', () => {
  assert.deepEqual(conntrackdSettings('/x/d1.conf'), { config: '/x/d1.conf' });
  assert.deepEqual(conntrackdSettings('1'), { config: '/etc/conntrackd/conntrackd.conf' });
  for (const v of [undefined, '', '0']) assert.equal(conntrackdSettings(v), undefined);
});

/** A driver whose deferred work runs only when the test says, and whose runner records argv. */
function harness(results: (argv: readonly string[]) => CommandResult = () => ({ code: 0, output: '' })) {
  const log = memoryLogger();
  const ran: string[] = [];
  const deferred: Array<() => void> = [];
  const gates: Array<() => void> = [];
  let gated = false;
  const d = new ConntrackdDriver({ config: '/c.conf' }, new Set(['VI_OUT', 'VI_IN']), {
    log,
    defer: (f) => deferred.push(f),
    now: () => 0,
    run: async (argv) => {
      ran.push(argv[argv.length - 1]!);
      if (gated) await new Promise<void>((r) => gates.push(r));
      return results(argv);
    },
  });
  const flush = () => {
    for (const f of deferred.splice(0)) f();
  };
  return { d, log, ran, flush, gate: (on: boolean) => (gated = on), open: () => gates.splice(0).forEach((g) => g()) };
}

const tick = () => new Promise((r) => setImmediate(r));

test('the driver runs nothing inside the step: commands start when the deferred turn comes', async () => {
  const h = harness();
  h.d.onAction(group('MASTER'));
  h.d.onAction(inst('VI_OUT', 'MASTER'));
  assert.deepEqual(h.ran, []);
  h.flush();
  await h.d.idle();
  assert.deepEqual(h.ran, ['-c', '-f', '-R', '-B']);
  assert.deepEqual(h.log.lines.filter((l) => l.includes('conntrackd')).length, 1);
  assert.match(h.log.lines.find((l) => l.includes('conntrackd'))!, /conntrackd primary for VRRP_Group\(G\) MASTER: -c ok 0 ms, -f ok 0 ms, -R ok 0 ms, -B ok 0 ms; 0 ms in all \(\/c\.conf\)/);
});

test('a transition during a run waits for it; only the latest waiting one runs after', async () => {
  const h = harness();
  h.gate(true);
  h.d.onAction(group('BACKUP', 'INIT'));
  h.flush();
  await tick();
  assert.deepEqual(h.ran, ['-t']);
  h.d.onAction(group('MASTER'));
  h.d.onAction(group('FAULT', 'MASTER'));
  h.d.onAction(group('BACKUP', 'FAULT'));
  h.gate(false);
  h.open();
  await tick();
  await tick();
  h.flush();
  await h.d.idle();
  // backup (-t -n) finished, then only the last wish (backup again): never two runs at once.
  assert.deepEqual(h.ran, ['-t', '-n', '-t', '-n']);
});

test('a failed command is logged as an error with its output, and the rest of the role still runs', async () => {
  const h = harness((argv) => (argv.includes('-c') ? { code: 1, output: 'ERROR: cannot connect\nto socket' } : argv.includes('-B') ? { failure: 'timeout after 10000 ms', output: '' } : { code: 0, output: '' }));
  h.d.onAction(group('MASTER'));
  h.flush();
  await h.d.idle();
  assert.deepEqual(h.ran, ['-c', '-f', '-R', '-B']);
  assert.match(h.log.lines.join('\n'), /-c exit 1 0 ms \(ERROR: cannot connect to socket\), -f ok 0 ms, -R ok 0 ms, -B timeout after 10000 ms 0 ms/);
});

test('the runner reports exit codes and output, and kills a command that outlives its bound', async () => {
  assert.deepEqual(await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 1'], 5000), { code: 1, output: 'out\nerr' });
  assert.deepEqual(await runCommand(['true'], 5000), { code: 0, output: '' });
  const t0 = Date.now();
  const slow = await runCommand(['sh', '-c', 'sleep 30 & sleep 30'], 300);
  assert.equal(slow.failure, 'timeout after 300 ms');
  assert.ok(Date.now() - t0 < 10_000);
  const missing = await runCommand(['/nonexistent/conntrackd'], 1000);
  assert.equal(missing.code, undefined);
  assert.match(missing.failure ?? '', /ENOENT/);
});
