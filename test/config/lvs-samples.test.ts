/**
 * Keepalived's LVS sample configurations and the seed configs: the fields they set, and what
 * Keepalived 2.2.7 (`keepalived -t`) reports for them (for the LVS part: nothing, except where noted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLES } from '../paths.js';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import type { HttpCheck } from '../../src/config/sections/checkers/http.js';
import { diags, timed } from './lvs-helpers.js';


function sample(name: string): LoadResult {
  return loadConfig(`${SAMPLES}/keepalived.conf.${name}`, { configId: 'x' });
}

/** LVS diagnostics only (the samples' VRRP parts are other tests' business). */
function lvsDiags(r: LoadResult): string[] {
  const first = Math.min(...r.config.virtual_server.map((v) => v.pos.line), ...r.config.virtual_server_group.map((g) => g.pos.line), Infinity);
  return diags(r).filter((d) => Number(d.split(' ')[0]) >= first);
}

function http(r: LoadResult, vs = 0, rs = 0, c = 0): HttpCheck {
  const chk = r.config.virtual_server[vs]!.real_server[rs]!.checkers[c]!;
  assert.ok(chk.checker === 'HTTP_GET' || chk.checker === 'SSL_GET');
  return chk as unknown as HttpCheck;
}

test('sample HTTP_GET.port: SSL_GET on another port', () => {
  const r = sample('HTTP_GET.port');
  assert.deepEqual(lvsDiags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.ip, vs.port, vs.delay_loop, vs.lvs_sched, vs.lvs_method, vs.persistence_timeout, vs.protocol], ['192.168.200.100', 443, 6, 'rr', 'NAT', 50, 'TCP']);
  const c = http(r);
  assert.deepEqual([c.checker, c.connect_ip, c.connect_port, c.connect_timeout, c.retry, c.delay_before_retry, c.delay_loop], ['SSL_GET', '192.168.201.100', 444, 3, 3, 3, 6]);
  assert.equal(c.url[0]!.digest, 'ff20ad2481f97b1754ef3e12ecd3a9cc');
  assert.deepEqual(c.url[0]!.status_code, [[200, 299]]);
});

test('sample SSL_GET: SSL_GET and HTTP_GET services', () => {
  const r = sample('SSL_GET');
  assert.deepEqual(lvsDiags(r), []);
  assert.deepEqual(r.config.virtual_server.map((v) => [v.port, http(r, r.config.virtual_server.indexOf(v)).checker]), [[443, 'SSL_GET'], [80, 'HTTP_GET']]);
  assert.deepEqual(http(r).url.map((u) => u.path), ['/', '/mrtg/']);
});

test('sample status_code: ranges and lists', () => {
  const r = sample('status_code');
  assert.deepEqual(lvsDiags(r), []);
  const c = http(r);
  assert.deepEqual(c.url[0]!.status_code, [[200, 299], [400, 499], [503, 503], [505, 505]]);
  assert.deepEqual(c.url[1]!.status_code, [[200, 200]]);
  assert.equal(c.url[1]!.digest, '9b3a0c85a887a256d6939da88aabd8cd');
});

test('sample virtualhost: the virtual server virtualhost reaches every url', () => {
  const r = sample('virtualhost');
  assert.deepEqual(lvsDiags(r), []);
  assert.equal(r.config.virtual_server[0]!.virtualhost, 'www.firewall.loc');
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.virtualhost, 'www.firewall.loc');
  assert.deepEqual(http(r).url.map((u) => u.virtualhost), ['www.firewall.loc', 'www.firewall.loc']);
});

test('sample SMTP_CHECK: helo names, host blocks expanded into checkers', () => {
  const r = sample('SMTP_CHECK');
  assert.deepEqual(lvsDiags(r).map((d) => d.replace(/^\d+ /, '')), [
    'note The SMTP_CHECK host block is deprecated. Please define additional checkers.',
    'note The SMTP_CHECK host block is deprecated. Please define additional checkers.',
  ]);
  const rss = r.config.virtual_server[0]!.real_server;
  const smtp = rss.map((rs) => rs.checkers.map((c) => (c.checker === 'SMTP_CHECK' ? `${c.connect_ip}:${c.connect_port}/${c.helo_name}/${c.connect_timeout}/${c.retry}` : c.checker)));
  assert.deepEqual(smtp, [
    ['172.16.1.10:25/foo.bar.com/30/2'],
    // connect_timeout counts as a connection option: the checker stays and each host is added.
    ['172.16.1.11:25/foo.bar.com/10/2', '172.16.1.11:25/foo.bar.com/5/2', '192.168.155.10:25/foo.bar.com/5/2', '64.233.167.99:25/foo.bar.com/5/2'],
    ['172.16.1.12:25/foo.bar.com/10/2', '172.16.1.12:25/foo.bar.com/5/2', '192.168.155.11:25/foo.bar.com/5/2', '64.233.167.100:587/foo.bar.com/5/2'],
  ]);
  const bound = rss[2]!.checkers[1]!;
  assert.equal(bound.checker === 'SMTP_CHECK' ? bound.bindto : undefined, '172.16.1.2');
});

