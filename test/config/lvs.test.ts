/**
 * virtual_server, real_server and sorry_server: keywords, Keepalived's defaults, inheritance and
 * validate_check_config()'s cross-checks. Expected messages were taken from Keepalived 2.2.7
 * (`keepalived -t -l -D -f`) on the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diags, lineOf, load, rsText, timed, vsText } from './lvs-helpers.js';

test('a minimal virtual server gets Keepalived defaults', () => {
  const r = load(rsText('    TCP_CHECK {\n    }'));
  assert.deepEqual(diags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.equal(vs.ip, '10.0.0.1');
  assert.equal(vs.port, 80);
  assert.equal(vs.family, 'inet');
  assert.equal(vs.protocol, 'TCP');
  assert.equal(vs.lvs_sched, 'rr');
  assert.equal(vs.lvs_method, 'NAT');
  assert.equal(vs.delay_loop, 60);
  assert.equal(vs.connect_timeout, 5);
  assert.equal(vs.quorum, 1);
  assert.equal(vs.hysteresis, 0);
  assert.equal(vs.weight, 1);
  assert.equal(vs.alpha, false);
  assert.equal(vs.omega, false);
  assert.equal(vs.ops, false);
  assert.equal(vs.smtp_alert, false);
  assert.equal(vs.persistence_timeout, undefined);
  assert.equal(vs.pos.line, 1);
  const rs = vs.real_server[0]!;
  assert.deepEqual(
    { ip: rs.ip, port: rs.port, weight: rs.weight, lvs_method: rs.lvs_method, inhibit: rs.inhibit_on_failure, alpha: rs.alpha, smtp_alert: rs.smtp_alert },
    { ip: '10.0.0.2', port: 80, weight: 1, lvs_method: 'NAT', inhibit: false, alpha: false, smtp_alert: true },
  );
  assert.equal(rs.pos.line, 5);
  assert.ok(Object.isFrozen(rs));
});

test('no scheduler, forwarding method or protocol: Keepalived defaults with its messages', () => {
  const r = load(vsText('  real_server 10.0.0.2 80 {\n  }'));
  assert.deepEqual(diags(r), [
    "1 error Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP",
    "1 error Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
    '1 error Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
  ]);
  const vs = r.config.virtual_server[0]!;
  assert.equal(vs.protocol, 'UDP');
  assert.equal(vs.lvs_sched, 'wlc');
  assert.equal(vs.lvs_method, 'NAT');
  assert.equal(vs.real_server[0]!.lvs_method, 'NAT');
});

test('lb_algo / lvs_sched accept every Keepalived scheduler and reject others', () => {
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']) {
    const r = load(rsText('', `  lvs_sched ${s}`));
    assert.deepEqual(diags(r), [], s);
    assert.equal(r.config.virtual_server[0]!.lvs_sched, s);
  }
  const text = rsText('', '  lb_algo foo');
  const r = load(text);
  assert.deepEqual(diags(r), [`${lineOf(text, 'foo')} error Invalid lvs_scheduler 'foo' - ignoring`]);
  assert.equal(r.config.virtual_server[0]!.lvs_sched, 'rr');
});

test('scheduler flags: ops, flag-N, sh-*/mh-* only after their scheduler', () => {
  let r = load(vsText('  protocol UDP\n  lb_algo sh\n  lb_kind DR\n  ops\n  flag-1\n  sh-port\n  sh-fallback\n  mh-port\n  real_server 10.0.0.2 80 {\n  }'));
  assert.deepEqual(diags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.ops, vs['flag-1'], vs['flag-2'], vs['sh-port'], vs['sh-fallback'], vs['mh-port']], [true, true, false, true, true, false]);
  r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  sh-port\n  hashed\n  real_server 10.0.0.2 80 {\n  }'));
  assert.deepEqual(diags(r), ['5 error sh-port only applies to sh scheduler - ignoring', '6 error hashed only applies to sh scheduler - ignoring']);
  assert.equal(r.config.virtual_server[0]!['sh-port'], false);
  r = load(vsText('  protocol TCP\n  lb_algo mh\n  lb_kind NAT\n  mh-port\n  ops\n  real_server 10.0.0.2 80 {\n  }'));
  assert.deepEqual(diags(r), ['6 error Virtual server [10.0.0.1]:tcp:80: one packet scheduling requires UDP - resetting']);
  assert.equal(r.config.virtual_server[0]!['mh-port'], true);
  assert.equal(r.config.virtual_server[0]!.ops, false);
});

