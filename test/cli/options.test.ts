/**
 * Keepalived 2.2.7's whole command line, held to a golden copy of its `keepalived --help`
 * (test/fixtures/keepalived-help.txt; regenerate with scripts/keepalived-help.sh where Keepalived
 * 2.2.7 is installed), so these tests need no Keepalived: every option it lists is accepted in
 * both forms, with Keepalived's value syntax, and ours means it or says once why it cannot.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { defaultOptions, noEffectWarnings } from '../../src/base/options.js';
import { LOG_DAEMON, LOG_LOCAL0, LOG_USER, OPTION_NAMES, parseCommandLine, parseUmask } from '../../src/cli/args.js';
import { ENVIRONMENT, packageVersion, usageText, versionText } from '../../src/cli/help.js';
import { logSinks } from '../../src/daemon/logger.js';
import { repo } from '../paths.js';

const HELP = fs.readFileSync(path.join(repo, 'test/fixtures/keepalived-help.txt'), 'utf8');

/** `  -f, --use-file=FILE ...` → short, long and how the value is written. */
function fixtureOptions(): { short?: string; long: string; arg: 'none' | 'required' | 'optional' }[] {
  const found = [];
  for (const line of HELP.split('\n')) {
    const m = /^ {2}(?:-(\w), | {4})--([\w-]+)(\[=|=| \w)?/.exec(line);
    if (!m) continue;
    // The help writes `--core-dump-pattern=PATN`, but getopt has it as M:: (optional, attached only).
    const arg = m[3] === undefined ? 'none' : m[3] === '[=' || m[2] === 'core-dump-pattern' ? 'optional' : 'required';
    found.push({ ...(m[1] ? { short: m[1] } : {}), long: m[2]!, arg } as const);
  }
  return found;
}

/** A value each option accepts. */
const SAMPLE: Record<string, string> = { 'log-facility': 'local3', umask: '022' };

test('the golden help lists the 33 options of 2.2.7, and we know exactly those', () => {
  const listed = fixtureOptions();
  assert.equal(listed.length, 33);
  assert.deepEqual(
    listed.map((o) => `${o.short ?? ''}/${o.long}`).sort(),
    OPTION_NAMES.map(([s, l]) => `${s ?? ''}/${l}`).sort(),
  );
});

test('every option of 2.2.7 is accepted in its short and long form with its value syntax', () => {
  for (const o of fixtureOptions()) {
    const v = SAMPLE[o.long] ?? '/x';
    const forms: string[][] = [];
    if (o.arg === 'none') forms.push([`--${o.long}`]);
    if (o.arg === 'required') forms.push([`--${o.long}=${v}`], [`--${o.long}`, v]);
    if (o.arg === 'optional') forms.push([`--${o.long}`], [`--${o.long}=${v}`]);
    if (o.short && o.arg === 'none') forms.push([`-${o.short}`]);
    if (o.short && o.arg === 'required') forms.push([`-${o.short}`, v], [`-${o.short}${v}`]);
    if (o.short && o.arg === 'optional') forms.push([`-${o.short}`], [`-${o.short}${v}`]);
    for (const argv of forms) {
      const r = parseCommandLine(argv);
      assert.equal(r.failed, false, argv.join(' '));
      assert.deepEqual([r.messages, r.unexpected], [[], []], argv.join(' '));
    }
  }
});

test('each option lands in its field', () => {
  const o = parseCommandLine(['-B', '--all', '-G', '-u', '0027', '-R', '-e', '-a', '-b', '/b.pid', '-x', '-A', '/agentx', '-s', 'ns1', '-m', '-M/tmp/core', '-d', '-X', '-V', '-I']).options;
  assert.deepEqual(
    [o.noBfd, o.all, o.noSyslog, o.umask, o.dontRespawn, o.allConfig, o.addressMonitoring, o.bfdPidFile, o.snmp, o.snmpAgentSocket, o.namespace, o.coreDump, o.coreDumpPattern, o.dumpConf],
    [true, true, true, 0o27, true, true, true, '/b.pid', true, '/agentx', 'ns1', true, '/tmp/core', true],
  );
  assert.equal(parseCommandLine(['--core-dump-pattern']).options.coreDumpPattern, '');
  // -t implies -R -n -G, as in parse_cmdline().
  const t = parseCommandLine(['-t']).options;
  assert.deepEqual([t.configTest, t.dontRespawn, t.dontFork, t.noSyslog], [true, true, true, true]);
});

test('-S takes 0-7, local0-7, user and daemon as syslog facility codes; default daemon', () => {
  for (let n = 0; n <= 7; n++) {
    assert.equal(parseCommandLine(['-S', String(n)]).options.logFacility, (16 + n) << 3);
    assert.equal(parseCommandLine([`--log-facility=local${n}`]).options.logFacility, LOG_LOCAL0 + (n << 3));
  }
  assert.equal(parseCommandLine(['-S', 'user']).options.logFacility, LOG_USER);
  assert.equal(LOG_USER, 8);
  assert.equal(parseCommandLine(['-Sdaemon']).options.logFacility, LOG_DAEMON);
  assert.equal(LOG_DAEMON, 24);
  assert.equal(parseCommandLine([]).options.logFacility, undefined);
  // Keepalived says so and goes on with the facility it had.
  const bad = parseCommandLine(['-S', 'local3', '-S', 'local8']);
  assert.deepEqual([bad.failed, bad.messages, bad.options.logFacility], [false, ["Invalid log facility 'local8'"], LOG_LOCAL0 + (3 << 3)]);
});

test('-u reads the mask as strtoll(s, NULL, 0): decimal, 0 octal, 0x hex, within 0777', () => {
  assert.equal(parseUmask('022'), 0o22);
  assert.equal(parseUmask('18'), 18);
  assert.equal(parseUmask('0x1ff'), 0o777);
  assert.equal(parseUmask('0'), 0);
  for (const bad of ['999', '08', '-1', '0x', '22a', '01000']) assert.equal(parseUmask(bad), undefined, bad);
  const r = parseCommandLine(['-u', '999']);
  assert.deepEqual([r.failed, r.messages, r.options.umask], [false, ['Invalid --umask option 999'], undefined]);
});

test('-g is refused as this 2.2.7 build refuses it (no --enable-log-file)', () => {
  for (const argv of [['-g'], ['-g/tmp/k.log'], ['--log-file=/tmp/k.log']]) {
    const r = parseCommandLine(argv);
    assert.deepEqual([r.failed, r.messages], [true, ['-g requires configure option --enable-log-file']]);
  }
});

test('-T hands the rest of the line to genhash, warning when it is not first', () => {
  assert.deepEqual(parseCommandLine(['-T', '-s', '10.0.0.1', '-p', '80', '-u', '/']).genhash, ['-s', '10.0.0.1', '-p', '80', '-u', '/']);
  const late = parseCommandLine(['-n', '--genhash', '-h']);
  assert.deepEqual([late.genhash, late.messages], [['-h'], ['Warning -- `genhash` not used as first option, previous options ignored']]);
});

test('-v, -h and --signum act where they stand, as Keepalived exits there', () => {
  const r = parseCommandLine(['-q', '-v', '--bogus']);
  assert.deepEqual([r.options.version, r.messages], [true, ['Unknown option -q']]);
});

test('long options abbreviate to a unique prefix; an ambiguous one is unknown', () => {
  assert.equal(parseCommandLine(['--use=/a.conf']).options.useFile, '/a.conf');
  assert.equal(parseCommandLine(['--dont-f']).options.dontFork, true);
  assert.deepEqual(parseCommandLine(['--vr']).messages, ['Unknown option --vr']);
  assert.deepEqual(parseCommandLine(['--help=x']).messages, ['Unknown option --help=x']);
});

test('options without effect here give one warning line each, naming the option and why', () => {
  assert.deepEqual(noEffectWarnings(defaultOptions('/k.conf')), []);
  const one = (argv: string[]) => noEffectWarnings(parseCommandLine(argv).options);
  for (const [argv, flag] of [[['-x'], '-x'], [['-A', '/s'], '-A'], [['-a'], '-a'], [['-b', '/b'], '-b'], [['-B'], '-B'], [['-m'], '-m'], [['-M'], '-M'], [['--namespace=blue'], '-s']] as const) {
    const lines = one([...argv]);
    assert.equal(lines.length, 1, argv.join(' '));
    assert.match(lines[0]!, new RegExp(`^keepalived-ts: option ${flag} has no effect here: \\S`));
  }
  assert.match(one(['-s', 'blue'])[0]!, /ip netns exec/);
  assert.equal(one(['-xaB', '-m', '-M']).length, 5);
  assert.deepEqual(one(['-P', '-C', '-R', '--all', '-G', '-u', '077', '-e', '-d', '-X', '-V', '-I', '-D', '-l', '-n']), []);
});

test('-l writes the console only when not forking; -G leaves syslog out', () => {
  const sinks = (argv: string[]) => logSinks(parseCommandLine(argv).options);
  assert.deepEqual(sinks([]), { console: false, syslog: true });
  assert.deepEqual(sinks(['-l']), { console: false, syslog: true });
  assert.deepEqual(sinks(['-ln']), { console: true, syslog: true });
  assert.deepEqual(sinks(['-lnG']), { console: true, syslog: false });
  assert.deepEqual(sinks(['-G']), { console: false, syslog: false });
});

test('-v: Keepalived\'s first line as exporters parse it, with our version from package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  assert.equal(packageVersion(), pkg.version);
  const [first, second] = versionText().split('\n');
  assert.match(first!, /^Keepalived v\d+\.\d+\.\d+ /);
  assert.equal(first, `Keepalived v2.2.7 (keepalived-ts ${pkg.version})`);
  assert.match(second!, new RegExp(`^keepalived-ts ${pkg.version.replaceAll('.', '\\.')}: .*Node\\.js v\\d+`));
});

