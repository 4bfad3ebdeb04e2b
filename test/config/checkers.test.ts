/**
 * Health checker blocks: each kind's keywords, defaults and errors, with Keepalived 2.2.7's
 * messages for the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diags, lineOf, load, rsText, vsText } from './lvs-helpers.js';

function checkers(text: string) {
  const r = load(text);
  return { r, list: r.config.virtual_server[0]?.real_server[0]?.checkers ?? [] };
}

test('connection options: defaults from the real server, values and errors', () => {
  let { r, list } = checkers(rsText('    TCP_CHECK {\n      connect_ip 10.9.9.9\n      connect_port 8080\n      bindto 10.0.0.100\n      bind_port 5000\n      bind_if eth0\n      fwmark 7\n      connect_timeout 3\n      log_all_failures\n    }'));
  assert.deepEqual(diags(r), []);
  assert.deepEqual({ ...list[0], pos: undefined }, {
    checker: 'TCP_CHECK', pos: undefined, connect_ip: '10.9.9.9', connect_port: 8080, bindto: '10.0.0.100', bind_port: 5000,
    bind_if: 'eth0', fwmark: 7, connect_timeout: 3, log_all_failures: true, alpha: false, retry: 1, delay_before_retry: 1, delay_loop: 60, warmup: 60,
  });
  ({ r, list } = checkers(rsText('    TCP_CHECK {\n    }')));
  const c = list[0]!;
  assert.equal(c.checker, 'TCP_CHECK');
  if (c.checker === 'TCP_CHECK') assert.deepEqual([c.connect_ip, c.connect_port, c.connect_timeout], ['10.0.0.2', 80, 5]);
  const text = rsText(['    TCP_CHECK {', '      connect_ip 10.1.1.1', '      bindto fe80::1', '      connect_port 0', '      bind_port 70000', '      fwmark -3', '      retry -1', '      delay_loop 0', '      warmup x', '      connect_ip 300.1.1.1', '      bind_if averyveryverylongifname', '    }'].join('\n'));
  ({ r } = checkers(text));
  const l = (m: string) => lineOf(text, m);
  assert.deepEqual(diags(r), [
    `${l('bindto fe80::1')} error bindto address fe80::1 does not match address family of connect_ip - skipping`,
    `${l('connect_port 0')} error connect_port: number '0' outside range [1, 65535]`,
    `${l('bind_port')} error bind_port: number '70000' outside range [1, 65535]`,
    `${l('fwmark -3')} error fwmark: number '-3' outside range [0, 4294967295]`,
    `${l('retry -1')} error retry: number '-1' outside range [0, 4294967295]`,
    `${l('delay_loop 0')} error delay_loop: number '0' outside range [0.000001, 18446744073709]`,
    `${l('warmup x')} error warmup: invalid number 'x'`,
    `${l('300.1.1.1')} error Invalid connect_ip address 300.1.1.1 - ignoring`,
    `${l('averyvery')} error Interface name averyveryverylongifname is too long - ignoring`,
  ]);
});

test('IPv6 link-local checker destinations need bind_if', () => {
  const body = '  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server fe80::11 443 {\n    TCP_CHECK {\n    }\n    PING_CHECK {\n      bind_if eth0\n    }\n  }';
  const r = load(vsText(body, 'fe80::10 443'));
  assert.deepEqual(diags(r), ['6 error Checker link local address fe80::11 requires a bind_if']);
  assert.deepEqual(r.config.virtual_server[0]!.real_server[0]!.checkers.map((c) => c.checker), ['PING_CHECK']);
});

test('HTTP_GET: urls, status codes, digest, protocol, defaults', () => {
  const text = rsText([
    '    HTTP_GET {',
    '      url {',
    '        path /health',
    '        digest 9B3A0C85A887A256D6939DA88AABD8CD',
    '        status_code 200-204 301 500-599',
    '      }',
    '      url {',
    '        path /',
    '      }',
    '      http_protocol 1.0c',
    '      fast_recovery',
    '      virtualhost www.example',
    '      enable_sni',
    '    }',
  ].join('\n'));
  const { r, list } = checkers(text);
  assert.deepEqual(diags(r), []);
  const c = list[0]!;
  if (c.checker !== 'HTTP_GET') return assert.fail('HTTP_GET expected');
  assert.deepEqual([c.http_protocol, c.fast_recovery, c.virtualhost, c.enable_sni, c.tls_compliant, c.retry, c.delay_before_retry], ['1.0C', true, 'www.example', true, false, 1, 3]);
  assert.deepEqual(c.url[0]!.status_code, [[200, 204], [301, 301], [500, 599]]);
  assert.equal(c.url[0]!.digest, '9b3a0c85a887a256d6939da88aabd8cd');
  // Keepalived's default when a url sets no status_code.
  assert.deepEqual(c.url[1]!.status_code, [[200, 299]]);
  assert.equal(c.url[1]!.virtualhost, 'www.example');
  assert.equal(c.url[0]!.pos.line, lineOf(text, 'url {'));
});

test('HTTP_GET errors, in Keepalived wording', () => {
  const text = rsText([
    '    HTTP_GET {',
    '      url {',
    '        path /',
    '        status_code 200-299 600 abc 300-200',
    '        digest 123',
    '        digest 9b3a0c85a887a256d6939da88aabd8cz',
    '        virtualhost',
    '      }',
    '      url {',
    '        digest 9b3a0c85a887a256d6939da88aabd8cd',
    '      }',
    '      http_protocol 2.0',
    '      nb_get_retry 3',
    '      enable_sni maybe',
    '      tls_compliant',
    '    }',
    '    HTTP_GET {',
    '      connect_port 80',
    '    }',
  ].join('\n'));
  const { r, list } = checkers(text);
  const l = (m: string) => lineOf(text, m);
  const lines = text.split('\n');
  const secondUrlEnd = lines.findIndex((x, i) => i > l('8cd') - 1 && x.trim() === '}') + 1;
  const lastEnd = lines.length - 3;
  assert.deepEqual(diags(r), [
    `${l('600')} error Invalid HTTP_GET status code '600'`,
    `${l('600')} error Invalid HTTP_GET status code 'abc'`,
    `${l('600')} error Invalid HTTP_GET status code '300-200'`,
    `${l('digest 123')} error digest '123' character length should be 32 rather than 3`,
    `${l('8cz')} error Unable to interpret hex digit in '9b3a0c85a887a256d6939da88aabd8cz' at offset 30/31`,
    `${l('        virtualhost')} error Missing HTTP_GET virtualhost name`,
    `${secondUrlEnd} error HTTP/SSL_GET checker url has no path - ignoring`,
    `${l('2.0')} error Invalid http_protocol version 2.0`,
    `${l('nb_get_retry')} warning nb_get_retry is deprecated - please use 'retry'`,
    `${l('maybe')} error Invalid enable_sni parameter maybe`,
    `${l('tls_compliant')} error Unknown keyword 'tls_compliant'`,
    `${lastEnd} error HTTP/SSL_GET checker has no urls specified - ignoring`,
  ]);
  assert.equal(list.length, 1);
  const c = list[0]!;
  if (c.checker !== 'HTTP_GET') return assert.fail();
  assert.equal(c.retry, 3);
  assert.equal(c.url.length, 1);
  assert.deepEqual(c.url[0]!.status_code, [[200, 299]]);
});

test('HTTP_GET regex keywords', () => {
  let text = rsText('    HTTP_GET {\n      url {\n        path /\n        regex "ok\\\\s+[0-9]+"\n        regex_no_match\n        regex_options caseless multiline bogus\n        regex_min_offset 5\n        regex_max_offset 100\n        regex_stack 1000 2000\n      }\n    }');
  let { r, list } = checkers(text);
  assert.deepEqual(diags(r), [`${lineOf(text, 'bogus')} warning regex_options: unknown option 'bogus' - ignoring`]);
  // As in Keepalived, the regex line is unescaped once: the file's \\s is the pattern's \s.
  const u = (list[0] as unknown as { url: { regex?: string; regex_no_match: boolean; regex_options: string[]; regex_min_offset?: number; regex_max_offset?: number; regex_stack?: object }[] }).url[0]!;
  assert.deepEqual([u.regex, u.regex_no_match, u.regex_options, u.regex_min_offset, u.regex_max_offset, u.regex_stack], ['ok\\s+[0-9]+', true, ['caseless', 'multiline'], 5, 100, { start: 1000, max: 2000 }]);
  text = rsText('    HTTP_GET {\n      url {\n        path /\n        regex_no_match\n        regex_min_offset 5\n      }\n      url {\n        path /x\n        regex a\n        regex_min_offset 50\n        regex_max_offset 10\n        regex a b\n      }\n    }');
  ({ r, list } = checkers(text));
  assert.deepEqual(diags(r), [
    '7 warning regex parameters specified without regex',
    `${lineOf(text, 'regex a b')} error regex missing or too many fields`,
    '12 warning regex min offset 50 > regex_max_offset 10 - ignoring',
  ]);
});

test('SSL_GET: tls_compliant, sni_name, and the SSL_GET.port sample values', () => {
  const text = rsText('    SSL_GET {\n      url {\n        path /\n        digest ff20ad2481f97b1754ef3e12ecd3a9cc\n        tls_compliant\n      }\n      connect_port 444\n      sni_name api.example\n      tls_compliant yes\n    }');
  const { r, list } = checkers(text);
  assert.deepEqual(diags(r), []);
  const c = list[0]!;
  if (c.checker !== 'SSL_GET') return assert.fail();
  assert.deepEqual([c.connect_port, c.sni_name, c.enable_sni, c.tls_compliant, c.url[0]!.tls_compliant], [444, 'api.example', true, true, true]);
});

test('MISC_CHECK: script, timeout (default: the virtual server delay_loop), dynamic, user', () => {
  let text = rsText('    MISC_CHECK {\n      misc_path "/usr/local/bin/check.sh arg1 \'two words\'"\n      misc_timeout 5\n      misc_dynamic\n      user nobody nogroup\n    }');
  let { r, list } = checkers(text);
  assert.deepEqual(diags(r), []);
  let c = list[0]!;
  if (c.checker !== 'MISC_CHECK') return assert.fail();
  assert.deepEqual(c.misc_path.args, ['/usr/local/bin/check.sh', 'arg1', 'two words']);
  assert.deepEqual([c.misc_path.user, c.misc_path.group, c.misc_timeout, c.misc_dynamic, c.retry], ['nobody', 'nogroup', 5, true, 0]);
  text = rsText('    MISC_CHECK {\n      misc_path /bin/check arg\n    }', '  delay_loop 9');
  ({ r, list } = checkers(text));
  assert.deepEqual(diags(r), [`${lineOf(text, 'misc_path')} warning misc_path: ignoring 'arg' - quote the whole command line to pass arguments`]);
  c = list[0]!;
  if (c.checker !== 'MISC_CHECK') return assert.fail();
  assert.deepEqual([c.misc_path.args, c.misc_timeout], [['/bin/check'], 9]);
  text = rsText('    MISC_CHECK {\n      misc_timeout abc\n      connect_ip 1.2.3.4\n      misc_timeout 5000\n    }');
  ({ r, list } = checkers(text));
  assert.deepEqual(diags(r), [
    "7 error misc_timeout: invalid number 'abc'",
    "8 error Unknown keyword 'connect_ip'",
    "9 error misc_timeout: number '5000' outside range [0, 4294]",
    '10 error No script path has been specified for MISC_CHECKER - skipping',
  ]);
  assert.equal(list.length, 0);
});

test('SMTP_CHECK: helo_name default and errors; host blocks become checkers', () => {
  let { r, list } = checkers(rsText('    SMTP_CHECK {\n    }'));
  assert.deepEqual(diags(r), []);
  assert.equal((list[0] as { helo_name: string }).helo_name, 'smtpchecker.keepalived.org');
  ({ r, list } = checkers(rsText('    SMTP_CHECK {\n      helo_name\n      helo_name a\n      helo_name b\n    }')));
  assert.deepEqual(diags(r), ['7 error SMTP_CHECK helo name missing', '9 error SMTP_CHECK helo name already specified']);
  assert.equal((list[0] as { helo_name: string }).helo_name, 'b');
  // No connection option on the checker: the first host is the checker, the others are added.
  ({ r, list } = checkers(rsText('    SMTP_CHECK {\n      retry 4\n      host {\n        connect_ip 10.0.0.7\n        connect_port 587\n      }\n      host {\n        connect_ip 10.0.0.8\n      }\n    }')));
  assert.deepEqual(diags(r), ['8 note The SMTP_CHECK host block is deprecated. Please define additional checkers.']);
  assert.deepEqual(list.map((c) => (c.checker === 'SMTP_CHECK' ? [c.connect_ip, c.connect_port, c.retry, c.pos.line] : [])), [['10.0.0.7', 587, 4, 8], ['10.0.0.8', 80, 4, 12]]);
});

test('DNS_CHECK: type and name, defaults SOA and "."', () => {
  let { r, list } = checkers(rsText('    DNS_CHECK {\n      type aaaa\n      name example.com\n    }'));
  assert.deepEqual(diags(r), []);
  assert.deepEqual([(list[0] as { type: string }).type, (list[0] as { name: string }).name], ['AAAA', 'example.com']);
  ({ r, list } = checkers(rsText('    DNS_CHECK {\n      type XYZ\n      name a..b\n      name .x\n      name c\n      name d\n    }')));
  assert.deepEqual(diags(r), [
    '7 error Unknown DNS check type XYZ - ignoring',
    "8 error DNS_CHECK name 'a..b' has empty label - ignoring",
    "9 error DNS_CHECK name '.x' has empty label - ignoring",
    '11 error DNS_CHECK name already specified - ignoring',
  ]);
  assert.deepEqual([(list[0] as { type: string }).type, (list[0] as { name: string }).name], ['SOA', 'c']);
  ({ list } = checkers(rsText('    DNS_CHECK {\n    }')));
  assert.equal((list[0] as { name: string }).name, '.');
});

test('UDP_CHECK: hex payload and reply, lengths', () => {
  let { r, list } = checkers(rsText('    UDP_CHECK {\n      payload Ab12f 3 456\n      require_reply 01 xX 2\n      min_reply_length 2\n      max_reply_length 10\n    }'));
  assert.deepEqual(diags(r), []);
  const c = list[0] as { payload?: string; require_reply: boolean; require_reply_data?: string; min_reply_length: number; max_reply_length: number };
  // Keepalived's read_hex_str(): "Ab12f 3 456" is AB 12 0F 03 45 06.
  assert.deepEqual([c.payload, c.require_reply, c.require_reply_data, c.min_reply_length, c.max_reply_length], ['ab120f034506', true, '01xx02', 2, 10]);
  ({ list } = checkers(rsText('    UDP_CHECK {\n      require_reply\n    }')));
  const d = list[0] as { require_reply: boolean; max_reply_length: number; payload?: string };
  assert.deepEqual([d.require_reply, d.max_reply_length, d.payload], [true, 255, undefined]);
  ({ r } = checkers(rsText('    UDP_CHECK {\n      payload zz\n      payload\n      require_reply 0g\n      min_reply_length 70000\n      max_reply_length 10\n      min_reply_length 20\n    }')));
  assert.deepEqual(diags(r), [
    '7 error Invalid hex string for UDP_CHECK payload',
    '8 error UDP_CHECK payload requires a payload',
    '9 error Invalid hex string for UDP_CHECK reply',
    "10 error min_reply_length: number '70000' outside range [0, 65535]",
    '13 error UDP_CHECK min_reply length 20 > max_reply_length 10 - will always fail',
  ]);
});

test('PING_CHECK takes connection options', () => {
  const { r, list } = checkers(rsText('    PING_CHECK {\n      connect_ip 10.0.0.9\n      retry 2\n    }'));
  assert.deepEqual(diags(r), []);
  assert.deepEqual([list[0]!.checker, (list[0] as { connect_ip: string }).connect_ip, (list[0] as { retry: number }).retry], ['PING_CHECK', '10.0.0.9', 2]);
});

test('FILE_CHECK: track_file lookup, weight and reverse', () => {
  const prelude = 'track_file tf1 {\n  file /tmp/x\n  weight 5 reverse\n}\n';
  let text = prelude + rsText('    FILE_CHECK {\n      track_file tf1\n    }\n    FILE_CHECK {\n      track_file tf1\n      weight -3\n    }');
  let { r, list } = checkers(text);
  assert.deepEqual(diags(r), []);
  assert.deepEqual(list.map((c) => (c.checker === 'FILE_CHECK' ? [c.track_file, c.weight, c.reverse] : [])), [['tf1', 5, true], ['tf1', -3, false]]);
  text = prelude + rsText('    FILE_CHECK {\n      track_file nope\n      weight 5 sideways\n    }\n    FILE_CHECK {\n      weight 2\n    }\n    FILE_CHECK {\n      connect_ip 1.2.3.4\n      track_file tf1\n    }');
  ({ r, list } = checkers(text));
  const l = (m: string) => lineOf(text, m);
  assert.deepEqual(diags(r), [
    `${l('sideways')} error unknown track file weight option sideways - ignoring`,
    `${l('weight 2') + 1} error FILE_CHECK has no track_file specified - ignoring`,
    `${l('connect_ip')} error Unknown keyword 'connect_ip'`,
    `${l('track_file nope')} error track_file nope not found`,
  ]);
  assert.equal(list.length, 1);
});

test('BFD_CHECK: name must be a configured bfd_instance', () => {
  const prelude = 'bfd_instance b1 {\n  neighbor_ip 10.0.0.2\n}\n';
  let text = prelude + rsText('    BFD_CHECK {\n      name b1\n    }');
  let { r, list } = checkers(text);
  assert.deepEqual(diags(r).filter((d) => !d.includes('bfd')), []);
  assert.deepEqual(list.map((c) => (c.checker === 'BFD_CHECK' ? [c.name, c.alpha] : [])), [['b1', false]]);
  text = prelude + rsText('    BFD_CHECK {\n      name b2\n    }\n    BFD_CHECK {\n    }\n    BFD_CHECK {\n      name b1 b2\n    }\n    BFD_CHECK {\n      name b1\n      alpha\n    }\n    BFD_CHECK {\n      name b1\n    }');
  ({ r, list } = checkers(text));
  const l = (m: string) => lineOf(text, m);
  const lines = text.split('\n');
  const emptyEnd = lines.findIndex((x, i) => i > l('name b2') && x.trim() === '}' && lines[i - 1]!.includes('BFD_CHECK {')) + 1;
  const lastName = lines.map((x, i) => (x.includes('name b1') && !x.includes('b2') ? i + 1 : 0)).filter(Boolean).pop()!;
  assert.deepEqual(diags(r), [
    `${emptyEnd} error No name has been specified for BFD_CHECKER - skipping`,
    `${l('name b1 b2')} error BFD_CHECK - No or too many names specified - skipping checker`,
    `${l('name b1 b2') + 1} error No name has been specified for BFD_CHECKER - skipping`,
    `${l('name b2') - 1} error ([10.0.0.2]:tcp:80) BFD_CHECK - BFD b2 not configured`,
    `${lastName - 1} error ([10.0.0.2]:tcp:80) BFD_CHECK - RS already monitoring b1`,
  ]);
  assert.deepEqual(list.map((c) => (c.checker === 'BFD_CHECK' ? [c.name, c.alpha] : [])), [['b1', true]]);
});

test('unknown keywords inside a checker are reported at their line', () => {
  const text = rsText('    TCP_CHECK {\n      retry 2\n      foo\n    }');
  const { r, list } = checkers(text);
  assert.deepEqual(diags(r), [`${lineOf(text, 'foo')} error Unknown keyword 'foo'`]);
  assert.equal((list[0] as { retry: number }).retry, 2);
});