test('lb_kind / lvs_method with tunnel options', () => {
  let r = load(rsText('', '  lvs_method TUN type gue port 6080 csum'));
  assert.deepEqual(diags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.equal(vs.lvs_method, 'TUN');
  assert.deepEqual(vs.tunnel, { type: 'gue', port: 6080, checksum: 'csum' });
  // The real server was read after lvs_method: it starts with the virtual server's method.
  assert.equal(vs.real_server[0]!.lvs_method, 'TUN');
  assert.deepEqual(vs.real_server[0]!.tunnel, { type: 'gue', port: 6080, checksum: 'csum' });
  const bad = [
    ['lb_kind XYZ', 'PARSER : unknown [XYZ] routing method for virtual server.'],
    ['lb_kind TUN type gue', 'gue tunnels require port, otherwise cannot have port.'],
    ['lb_kind TUN type ipip csum', 'ipip tunnels do not support checksum option.'],
    ['lb_kind TUN type gre remcsum', 'gre tunnels do not support remote checksum option.'],
    ['lb_kind TUN type vxlan', 'Unknown tunnel type vxlan for virtual server.'],
    ['lb_kind TUN type', 'Missing tunnel type for virtual server.'],
    ['lb_kind TUN type gue port 0', 'Invalid gue tunnel port 0 for virtual server.'],
    ['lb_kind NAT foo', 'Invalid tunnel option foo for virtual server.'],
  ];
  for (const [line, msg] of bad) {
    const text = vsText(`  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  ${line}\n  real_server 10.0.0.2 80 {\n  }`);
    r = load(text);
    assert.equal(diags(r)[0], `5 error ${msg}`, line);
  }
  // A real server may use its own method; DR servers take the virtual server's port.
  r = load(rsText('    lvs_method DR', ''));
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.lvs_method, 'DR');
  r = load(vsText('  protocol TCP\n  lb_algo rr\n  real_server 10.0.0.2 80 {\n    lvs_method TUN type ipip nocsum\n  }'));
  assert.deepEqual(diags(r), []);
  assert.deepEqual(r.config.virtual_server[0]!.real_server[0]!.tunnel, { type: 'ipip', checksum: 'nocsum' });
});

test('persistence: timeout range and default, granularity per family, engine', () => {
  let r = load(rsText('', '  persistence_timeout\n  persistence_granularity 255.255.255.0\n  persistence_engine sip'));
  assert.deepEqual(diags(r), []);
  let vs = r.config.virtual_server[0]!;
  assert.equal(vs.persistence_timeout, 360);
  assert.equal(vs.persistence_granularity, '255.255.255.0');
  assert.equal(vs.persistence_engine, 'sip');
  r = load(rsText('', '  persistence_timeout 2678401'));
  assert.deepEqual(diags(r), ['5 error persistence_timeout: number \'2678401\' outside range [1, 2678400]']);
  r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  persistence_granularity 64\n  real_server 2001:db8::2 80 {\n  }', '2001:db8::1 80'));
  assert.deepEqual(diags(r), []);
  vs = r.config.virtual_server[0]!;
  assert.equal(vs.family, 'inet6');
  assert.equal(vs.persistence_granularity, 64);
  // Keepalived sets persistence when granularity is given.
  assert.equal(vs.persistence_timeout, 360);
  r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  persistence_granularity 200\n  real_server 2001:db8::2 80 {\n  }', '2001:db8::1 80'));
  assert.deepEqual(diags(r), ['5 error Invalid IPv6 persistence_granularity specified - 200']);
  r = load(rsText('', '  persistence_granularity 255.255.300.0'));
  assert.deepEqual(diags(r), ['5 error Invalid IPv4 persistence_granularity specified - 255.255.300.0']);
});

