/** `keepalived-ts lvs` reads ipvsadm's listing options as ipvsadm does (bundles, long forms, one service). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LvsUsageError, parseLvsArgs, parseServiceAddress } from '../../src/cli/lvs-args.js';

const plain = { layout: 'plain', connections: false, exact: false, json: false };

test('-L, -l, --list, -n and --numeric list the table; none at all does too', () => {
  for (const argv of [[], ['-L'], ['-l'], ['--list'], ['-L', '-n'], ['-Ln'], ['-nL'], ['--list', '--numeric'], ['-ln']]) {
    assert.deepEqual(parseLvsArgs(argv), plain, argv.join(' '));
  }
});

test('-c and --connection ask for the connection entries, bundled or not', () => {
  for (const argv of [['-Lnc'], ['-lnc'], ['-lcn'], ['-L', '-n', '-c'], ['-Ln', '--connection'], ['-c']]) {
    assert.deepEqual(parseLvsArgs(argv), { ...plain, connections: true }, argv.join(' '));
  }
});

test('--stats, --rate, --exact and --json', () => {
  assert.deepEqual(parseLvsArgs(['-Ln', '--stats']), { ...plain, layout: 'stats' });
  assert.deepEqual(parseLvsArgs(['-Ln', '--rate', '--exact']), { ...plain, layout: 'rate', exact: true });
  assert.deepEqual(parseLvsArgs(['--json']), { ...plain, json: true });
  assert.throws(() => parseLvsArgs(['--stats', '--rate']), LvsUsageError);
  assert.throws(() => parseLvsArgs(['-Lnc', '--stats']), LvsUsageError);
});

test('one service: -t, -u, --sctp-service ADDR:PORT and -f MARK, as separate words, bundled or with =', () => {
  const tcp = { ...plain, service: { protocol: 'TCP', address: '10.0.0.100', port: 80 } };
  assert.deepEqual(parseLvsArgs(['-Ln', '-t', '10.0.0.100:80']), tcp);
  assert.deepEqual(parseLvsArgs(['-Lnt', '10.0.0.100:80']), tcp);
  assert.deepEqual(parseLvsArgs(['-Lnt10.0.0.100:80']), tcp);
  assert.deepEqual(parseLvsArgs(['--tcp-service=10.0.0.100:80', '-n']), tcp);
  assert.deepEqual(parseLvsArgs(['--tcp-service', '10.0.0.100:80']), tcp);
  assert.deepEqual(parseLvsArgs(['-L', '-u', '[fd00::1]:53']).service, { protocol: 'UDP', address: 'fd00::1', port: 53 });
  assert.deepEqual(parseLvsArgs(['--sctp-service', '10.0.0.1:9']).service, { protocol: 'SCTP', address: '10.0.0.1', port: 9 });
  assert.deepEqual(parseLvsArgs(['-Ln', '-f', '5']).service, { fwmark: 5 });
  assert.deepEqual(parseLvsArgs(['--fwmark-service=7']).service, { fwmark: 7 });
  assert.throws(() => parseLvsArgs(['-f', '0']), LvsUsageError);
  assert.throws(() => parseLvsArgs(['-f', 'x']), LvsUsageError);
  assert.throws(() => parseLvsArgs(['-t', '10.0.0.1:80', '-u', '10.0.0.1:53']), LvsUsageError);
  assert.throws(() => parseLvsArgs(['-Lnt']), /needs a value/);
});

test('service addresses: host, host:port, [v6]:port, bare v6', () => {
  assert.deepEqual(parseServiceAddress('10.0.0.1'), { address: '10.0.0.1', port: 0 });
  assert.deepEqual(parseServiceAddress('10.0.0.1:443'), { address: '10.0.0.1', port: 443 });
  assert.deepEqual(parseServiceAddress('[fd00::1]:80'), { address: 'fd00::1', port: 80 });
  assert.deepEqual(parseServiceAddress('fd00::1'), { address: 'fd00::1', port: 0 });
  assert.throws(() => parseServiceAddress('10.0.0.1:http'), LvsUsageError);
  assert.throws(() => parseServiceAddress('10.0.0.1:70000'), LvsUsageError);
});

test('the checkers pid file is --checkers-pid FILE; -c FILE no longer means it', () => {
  assert.deepEqual(parseLvsArgs(['--checkers-pid', '/run/x.pid']), { ...plain, checkersPid: '/run/x.pid' });
  assert.deepEqual(parseLvsArgs(['--checkers-pid=/run/x.pid', '-Ln']), { ...plain, checkersPid: '/run/x.pid' });
  assert.deepEqual(parseLvsArgs(['--state', '/tmp/s.json']), { ...plain, state: '/tmp/s.json' });
  assert.throws(() => parseLvsArgs(['-c', '/run/keepalived_checkers.pid']), /--checkers-pid FILE/);
  assert.throws(() => parseLvsArgs(['--checkers_pid', '/run/x.pid']), /--checkers-pid FILE/);
  assert.throws(() => parseLvsArgs(['-x']), /unknown option -x/);
  assert.throws(() => parseLvsArgs(['--bogus']), /unknown option --bogus/);
});