test('sample UDP_CHECK and PING_CHECK', () => {
  let r = sample('UDP_CHECK');
  assert.deepEqual(lvsDiags(r), []);
  let c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(r.config.virtual_server[0]!.protocol, 'UDP');
  assert.equal(c.checker, 'UDP_CHECK');
  if (c.checker === 'UDP_CHECK') assert.deepEqual([c.connect_timeout, c.retry, c.delay_before_retry, c.require_reply, c.connect_port], [3, 3, 3, false, 1358]);
  r = sample('PING_CHECK');
  assert.deepEqual(lvsDiags(r), []);
  c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.deepEqual([c.checker, timed(c).retry, timed(c).delay_before_retry], ['PING_CHECK', 4, 1]);
});

test('samples misc_check and misc_check_arg: the script line', () => {
  let c = sample('misc_check').config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  assert.equal(c.checker === 'MISC_CHECK' && c.misc_path.args.join(' '), '/usr/local/bin/script.sh');
  const r = sample('misc_check_arg');
  assert.deepEqual(lvsDiags(r), []);
  c = r.config.virtual_server[0]!.real_server[0]!.checkers[0]!;
  if (c.checker !== 'MISC_CHECK') return assert.fail();
  assert.deepEqual(c.misc_path.args, ['/usr/local/bin/script.sh', 'arg1', 'arg2']);
  assert.deepEqual([c.retry, c.misc_timeout, c.delay_loop], [0, 6, 6]);
});

test('sample fwmark: Keepalived\'s warning, no ports on real servers', () => {
  const r = sample('fwmark');
  assert.deepEqual(lvsDiags(r), ['12 warning Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored']);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.fwmark, vs.protocol, vs.persistence_timeout, vs.family], [1, undefined, 900, 'inet']);
  assert.deepEqual(vs.real_server.map((rs) => [rs.port, (rs.checkers[0] as { connect_port: number }).connect_port]), [[0, 80], [0, 80]]);
});

test('sample inhibit: inhibit_on_failure on the real server', () => {
  const r = sample('inhibit');
  assert.deepEqual(lvsDiags(r), []);
  const rs = r.config.virtual_server[0]!.real_server[0]!;
  assert.equal(rs.inhibit_on_failure, true);
  assert.equal(r.config.virtual_server[0]!.inhibit_on_failure, false);
});

test('sample quorum: alpha, omega, quorum, hysteresis and scripts', () => {
  const r = sample('quorum');
  assert.deepEqual(lvsDiags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.alpha, vs.omega, vs.quorum, vs.hysteresis, vs.lvs_sched], [true, true, 7, 2, 'wrr']);
  assert.deepEqual(vs.quorum_up?.args, ['/usr/local/sbin/quorum-up.sh']);
  assert.deepEqual(vs.quorum_down?.args, ['/usr/local/sbin/quorum-down.sh']);
  assert.equal(vs.real_server.length, 10);
  // alpha reaches every real server and checker.
  assert.ok(vs.real_server.every((rs) => rs.alpha && rs.checkers.every((c) => timed(c).alpha)));
});

test('sample virtual_server_group', () => {
  const r = sample('virtual_server_group');
  assert.deepEqual(lvsDiags(r), []);
  const g = r.config.virtual_server_group[0]!;
  assert.equal(g.name, 'VSG_1');
  assert.deepEqual(g.address_range.map((e) => `${e.ip}-${e.ip_end}:${e.port}`), ['10.0.0.1-10.0.0.1:8080', '10.0.0.2-10.0.0.2:80', '192.168.200.1-192.168.200.1:1358', '192.168.200.3-192.168.200.10:80']);
  assert.deepEqual(g.fwmark.map((e) => e.fwmark), [1, 2]);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.group, vs.protocol, vs.persistence_timeout, vs.real_server.length], ['VSG_1', 'TCP', 50, 2]);
});

test('sample: the full keepalived.conf.sample loads without LVS diagnostics', () => {
  const r = sample('sample');
  assert.deepEqual(lvsDiags(r), []);
  assert.ok(r.config.virtual_server.length >= 1);
  for (const vs of r.config.virtual_server) {
    assert.ok(vs.lvs_sched && vs.lvs_method);
    for (const rs of vs.real_server) for (const c of rs.checkers) assert.ok(c.pos.line > vs.pos.line);
  }
});

test('seeds 000: the LVS sections load cleanly', () => {
  for (const f of ['000-lvs-server1.conf', '000-lvs-server2.conf']) {
    const r = loadConfig(`test/fixtures/seeds/${f}`, { configId: 'x' });
    assert.deepEqual(lvsDiags(r), [], f);
    for (const vs of r.config.virtual_server) {
      assert.ok(vs.real_server.length > 0);
      assert.equal(vs.family, 'inet');
    }
  }
});

test('seed 004-keepalived: nat_mask unknown at line 38; HTTP_GET checkers', () => {
  const r = loadConfig('test/fixtures/seeds/004-keepalived.conf', { configId: 'x' });
  assert.deepEqual(lvsDiags(r), ["38 error Unknown keyword 'nat_mask'"]);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.ip, vs.port, vs.delay_loop, vs.lvs_sched, vs.lvs_method, vs.protocol], ['192.168.88.100', 80, 6, 'wlc', 'DR', 'TCP']);
  assert.deepEqual(vs.real_server.map((rs) => [rs.ip, rs.weight]), [['192.168.88.10', 3], ['192.168.88.11', 3]]);
  for (const [i] of vs.real_server.entries()) {
    const c = http(r, 0, i);
    assert.deepEqual([c.connect_timeout, c.url[0]!.path, c.url[0]!.status_code, c.delay_before_retry, c.retry], [1, '/', [[200, 200]], 3, 1]);
  }
});