test('seed 003-director: nat_mask unknown, persistence_timeout 0 out of range, nb_get_retry deprecated', async () => {
  const { loadConfig } = await import('../../src/config/load.js');
  const r = loadConfig('test/fixtures/seeds/003-director.conf', { configId: 'x' });
  const lvs = diags(r).filter((d) => Number(d.split(' ')[0]) >= 25);
  assert.deepEqual(lvs, [
    "29 error Unknown keyword 'nat_mask'",
    "30 error persistence_timeout: number '0' outside range [1, 2678400]",
    "36 warning nb_get_retry is deprecated - please use 'retry'",
    "45 warning nb_get_retry is deprecated - please use 'retry'",
  ]);
  const vs = r.config.virtual_server[0]!;
  assert.equal(vs.persistence_timeout, undefined);
  assert.equal(vs.delay_loop, 6);
  assert.equal(vs.lvs_sched, 'wrr');
  assert.equal(vs.lvs_method, 'DR');
  for (const rs of vs.real_server) {
    assert.equal(rs.weight, 3);
    const c = rs.checkers[0]!;
    assert.equal(c.checker, 'TCP_CHECK');
    if (c.checker !== 'TCP_CHECK') return;
    assert.deepEqual([c.connect_timeout, c.retry, c.delay_before_retry, c.connect_port, c.delay_loop, c.warmup], [10, 3, 3, 80, 6, 6]);
    assert.equal(c.connect_ip, rs.ip);
  }
});

test('protocol is case-insensitive; unknown protocols are reported', () => {
  let r = load(vsText('  protocol sctp\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n  }'));
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.protocol, 'SCTP');
  r = load(vsText('  protocol ICMP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n  }'));
  assert.equal(diags(r)[0], '2 error Unknown protocol ICMP - ignoring');
});

test('virtual server heads: IPv6, no port, fwmark, bad address and fwmark', () => {
  let r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 2001:db8::2 443 {\n  }', '2001:db8::1 443'));
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.family, 'inet6');
  // No port: only valid for persistent services, so Keepalived makes it persistent.
  r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n  }', '10.0.0.1'));
  assert.deepEqual(diags(r), ['1 error Virtual server [10.0.0.1]:tcp:0: zero port only valid for persistent services - setting']);
  assert.equal(r.config.virtual_server[0]!.persistence_timeout, 360);
  assert.equal(r.config.virtual_server[0]!.port, 0);
  r = load(vsText('  real_server 10.0.0.2 80 {\n  }', '10.0.0.300 80'));
  assert.deepEqual(diags(r), ['1 error Invalid virtual server IP address/port 10.0.0.300/80 - skipping']);
  assert.equal(r.config.virtual_server.length, 0);
  r = load(vsText('  real_server 10.0.0.2 80 {\n  }', '10.0.0.1 99999'));
  assert.deepEqual(diags(r), ['1 error Invalid virtual server IP address/port 10.0.0.1/99999 - skipping']);
  r = load(vsText('  real_server 10.0.0.2 80 {\n  }', 'fwmark abc'));
  assert.deepEqual(diags(r), ["1 error virtual server fwmark 'abc' must be in [0, 4294967295] - ignoring"]);
  r = load(vsText('  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 {\n  }', 'fwmark 7'));
  assert.deepEqual(diags(r), []);
  const vs = r.config.virtual_server[0]!;
  assert.equal(vs.fwmark, 7);
  assert.equal(vs.protocol, undefined);
  assert.equal(vs.family, 'inet');
});

test('fwmark with protocol: Keepalived warns and drops the protocol (sample keepalived.conf.fwmark)', () => {
  const r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 80 {\n  }', 'fwmark 1'));
  assert.deepEqual(diags(r), [
    '2 warning Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored',
    '5 warning fwmark virtual server FWM 1, real server [10.0.0.2]:none:80 has port specified - clearing',
  ]);
  assert.equal(r.config.virtual_server[0]!.protocol, undefined);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.port, 0);
});

