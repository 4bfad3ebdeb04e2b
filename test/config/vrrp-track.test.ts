/**
 * vrrp_script, track_file / vrrp_track_file, vrrp_track_process (keepalived.conf(5)). Messages
 * and lines as `keepalived -t` (2.2.7), which reports end-of-block problems at the closing brace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { SAMPLES } from '../paths.js';

function load(text: string) {
  const { config, diagnostics } = loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
  return { config, diags: diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.severity}: ${d.message}`) };
}

test('vrrp_script: values and defaults', () => {
  const { config, diags } = load(`vrrp_script chk {
  script "/bin/check 'a b' c"
  interval 2
  weight -20 reverse
  rise 3
  fall 4
  user nobody :nogroup
  init_fail
}
vrrp_script dflt {
  script /bin/true
}
`);
  assert.deepEqual(diags, []);
  const [s, d] = config.vrrp_script;
  assert.deepEqual(s, {
    name: 'chk', pos: { file: '/etc/k.conf', line: 1 },
    script: { args: ['/bin/check', 'a b', 'c'], pos: { file: '/etc/k.conf', line: 2 }, user: 'nobody', group: 'nogroup' },
    interval: 2, timeout: 2, weight: -20, reverse: true, rise: 3, fall: 4, init_fail: true,
  });
  assert.deepEqual([d!.interval, d!.timeout, d!.weight, d!.reverse, d!.rise, d!.fall, d!.init_fail], [1, 1, 0, false, 1, 1, false]);
});

test('vrrp_script: bad values, and no script removes it at the closing brace', () => {
  const { config, diags } = load(`vrrp_script a {
  script /bin/true
  interval 2.5
  timeout 0
  weight 300
  rise 0
  fall x
  bogus
}
vrrp_script b {
  interval 0
  weight 10 foo
}
`);
  assert.deepEqual(diags, [
    "3 warning: (a): vrrp script interval '2.5' must be between 1 and 4294 - ignoring",
    '4 warning: (a): vrrp script timeout must be greater than 0, setting to 1',
    '5 error: vrrp_script a weight 300 must be in [-253, 253]',
    "6 warning: (a): vrrp script rise value '0' invalid, defaulting to 1",
    "7 warning: (a): vrrp script fall value 'x' invalid, defaulting to 1",
    "8 error: Unknown keyword 'bogus'",
    '11 warning: (b): vrrp script interval must be greater than 0, setting to 1',
    '12 warning: vrrp_script b unknown weight option foo',
    '13 error: No script set for vrrp_script b - removing',
  ]);
  assert.deepEqual(config.vrrp_script.map((s) => [s.name, s.interval, s.timeout, s.weight]), [['a', 1, 1, 0]]);
});

test('sample conditional_conf: the script-less vrrp_script is removed at line 13', () => {
  const { config, diagnostics } = loadConfig(`${SAMPLES}/keepalived.conf.conditional_conf`, { configId: 'x' });
  const mine = diagnostics.filter((d) => /vrrp_script/.test(d.message)).map((d) => `${d.pos?.line} ${d.message}`);
  assert.deepEqual(mine, ['13 No script set for vrrp_script check_VI_0 - removing']);
  assert.equal(config.vrrp_script.length, 0);
  const high = loadConfig(`${SAMPLES}/keepalived.conf.conditional_conf`, { configId: 'high' });
  assert.deepEqual(high.config.vrrp_script.map((s) => [s.script.args[0], s.interval, s.timeout, s.rise, s.fall]), [
    ['/etc/keepalived/scripts/check_high_VI_0.sh', 1, 10, 3, 3],
  ]);
});

test('track_file and vrrp_track_file', () => {
  const { config, diags } = load(`track_file f1 {
  file /var/run/f1
  weight -5 reverse
  init_file 5 overwrite
}
track_file f2 {
  weight 3 reverse
  weight 4
}
vrrp_track_file f3 {
  file /var/run/f3
  file /var/run/f4
  init_file 500 bogus
  weight 300
}
track_file f4 {
  file /var/run/f5
}
`);
  assert.deepEqual(diags, [
    '8 warning: Weight already set for track file f2 - ignoring 4',
    '9 error: No file set for track_file f2 - ignoring',
    '10 note: "vrrp_track_file" is deprecated, please use "track_file"',
    '12 warning: File already set for track file f3 - ignoring /var/run/f4',
    '13 warning: Track file f3 init value 500 is outside sensible range [-254, 254]',
    '13 warning: Unknown track file init option bogus',
    '14 error: Weight (300) for track_file f3 must be between [-254..254] inclusive. Ignoring...',
  ]);
  const [f1, f3, f4] = config.track_file;
  assert.deepEqual(f1, { name: 'f1', pos: { file: '/etc/k.conf', line: 1 }, file: '/var/run/f1', weight: -5, reverse: true, init_file: { value: 5, overwrite: true } });
  assert.deepEqual([f3!.file, f3!.weight, f3!.init_file], ['/var/run/f3', 1, { value: 500, overwrite: false }]);
  assert.deepEqual([f4!.weight, f4!.reverse, f4!.init_file], [1, false, undefined]);
});

test('vrrp_track_process', () => {
  const { config, diags } = load(`vrrp_track_process p1 {
  process "/usr/bin/a b" c "d e"
  param_match initial
  weight 10 reverse
  quorum 2
  quorum_max 3
  delay 1.5
  fork_delay 0.25
}
vrrp_track_process p2 {
  quorum 4
  quorum_max 2
  weight 300
  param_match foo
  terminate_delay 3601
}
vrrp_track_process p3 {
  process haproxy
  quorum_max 0
  quorum 2
}
`);
  assert.deepEqual(diags, [
    '12 warning: quorum_max is less than quorum - ignoring',
    '13 error: Weight (300) for vrrp_track_process p2 must be between [-254..254] inclusive. Ignoring...',
    '14 warning: Invalid param_match type foo - ignoring',
    '15 error: terminate_delay (3601) for vrrp_track_process p2 must be between [0.000001..3600] inclusive. Ignoring...',
    "16 error: track process 'p2' process name not specified",
    '20 warning: Quorum is greater than quorum_max - ignoring',
  ]);
  const [p1, p3] = config.vrrp_track_process;
  assert.deepEqual(p1, {
    name: 'p1', pos: { file: '/etc/k.conf', line: 1 }, process: '/usr/bin/a b', param: ['c', 'd e'], param_match: 'initial',
    weight: 10, reverse: true, quorum: 2, quorum_max: 3, fork_delay: 0.25, terminate_delay: 1.5, full_command: true,
  });
  assert.deepEqual([p3!.quorum, p3!.quorum_max, p3!.param_match, p3!.full_command, p3!.weight], [0, 0, 'none', false, 0]);
});
