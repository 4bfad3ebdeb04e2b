/**
 * The VRRP dumps against real Keepalived 2.2.7 output. test/fixtures/dump/keepalived-2.2.7.* were
 * captured from /usr/sbin/keepalived running keepalived-2.2.7.conf in a network namespace
 * (veth0 10.66.0.1/24; SIGUSR1, SIGUSR2 and signal 36 sent to its VRRP process once both
 * instances were master), with the temporary directory renamed /tmp/x. The engine state below
 * is what that daemon reported; our text must equal Keepalived's except where we differ on
 * purpose (masked password, no fd/socket-pool/interface lines), applied to the capture here.
 */
process.env['TZ'] = 'UTC';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { cmdStr, TransitionClock, type DumpInput } from '../../src/daemon/dump/common.js';
import { formatData } from '../../src/daemon/dump/data.js';
import { fmtSecondsF, formatJson, jsonString } from '../../src/daemon/dump/json.js';
import { fmtG } from '../../src/daemon/dump/common.js';
import { formatStats, statsClear } from '../../src/daemon/dump/stats.js';
import { checkDumpPath, dumpPath, writeCheckDump, writeDump } from '../../src/daemon/dump/writer.js';
import { buildRuntime, type Runtime } from '../../src/daemon/vrrp/runtime.js';
import { initialState } from '../../src/vrrp/instance.js';
import type { RouterState } from '../../src/vrrp/router.js';
import { InstanceStates } from '../../src/vrrp/instance-states.js';
import type { InstanceState } from '../../src/vrrp/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/dump');
const fixture = (ext: string) => readFile(path.join(fixtures, `keepalived-2.2.7.${ext}`), 'utf8');
const links = new Map([['veth0', { name: 'veth0', index: 3, up: true, mac: 'aa:8c:4c:b5:2e:8e', ipv4: ['10.66.0.1/24'], ipv6: [] }]]);

function inputFor(configText: string, states: Record<string, Partial<InstanceState>>, extra: Partial<DumpInput> = {}): DumpInput {
  const { config } = loadConfig('/k.conf', { fs: memoryConfigFs({ '/k.conf': configText }), configId: 'x' });
  const runtimes = new Map<string, Runtime>();
  const instances: Array<[string, InstanceState]> = [];
  for (const inst of config.vrrp_instance) {
    const rt = buildRuntime(config, inst, links);
    assert.ok(typeof rt !== 'string', String(rt));
    runtimes.set(inst.name, rt);
    instances.push([inst.name, { ...initialState(rt.params), ...states[inst.name] }]);
  }
  const router: RouterState = { instances: InstanceStates.of(instances), groups: {} };
  return { config, runtimes, router, lastTransitionUs: new Map(), nowWallUs: 1_795_551_000_000_000, nowMonoUs: 0, ...extra };
}

const stats = (o: Partial<InstanceState['stats']>): InstanceState['stats'] => ({
  advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0, pri_zero_rcvd: 0, pri_zero_sent: 0, ...o,
});

/** The state the captured Keepalived reported: both instances master. */
async function captured(): Promise<DumpInput> {
  return inputFor(await fixture('conf'), {
    VI_1: { state: 'MASTER', wantState: 'MASTER', effectivePriority: 150, masterAdverIntervalUs: 1_000_000, deadline: 7_221_035, stats: stats({ advert_sent: 16, become_master: 1 }) },
    VI_2: { state: 'MASTER', wantState: 'MASTER', effectivePriority: 100, masterAdverIntervalUs: 4_000_000, deadline: 10_240_856, stats: stats({ advert_sent: 2, become_master: 1 }) },
  }, {
    lastTransitionUs: new Map([['VI_1', 1_795_550_991_218_350], ['VI_2', 1_795_551_002_240_617]]),
    scripts: new Map([['chk_probe', { result: 3, state: 'idle' }]]),
  });
}

/** Drops the `------< name >------` section and everything up to the next header. */
function dropSection(text: string, name: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const l of text.split('\n').slice(0, -1)) {
    if (l.startsWith('------<')) skipping = l === `------< ${name} >------`;
    if (!skipping) out.push(`${l}\n`);
  }
  return out.join('');
}