test('a virtual server without real servers is dropped', () => {
  const r = load(vsText('  protocol TCP', '10.0.0.9 80'));
  assert.deepEqual(diags(r), ['1 error Virtual server [10.0.0.9]:tcp:80 has no real servers - ignoring']);
  assert.equal(r.config.virtual_server.length, 0);
});

test('inheritance virtual_server -> real_server -> checker, and checker type defaults', () => {
  const text = rsText(
    '    TCP_CHECK {\n    }\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n    DNS_CHECK {\n    }\n    HTTP_GET {\n      url {\n        path /\n      }\n    }',
    '  delay_loop 7\n  connect_timeout 2.5\n  inhibit_on_failure\n  alpha\n  weight 4\n  virtualhost vs.example',
  );
  let r = load(text);
  assert.deepEqual(diags(r), []);
  let rs = r.config.virtual_server[0]!.real_server[0]!;
  assert.deepEqual([rs.delay_loop, rs.connect_timeout, rs.inhibit_on_failure, rs.alpha, rs.weight, rs.virtualhost, rs.retry], [7, 2.5, true, true, 4, 'vs.example', undefined]);
  const [tcp, misc, dns, http] = rs.checkers.map(timed);
  // Keepalived: retry defaults per type (MISC 0, DNS 3, else 1); delay_before_retry 1 s, HTTP 3 s,
  // DNS delay_loop; warmup defaults to delay_loop.
  assert.deepEqual([tcp!.checker, tcp!.retry, tcp!.delay_before_retry, tcp!.delay_loop, tcp!.warmup, tcp!.alpha], ['TCP_CHECK', 1, 1, 7, 7, true]);
  assert.deepEqual([misc!.checker, misc!.retry, misc!.delay_before_retry], ['MISC_CHECK', 0, 1]);
  assert.deepEqual([dns!.checker, dns!.retry, dns!.delay_before_retry], ['DNS_CHECK', 3, 7]);
  assert.deepEqual([http!.checker, http!.retry, http!.delay_before_retry], ['HTTP_GET', 1, 3]);
  if (tcp!.checker === 'TCP_CHECK') assert.equal(tcp!.connect_timeout, 2.5);
  if (http!.checker === 'HTTP_GET') {
    assert.equal(http!.virtualhost, 'vs.example');
    assert.equal(http!.url[0]!.virtualhost, 'vs.example');
  }
  // Values set on the real server win over the virtual server's, and reach the checkers.
  r = load(rsText('    retry 5\n    delay_before_retry 2\n    warmup 0\n    connect_timeout 9\n    delay_loop 11\n    alpha no\n    weight 0\n    virtualhost rs.example\n    TCP_CHECK {\n      retry 0\n    }\n    HTTP_GET {\n      virtualhost chk.example\n      url {\n        path /a\n      }\n      url {\n        path /b\n        virtualhost url.example\n      }\n    }', '  retry 2\n  alpha\n  quorum 1'));
  assert.deepEqual(diags(r), ['7 warning quorum 1 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 0, reducing quorum to 0']);
  rs = r.config.virtual_server[0]!.real_server[0]!;
  assert.deepEqual([rs.retry, rs.delay_before_retry, rs.warmup, rs.connect_timeout, rs.delay_loop, rs.alpha, rs.weight], [5, 2, 0, 9, 11, false, 0]);
  const [t, h] = rs.checkers.map(timed);
  assert.deepEqual([t!.retry, t!.delay_before_retry, t!.warmup, t!.delay_loop, t!.alpha], [0, 2, 0, 11, false]);
  if (h!.checker === 'HTTP_GET') {
    assert.equal(h!.retry, 5);
    assert.equal(h!.virtualhost, 'chk.example');
    assert.deepEqual(h!.url.map((u) => u.virtualhost), ['chk.example', 'url.example']);
  } else assert.fail('HTTP_GET expected');
});

