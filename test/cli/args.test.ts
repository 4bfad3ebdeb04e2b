import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG_FILE, LOG_LOCAL0, parseArgs, parseCommandLine, UsageError } from '../../src/cli/args.js';

test('defaults to /etc/keepalived/keepalived.conf like Keepalived', () => {
  const o = parseArgs([]);
  assert.equal(o.useFile, DEFAULT_CONFIG_FILE);
  assert.equal(o.configTest, false);
});

test('long options with = and with a separate value', () => {
  const o = parseArgs(['--use-file=/a.conf', '--config-id', 'high', '--vrrp_pid', '/run/v.pid']);
  assert.equal(o.useFile, '/a.conf');
  assert.equal(o.configId, 'high');
  assert.equal(o.vrrpPidFile, '/run/v.pid');
});

test('a systemd-style bundle of short flags: -nlD then -f FILE', () => {
  const o = parseArgs(['-nlD', '-f', '/b.conf', '-S', '3']);
  assert.equal(o.dontFork, true);
  assert.equal(o.logConsole, true);
  assert.equal(o.logDetail, true);
  assert.equal(o.useFile, '/b.conf');
  assert.equal(o.logFacility, LOG_LOCAL0 + (3 << 3));
});

test('short option with an attached value, and -t with an optional log file', () => {
  const o = parseArgs(['-f/c.conf', '-t']);
  assert.equal(o.useFile, '/c.conf');
  assert.equal(o.configTest, true);
  assert.equal(o.configTestLog, undefined);
  assert.equal(parseArgs(['--config-test=/tmp/t.log']).configTestLog, '/tmp/t.log');
});

test('pid files, subsystem selection and release flags', () => {
  const o = parseArgs(['-p', '/p', '-r', '/r', '-c', '/c', '-P', '-X', '-V', '-I']);
  assert.deepEqual([o.pidFile, o.vrrpPidFile, o.checkersPidFile], ['/p', '/r', '/c']);
  assert.equal(o.vrrpOnly, true);
  assert.equal(o.checkOnly, false);
  assert.deepEqual([o.releaseVips, o.dontReleaseVrrp, o.dontReleaseIpvs], [true, true, true]);
});

test('bad usage is a UsageError with Keepalived\'s words', () => {
  assert.throws(() => parseArgs(['--no-such']), (e: unknown) => e instanceof UsageError && e.message === 'Unknown option --no-such');
  assert.throws(() => parseArgs(['-q']), (e: unknown) => e instanceof UsageError && e.message === 'Unknown option -q');
  assert.throws(() => parseArgs(['-f']), (e: unknown) => e instanceof UsageError && e.message === 'Missing parameter for option -f');
  assert.throws(() => parseArgs(['--use-file=']), (e: unknown) => e instanceof UsageError && e.message === 'Missing parameter for option --use-file');
});

test('a stray word is reported and ignored, as getopt_long permutes it past the options', () => {
  const r = parseCommandLine(['stray', '-n', '--', '-l']);
  assert.equal(r.failed, false);
  assert.deepEqual(r.unexpected, ['stray', '-l']);
  assert.equal(r.options.dontFork, true);
  assert.equal(r.options.logConsole, false);
});