test('keepalived.data equals Keepalived 2.2.7\'s, password masked and fd/socket/interface lines left out', async () => {
  let expected = await fixture('data');
  expected = dropSection(dropSection(expected, 'VRRP Sockpool'), 'Interfaces');
  // The model resolves an unset vrrp_script timeout to the interval; Keepalived 2.2.7 prints 0.
  expected = expected.replace('   Timeout = 0 sec', '   Timeout = 2 sec');
  // vrrp_higher_prio_send_advert is on by default in keepalived-ts (a deliberate difference:
  // src/config/sections/vrrp-finish-globals.ts), off in Keepalived.
  expected = expected.replaceAll('Send advert after receive higher priority advert = false', 'Send advert after receive higher priority advert = true');
  expected = expected.replace(/^ libnftnl version .*\n/m, '').replace('   Password = secret12', '   Password = ********').replace(/^ {3}fd_in \d+, fd_out \d+\n/gm, '');
  assert.equal(formatData(await captured()), expected);
});

test('keepalived.stats equals Keepalived 2.2.7\'s', async () => {
  assert.equal(formatStats(await captured()), await fixture('stats'));
});

test('keepalived.json equals Keepalived 2.2.7\'s, with auth_data "********" (as Keepalived 2.4.0+)', async () => {
  // higher_prio_send_advert: on by default in keepalived-ts, a deliberate difference (see above).
  const expected = (await fixture('json')).replace('"auth_data":"secret12"', '"auth_data":"********"').replaceAll('"higher_prio_send_advert":0', '"higher_prio_send_advert":1');
  assert.equal(formatJson(await captured()), expected);
});

test('json_version 2 wraps the array as {"vrrp":[...]}', async () => {
  const text = (await fixture('conf')).replace('router_id probe_router', 'router_id probe_router\n  json_version 2');
  const v2 = formatJson(inputFor(text, {}))!;
  const v1 = formatJson(inputFor(await fixture('conf'), {}))!;
  assert.equal(v2, `{"vrrp":${v1.trimEnd()}}\n`);
  assert.deepEqual(Object.keys(JSON.parse(v2)), ['vrrp']);
});

test('v2 advert interval in seconds, v3 in milliseconds; a v3 backup shows the master\'s', async () => {
  const input = inputFor(await fixture('conf'), {
    VI_2: { state: 'BACKUP', wantState: 'BACKUP', masterAddress: '10.66.0.2', masterPriority: 120, masterAdverIntervalUs: 2_500_000 },
  });
  const data = formatData(input);
  assert.match(data, /^ {3}Advert interval = 1 sec$/m);
  assert.match(data, /^ {3}Advert interval = 4000 milli-sec\n {3}Master advert interval = 2500 milli-sec$/m);
  assert.match(data, /^ {3}State = BACKUP\n {3}Master router = 10\.66\.0\.2\n {3}Master priority = 120\n {3}Master advert int = 2\.50 sec$/m);
  const json = JSON.parse(formatJson(input)!) as { data: Record<string, unknown> }[];
  assert.equal(json[1]!.data['master_adver_int'], 2.5);
  assert.equal(json[1]!.data['master_priority'], 120);
  assert.equal(json[1]!.data['state'], 1);
});

test('no secret in any dump: the PASS password never appears', async () => {
  const input = await captured();
  for (const text of [formatData(input), formatJson(input)!, formatStats(input)]) assert.ok(!text.includes('secret12'));
});

test('JSON leaves out empty optional keys and escapes "/" as "\\/"', async () => {
  const json = formatJson(await captured())!;
  const [vi1, vi2] = JSON.parse(json) as { data: Record<string, unknown> }[];
  assert.ok(!('script_backup' in vi1!.data) && !('evips' in vi1!.data) && !('track_ifp' in vi1!.data));
  assert.ok(!('auth_data' in vi2!.data) && !('script' in vi2!.data) && !('track_script' in vi2!.data));
  assert.ok(!json.includes('"/tmp'), 'every slash escaped');
  assert.equal(jsonString('a/b"c\\d\te\u0001'), '"a\\/b\\"c\\\\d\\te\\u0001"');
});