test('real server keywords and their errors', () => {
  const text = rsText(
    [
      '    weight 2147483648',
      '    inhibit_on_failure maybe',
      '    uthreshold -1',
      '    lthreshold 10',
      '    uthreshold 100',
      '    notify_up "/bin/echo up" nobody',
      '    notify_up /bin/false',
      '    notify_down /bin/echo',
      '    smtp_alert off',
      '    alpha sometimes',
      '    retry 0',
      '    virtualhost',
      '    snmp_name rs1',
      '    bogus 1',
    ].join('\n'),
  );
  const r = load(text);
  const l = (m: string) => lineOf(text, m);
  assert.deepEqual(diags(r), [
    `${l('weight 2147483648')} error weight: number '2147483648' outside range [0, 2147483647]`,
    `${l('maybe')} error Invalid inhibit_on_failure parameter maybe`,
    `${l('uthreshold -1')} error uthreshold: number '-1' outside range [0, 4294967295]`,
    `${l('/bin/false')} error notify_up script already specified - ignoring /bin/false`,
    `${l('sometimes')} error Invalid alpha parameter sometimes`,
    `${l('retry 0')} error retry: number '0' outside range [1, 4294967295]`,
    `${l('    virtualhost')} error real server virtualhost missing`,
    `${l('bogus')} error Unknown keyword 'bogus'`,
  ]);
  const rs = r.config.virtual_server[0]!.real_server[0]!;
  assert.equal(rs.weight, 1);
  assert.equal(rs.lthreshold, 10);
  assert.equal(rs.uthreshold, 100);
  assert.deepEqual(rs.notify_up?.args, ['/bin/echo', 'up']);
  assert.equal(rs.notify_up?.user, 'nobody');
  assert.deepEqual(rs.notify_down?.args, ['/bin/echo']);
  assert.equal(rs.smtp_alert, false);
  assert.equal(rs.snmp_name, 'rs1');
});

test('real server addresses: bad ones skipped, family must match unless tunnelled, duplicates removed', () => {
  let text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server bad 80 {\n    weight 5\n  }\n  real_server fe80::2 80 {\n  }\n  real_server 10.0.0.2 80 {\n  }\n  real_server 10.0.0.2 80 {\n  }');
  let r = load(text);
  assert.deepEqual(diags(r), [
    '5 error Invalid real server ip address/port bad/80 - skipping',
    "9 error Address family of virtual server and real server fe80::2 don't match - skipping real server.",
    '12 error VS [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs',
  ]);
  assert.deepEqual(r.config.virtual_server[0]!.real_server.map((x) => x.ip), ['10.0.0.2']);
  // A tunnelled IPv6 real server may serve an IPv4 virtual server.
  text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind TUN\n  real_server 2001:db8::2 80 {\n  }');
  r = load(text);
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.family, 'inet6');
});

test('real server ports: NAT and DR get the virtual server port; DR mismatch is reset', () => {
  const r = load(vsText('  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 {\n  }\n  real_server 10.0.0.3 8080 {\n  }\n  real_server 10.0.0.4 {\n    lvs_method NAT\n  }'));
  assert.deepEqual(diags(r), ["7 warning virtual server [10.0.0.1]:tcp:80 and real server [10.0.0.3]:tcp:8080 ports don't match - resetting"]);
  assert.deepEqual(r.config.virtual_server[0]!.real_server.map((x) => x.port), [80, 80, 80]);
});

test('ip_family: values, conflicts', () => {
  let r = load(vsText('  ip_family inet6\n  lb_algo rr\n  lb_kind TUN\n  real_server 10.0.0.2 {\n  }', 'fwmark 1'));
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.family, 'inet6');
  assert.equal(r.config.virtual_server[0]!.ip_family, 'inet6');
  r = load(rsText('', '  ip_family inet6'));
  assert.deepEqual(diags(r), ['5 error Virtual server specified family inet6 conflicts with server family']);
  r = load(rsText('', '  ip_family ipx'));
  assert.deepEqual(diags(r), ['5 error unknown address family ipx']);
  // fwmark with only tunnelled real servers of mixed families: IPv4.
  r = load(vsText('  lb_algo rr\n  lb_kind TUN\n  real_server 10.0.0.2 {\n  }\n  real_server 2001:db8::2 {\n  }', 'fwmark 1'));
  assert.deepEqual(diags(r), []);
  assert.equal(r.config.virtual_server[0]!.family, 'inet');
});