test('--help keeps every line of 2.2.7\'s option list word for word', () => {
  const ours = new Set(usageText().split('\n'));
  for (const line of HELP.trimEnd().split('\n').slice(1)) assert.ok(ours.has(line), `missing: ${line}`);
  assert.match(usageText(), /^Usage: keepalived-ts \[OPTION\.\.\.\]\n/);
  for (const cmd of ['config', 'lvs', 'genhash']) assert.match(usageText(), new RegExp(`^  keepalived-ts ${cmd} `, 'm'));
});

test('--help documents every KEEPALIVED_TS_* setting src/ reads', () => {
  const read = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/process\.env(?:\['|\.)(KEEPALIVED_TS_\w+)/g)) read.add(m[1]!);
    }
  };
  walk(path.join(repo, 'src'));
  assert.ok(read.size >= 7, [...read].join(' '));
  const documented = new Set(ENVIRONMENT.map(([name]) => /^KEEPALIVED_TS_\w+/.exec(name)![0]));
  assert.deepEqual([...read].sort(), [...documented].sort());
  for (const name of read) assert.match(usageText(), new RegExp(`^  ${name}\\b`, 'm'));
});

test('--conntrackd (ours, not in Keepalived\'s list) takes conntrackd\'s configuration file attached, its default without', () => {
  assert.equal(parseCommandLine(['--conntrackd']).options.conntrackd, '/etc/conntrackd/conntrackd.conf');
  assert.equal(parseCommandLine(['--conntrackd=/etc/ct/d1.conf']).options.conntrackd, '/etc/ct/d1.conf');
  // getopt's optional values are attached only: a next word is no value.
  const r = parseCommandLine(['--conntrackd', '/etc/ct/d1.conf']);
  assert.deepEqual([r.options.conntrackd, r.unexpected], ['/etc/conntrackd/conntrackd.conf', ['/etc/ct/d1.conf']]);
  assert.equal(parseCommandLine([]).options.conntrackd, undefined);
  assert.ok(!OPTION_NAMES.some(([, l]) => l === 'conntrackd'));
  assert.match(usageText(), /^ {6}--conntrackd\[=CONF\] /m);
});

test('--bgp-table takes a routing table number 1-252 (ours, not one of Keepalived\'s options)', () => {
  assert.equal(parseCommandLine(['--bgp-table', '100']).options.bgpTable, '100');
  assert.equal(parseCommandLine(['--bgp-table=7']).options.bgpTable, '7');
  for (const bad of ['0', '254', 'main']) {
    const r = parseCommandLine([`--bgp-table=${bad}`]);
    assert.ok(r.failed, bad);
    assert.match(r.messages.join('\n'), /Invalid --bgp-table/);
  }
  assert.ok(!OPTION_NAMES.some(([, l]) => l === 'bgp-table'));
  assert.match(usageText(), /--bgp-table=N/);
});