test('number formats: %g for intervals, %f for last_transition, cmd_str quoting', () => {
  assert.equal(fmtG(1), '1');
  assert.equal(fmtG(0.5), '0.5');
  assert.equal(fmtG(40.95), '40.95');
  assert.equal(fmtG(1 / 3), '0.333333');
  assert.equal(fmtG(1234567), '1.23457e+06');
  assert.equal(fmtSecondsF(1_795_550_991_000_007), '1795550991.000007');
  assert.equal(cmdStr({ args: ['/bin/x', "it's"], pos: { file: 'k', line: 1 } } as never), "'/bin/x' 'it'\\''s'");
  assert.equal(cmdStr({ args: ['</tmp/flag'], pos: { file: 'k', line: 1 } } as never), '</tmp/flag');
});

test('STATS_CLEAR writes the counters as they were, then every later read is zero until they move again', async () => {
  const input = await captured();
  const { text, baseline } = statsClear(input);
  assert.equal(text, await fixture('stats'), 'the file written on STATS_CLEAR holds the counters before clearing');
  assert.equal(input.router.instances.get('VI_1')!.stats.advert_sent, 16, 'nothing was mutated');
  const after = formatStats({ ...input, baseline });
  assert.ok(!/: [1-9]/.test(after), after);
  const moved: RouterState = { ...input.router, instances: input.router.instances.with('VI_1', { ...input.router.instances.get('VI_1')!, stats: stats({ advert_sent: 19, become_master: 1 }) }) };
  input.runtimes.get('VI_1')!.errors.auth_failure += 2;
  const later = formatStats({ ...input, router: moved, baseline });
  assert.match(later, /VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: 0\n {4}Sent: 3\n {2}Became master: 0\n/);
  assert.match(later, / {4}Failure: 2\n/);
  const json = JSON.parse(formatJson({ ...input, router: moved, baseline })!) as { stats: Record<string, number> }[];
  assert.equal(json[0]!.stats['advert_sent'], 3, 'the JSON dump reads the same cleared counters');
});

test('TransitionClock: instances never transitioned show the start time', () => {
  let t = 1_000_000;
  const clock = new TransitionClock(() => t);
  t = 5_000_000;
  clock.record('VI_1');
  assert.deepEqual([...clock.snapshot(['VI_1', 'VI_2'])], [['VI_1', 5_000_000], ['VI_2', 1_000_000]]);
});

test('no instance: no JSON (Keepalived leaves the file alone)', () => {
  assert.equal(formatJson(inputFor('global_defs {\n router_id r\n}\n', {})), undefined);
});

test('writeDump: $TMPDIR, mode 0600, replaces the old file (and a planted symlink, never its target) atomically', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kts-dump-'));
  try {
    const env = { TMPDIR: dir };
    assert.equal(dumpPath('stats', {}), '/tmp/keepalived.stats');
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'keep me');
    await symlink(victim, path.join(dir, 'keepalived.json'));
    const p = await writeDump('json', '[]\n', env);
    assert.equal(p, path.join(dir, 'keepalived.json'));
    assert.equal(await readFile(p, 'utf8'), '[]\n');
    assert.equal(await readFile(victim, 'utf8'), 'keep me');
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    await writeDump('json', '[1]\n', env);
    assert.equal(await readFile(p, 'utf8'), '[1]\n');
    assert.deepEqual((await readdir(dir)).sort(), ['keepalived.json', 'victim'], 'no temporary file left behind');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('keepalived_check.data: a symlink planted at its name is replaced, its target untouched', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kts-dump-'));
  try {
    const env = { TMPDIR: dir };
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'keep me');
    await symlink(victim, path.join(dir, 'keepalived_check.data'));
    const p = await writeCheckDump('------< Health checkers >------\n', env);
    assert.equal(p, checkDumpPath(env));
    assert.equal(p, path.join(dir, 'keepalived_check.data'));
    assert.ok(!(await lstat(p)).isSymbolicLink(), 'the link is replaced');
    assert.equal(await readFile(p, 'utf8'), '------< Health checkers >------\n');
    assert.equal(await readFile(victim, 'utf8'), 'keep me');
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dir)).sort(), ['keepalived_check.data', 'victim']);
  } finally {
    await rm(dir, { recursive: true });
  }
});