test('virtual server timers, retry and flags', () => {
  const text = rsText('', [
    '  delay_loop 0',
    '  connect_timeout 0.000001',
    '  retry 0',
    '  delay_before_retry 0',
    '  warmup 2.5',
    '  smtp_alert maybe',
    '  virtualhost',
    '  ha_suspend',
    '  omega',
    '  snmp_name vs1',
    '  persistence_engine averyveryverylongname',
  ].join('\n'));
  const r = load(text);
  const l = (m: string) => lineOf(text, m);
  assert.deepEqual(diags(r), [
    `${l('delay_loop 0')} error delay_loop: number '0' outside range [0.000001, 18446744073709]`,
    `${l('retry 0')} error retry: number '0' outside range [1, 4294967295]`,
    `${l('maybe')} error Invalid virtual_server smtp_alert parameter maybe`,
    `${l('  virtualhost')} error virtual server virtualhost missing`,
    `${l('ha_suspend')} note ha_suspend is read but not acted on here: the checkers run whatever the VRRP state`,
    `${l('averyvery')} warning persistence_name too long, truncating - averyveryverylongname`,
  ]);
  const vs = r.config.virtual_server[0]!;
  assert.deepEqual([vs.delay_loop, vs.connect_timeout, vs.retry, vs.delay_before_retry, vs.warmup, vs.ha_suspend, vs.omega, vs.snmp_name, vs.persistence_engine], [60, 0.000001, undefined, 0, 2.5, true, true, 'vs1', 'averyveryverylo']);
});

test('ha_suspend is cleared for fwmark services', () => {
  const r = load(vsText('  ha_suspend\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n  }', 'fwmark 3'));
  assert.deepEqual(diags(r), [
    '2 note ha_suspend is read but not acted on here: the checkers run whatever the VRRP state',
    '2 error Virtual server FWM 3: cannot use ha_suspend with fwmarks - clearing ha_suspend',
  ]);
  assert.equal(r.config.virtual_server[0]!.ha_suspend, false);
});

test('quorum, hysteresis and quorum scripts', () => {
  let text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  quorum 0\n  hysteresis 5\n  quorum_up "/bin/echo up"\n  quorum_up /bin/false\n  quorum_down /bin/echo\n  real_server 10.0.0.2 80 {\n  }');
  let r = load(text);
  assert.deepEqual(diags(r), [
    "5 error quorum: number '0' outside range [1, 4294967295]",
    '8 error quorum_up script already specified - ignoring /bin/false',
    '6 error Virtual server [10.0.0.1]:tcp:80: hysteresis 5 >= quorum 1; setting hysteresis to 0',
  ]);
  let vs = r.config.virtual_server[0]!;
  assert.equal(vs.quorum, 1);
  assert.equal(vs.hysteresis, 0);
  assert.deepEqual(vs.quorum_up?.args, ['/bin/echo', 'up']);
  assert.deepEqual(vs.quorum_down?.args, ['/bin/echo']);
  text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  quorum 10\n  hysteresis 2\n  weight 3\n  real_server 10.0.0.2 80 {\n  }\n  real_server 10.0.0.3 80 {\n    weight 1\n  }');
  r = load(text);
  assert.deepEqual(diags(r), ['5 warning quorum 10 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 4, reducing quorum to 4']);
  vs = r.config.virtual_server[0]!;
  assert.equal(vs.quorum, 4);
  assert.equal(vs.hysteresis, 2);
  assert.deepEqual(vs.real_server.map((x) => x.weight), [3, 1]);
});

