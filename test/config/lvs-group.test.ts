/** virtual_server_group entries and `virtual_server group NAME` (Keepalived alloc_vsg_entry()). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diags, load, vsText } from './lvs-helpers.js';

const RS = '  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.0.2 80 {\n  }';

test('group entries: addresses, ranges, masks, fwmarks', () => {
  const text = `virtual_server_group G1 {
  10.0.0.1 80
  10.0.0.5-10 80
  10.0.0.250-10.0.1.10 80
  10.0.1.0/29 80
  2001:db8::1-ff 443
  fwmark 5
  fwmark 7 inet
}
${vsText(RS, 'group G1')}`;
  const r = load(text);
  assert.deepEqual(diags(r), ['9 error virtual server group G1 cannot have IPv4, IPv6 and fwmark without family - removing', '10 error Virtual server group G1 specified but not configured']);
  const ok = load(text.replace('  2001:db8::1-ff 443\n', ''));
  assert.deepEqual(diags(ok), []);
  const g = ok.config.virtual_server_group[0]!;
  assert.deepEqual(g.address_range.map((e) => [e.ip, e.ip_end, e.port, e.family, e.pos.line]), [
    ['10.0.0.1', '10.0.0.1', 80, 'inet', 2],
    ['10.0.0.5', '10.0.0.10', 80, 'inet', 3],
    ['10.0.0.250', '10.0.1.10', 80, 'inet', 4],
    ['10.0.1.0', '10.0.1.7', 80, 'inet', 5],
  ]);
  assert.deepEqual(g.fwmark.map((e) => [e.fwmark, e.family]), [[5, undefined], [7, 'inet']]);
  const vs = ok.config.virtual_server[0]!;
  assert.equal(vs.group, 'G1');
  assert.equal(vs.family, 'inet');
});

test('group entry errors, in Keepalived wording', () => {
  const text = `virtual_server_group G1 {
  10.0.1.3/29 80
  10.0.2.9-3 80
  10.0.2.9-10.0.2.1 80
  10.0.1.0/0 80
  10.0.0.1-300 80
  fwmark 7 inet9
  fwmark x
  bogus 80
  2001:db8::1-10.0.0.1 80
  10.0.0.1-5x 80
  2001:db8::1-2 443
}
virtual_server_group EMPTY {
}
`;
  const r = load(text);
  assert.deepEqual(diags(r), [
    '2 error Address mask bits not empty - 10.0.1.3/29 - skipping',
    '3 error Address range end is not greater than address range start - 10.0.2.9-3 - skipping',
    '4 error Address range end is less than address range start - 10.0.2.9-10.0.2.1 - skipping',
    '5 error Invalid netmask - 10.0.1.0/0 - skipping',
    "6 error Virtual server group range '10.0.0.1-300' end '300' too large",
    "7 error (G1): fwmark '7' family inet9 unknown - ignoring",
    "8 error (G1): fwmark 'x' must be in [0, 4294967295] - ignoring",
    '9 error Invalid virtual server group IP address bogus/port 80 - skipping',
    "10 error Virtual server group range '2001:db8::1-10.0.0.1' has extra characters at end '.0.0.1'",
    "11 error Virtual server group range '10.0.0.1-5x' has extra characters at end 'x'",
    '15 error virtual server group EMPTY has no entries - removing',
  ]);
  const g = r.config.virtual_server_group;
  assert.deepEqual(g.map((x) => x.name), ['G1']);
  assert.deepEqual(g[0]!.address_range.map((e) => [e.ip, e.ip_end]), [['2001:db8::1', '2001:db8::2']]);
});

test('a group without ports makes the service persistent; unknown groups are reported', () => {
  let r = load(`virtual_server_group G {\n  10.0.0.1\n}\n${vsText(RS, 'group G')}`);
  assert.deepEqual(diags(r), ['4 error Virtual server [G]:0: zero port only valid for persistent services - setting']);
  assert.equal(r.config.virtual_server[0]!.persistence_timeout, 360);
  r = load(vsText(RS, 'group NOPE'));
  assert.deepEqual(diags(r), ['1 error Virtual server group NOPE specified but not configured']);
  assert.equal(r.config.virtual_server.length, 0);
  // fwmark-only group: the protocol is ignored; DR real servers keep no port.
  r = load(`virtual_server_group F {\n  fwmark 9\n}\n${vsText('  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 80 {\n  }', 'group F')}`);
  assert.deepEqual(diags(r), [
    '5 warning Virtual server [F]:0: protocol specified for fwmark - protocol will be ignored',
    '8 warning fwmark virtual server [F]:0, real server [10.0.0.2]:none:80 has port specified - port will be ignored',
  ]);
  // Address group with DR: a real server port that differs is reported.
  r = load(`virtual_server_group A {\n  10.0.0.1 80\n}\n${vsText('  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 8080 {\n  }', 'group A')}`);
  assert.deepEqual(diags(r), ["8 error virtual server [A]:0:[10.0.0.1,80] and real server [10.0.0.2]:tcp:8080 ports don't match"]);
});