test('sorry_server: address, forwarding, inhibit, family and ports', () => {
  let text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  sorry_server_inhibit\n  sorry_server_lvs_method NAT\n  sorry_server 10.0.0.50 81\n  sorry_server_lvs_method XYZ\n  sorry_server_inhibit\n  real_server 10.0.0.2 80 {\n  }');
  let r = load(text);
  assert.deepEqual(diags(r), [
    '5 error Ignoring sorry_server inhibit used before or without sorry_server',
    '6 error sorry_server forwarding used without sorry_server',
    '8 error PARSER : unknown [XYZ] routing method for sorry server.',
    "7 warning virtual server [10.0.0.1]:tcp:80 and sorry server ports don't match - resetting",
  ]);
  let ss = r.config.virtual_server[0]!.sorry_server!;
  assert.deepEqual([ss.ip, ss.port, ss.lvs_method, ss.inhibit_on_failure, ss.pos.line], ['10.0.0.50', 80, 'DR', true, 7]);
  // Same address as a real server: the inhibit settings must agree.
  text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  sorry_server 10.0.0.2 80\n  real_server 10.0.0.2 80 {\n    inhibit_on_failure\n  }');
  r = load(text);
  assert.deepEqual(diags(r), ['6 error Virtual server [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 matches sorry server, but inhibit setting differs, setting on sorry server']);
  assert.equal(r.config.virtual_server[0]!.sorry_server!.inhibit_on_failure, true);
  text = vsText('  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  sorry_server fe80::1 80\n  sorry_server 10.0.0.999\n  real_server 10.0.0.2 80 {\n  }');
  r = load(text);
  assert.deepEqual(diags(r), [
    '6 error Invalid sorry server IP address 10.0.0.999 - skipping',
    "5 error Address family of virtual server and sorry server fe80::1 don't match - skipping sorry server.",
  ]);
  assert.equal(r.config.virtual_server[0]!.sorry_server, undefined);
  ss = load(vsText('  protocol TCP\n  lb_algo rr\n  sorry_server 10.0.0.50 80\n  real_server 10.0.0.2 80 {\n  }')).config.virtual_server[0]!.sorry_server!;
  assert.equal(ss.lvs_method, 'NAT');
});

test('smtp_alert defaults follow global_defs (real servers default to on, virtual servers off)', () => {
  let r = load(rsText(''));
  assert.equal(r.config.virtual_server[0]!.smtp_alert, false);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.smtp_alert, true);
  r = load(`global_defs {\n  smtp_alert_checker false\n}\n${rsText('')}`);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.smtp_alert, false);
  r = load(`global_defs {\n  smtp_alert true\n}\n${rsText('    smtp_alert no')}`);
  assert.equal(r.config.virtual_server[0]!.smtp_alert, true);
  assert.equal(r.config.virtual_server[0]!.real_server[0]!.smtp_alert, false);
});

test('the SSL root block', () => {
  const text = 'SSL {\n  password\n  ca /etc/ca.pem\n  certificate /etc/c.pem\n  key /etc/k.pem\n  password secret\n}\nSSL {\n  ca /etc/other.pem\n}\n';
  const r = load(text);
  assert.deepEqual(diags(r), ['2 error SSL password missing', '8 error SSL context already specified - replacing']);
  assert.deepEqual(r.config.SSL, { pos: { file: '/etc/k.conf', line: 8 }, ca: '/etc/other.pem' });
  const one = load('SSL {\n  password secret\n  ca /etc/ca.pem\n  certificate /etc/c.pem\n  key /etc/k.pem\n}\n');
  assert.deepEqual(diags(one), []);
  assert.deepEqual({ ...one.config.SSL, pos: undefined }, { pos: undefined, password: 'secret', ca: '/etc/ca.pem', certificate: '/etc/c.pem', key: '/etc/k.pem' });
});

test('real_server and checkers need a block (Keepalived 2.2.7: "Missing \'{\'")', () => {
  const r = load(rsText('    PING_CHECK', ''));
  assert.equal(diags(r)[0]?.startsWith(`${lineOf(rsText('    PING_CHECK'), 'PING_CHECK')} error PING_CHECK: missing '{'`), true);
  assert.deepEqual(r.config.virtual_server[0]!.real_server[0]!.checkers, []);
});
