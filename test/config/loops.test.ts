/**
 * ~SEQ, ~SEQx and ~LST (keepalived.conf(5) "Sequence blocks", "List blocks"). The man page
 * examples, then edge cases measured with keepalived 2.2.7.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLoop } from '../../src/config/loops.js';
import { MAX_LOOP_LINES } from '../../src/config/lexer.js';
import { Diagnostics, MESSAGE_MAX } from '../../src/config/diagnostics.js';
import { lexFiles } from './lexer-helpers.js';

test('man page: ~SEQ(SUBNET, 0, 3)', () => {
  assert.deepEqual(lexFiles('~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n').text, [
    'ip_address 10.0.0.1', 'ip_address 10.0.1.1', 'ip_address 10.0.2.1', 'ip_address 10.0.3.1',
  ]);
});

test('man page: ~SEQx in decimal and in hex give the same', () => {
  const want = ['ip_address fe80::20:90:1', 'ip_address fe80::20:a0:1', 'ip_address fe80::20:b0:1', 'ip_address fe80::20:c0:1'];
  assert.deepEqual(lexFiles('~SEQx(SUBNET, 144, 16, 192) ip_address fe80::20:${SUBNET}:1\n').text, want);
  assert.deepEqual(lexFiles('~SEQx(SUBNET, 0x90, 0x10, 0xc0) ip_address fe80::20:${SUBNET}:1\n').text, want);
});

test('man page: two ~SEQx on one line inside virtual_ipaddress, the last varying fastest', () => {
  const r = lexFiles('virtual_ipaddress {\n ~SEQx(AD2, 0x90, 0x10, 0xc0) ~SEQx(AD1, 0x12, -1, 0x0c) fe81::10:${AD2}:${AD1}\n}\n');
  const addrs = r.text.slice(2, -1);
  assert.equal(addrs.length, 4 * 7);
  assert.deepEqual(addrs.slice(0, 8), [
    'fe81::10:90:12', 'fe81::10:90:11', 'fe81::10:90:10', 'fe81::10:90:f', 'fe81::10:90:e', 'fe81::10:90:d', 'fe81::10:90:c', 'fe81::10:a0:12',
  ]);
  assert.ok(r.lines.slice(2, -1).every((l) => l.pos.line === 2));
});

test('man page: ~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4 makes 65024 vrrp instances', () => {
  const src = '$VI4= \\\nvrrp_instance vrrp4.${IF}.${NUM}.${ID} { \\\n  virtual_router_id ${ID} \\\n}\n\n~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4\n';
  const names = lexFiles(src).text.filter((t) => t.startsWith('vrrp_instance '));
  assert.equal(names.length, 65024);
  assert.equal(names[0], 'vrrp_instance vrrp4.0.0.1');
  assert.equal(names.at(-1), 'vrrp_instance vrrp4.7.31.254');
});

test('man page: ~LST with several variables, nested ~LST, and ~LST combined with ~SEQ', () => {
  assert.deepEqual(lexFiles('~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n').text, [
    '192.168.10.1', '192.168.20.4', '192.168.5.6', '192.168.12.8',
  ]);
  const nested = lexFiles('~LST(IP, 1, 2, 3, 4) ~LST(IP1, 5,6,7) 192.169.${IP}.${IP1}\n').text;
  assert.deepEqual(nested, [1, 2, 3, 4].flatMap((a) => [5, 6, 7].map((b) => `192.169.${a}.${b}`)));
  const combined = lexFiles('~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) ~SEQ(IP2,168,2,172) 192.${IP2}.${IP}.${IP1}\n').text;
  assert.deepEqual(combined, ['10.1', '20.4', '5.6', '12.8'].flatMap((ip) => [168, 170, 172].map((n) => `192.${n}.${ip}`)));
});

test('~SEQ defaults: one value counts from 1 (or -1); two values step by +-1', () => {
  assert.deepEqual(lexFiles('~SEQ(c, 0) c${c}\n~SEQ(d, -2) d${d}\n~SEQ(i, 2, 1) i${i}\n~SEQ(e, 2) e${e}\n').text, [
    'c1', 'c0', 'd-1', 'd-2', 'i2', 'i1', 'e1', 'e2',
  ]);
});

test('~SEQ numbers are read as strtol(…, 0): leading 0 is octal; parameters are substituted in them', () => {
  assert.deepEqual(lexFiles('~SEQ(a, 010, 0x0a) a${a}\n$N=2\n~SEQ(b,1,$N) b${b}\n').text, ['a8', 'a9', 'a10', 'b1', 'b2']);
});

test('blanks before "(" and no blank between two loops are accepted', () => {
  assert.deepEqual(lexFiles('~SEQ (f, 2) f${f}\n~SEQ(l,1,2)~SEQ(m,1,2) lm${l}${m}\n').text, ['f1', 'f2', 'lm11', 'lm12', 'lm21', 'lm22']);
});

test('malformed ~SEQ lines are reported as Keepalived reports them, and produce nothing', () => {
  const r = lexFiles('~SEQ(b, 3, 1, 1) x\n~SEQx(e, -1, 2) x\n~SEQfoo x\n~SEQ(h, 1, 2 x\n~SEQ(k, 1, 0, 3) x\n~SEQ(g 1 2) x\n');
  assert.deepEqual(r.text, []);
  assert.deepEqual(r.problems, [
    "error 1: Invalid ~SEQ values '~SEQ(b, 3, 1, 1) x'",
    "error 1: Invalid ~SEQ specification '~SEQ(b, 3, 1, 1) x'",
    "error 2: ~SEQx is only valid for positive numbers '~SEQx(e, -1, 2) x'",
    "error 2: Invalid ~SEQ specification '~SEQx(e, -1, 2) x'",
    "error 3: Invalid ~SEQ specification '~SEQfoo x'",
    "error 4: ~SEQ missing terminating ')' '~SEQ(h, 1, 2 x'",
    "error 4: Invalid ~SEQ specification '~SEQ(h, 1, 2 x'",
    "error 5: Invalid ~SEQ values '~SEQ(k, 1, 0, 3) x'",
    "error 5: Invalid ~SEQ specification '~SEQ(k, 1, 0, 3) x'",
    // Keepalived 2.2.7 takes any character for the ',' after the name; we want the ','.
    "error 6: Invalid ~SEQ definition '~SEQ(g 1 2) x'",
    "error 6: Invalid ~SEQ specification '~SEQ(g 1 2) x'",
  ]);
});

test('~LST: missing values are empty, empty values are kept, blanks around items are fine', () => {
  assert.deepEqual(lexFiles('~LST({b, c}, {1}, {2,3}) bc${b}_${c}.\n~LST(k, 1, , 3) k${k}.\n~LST ( h , p , q ) h${h}\n').text, [
    'bc1_.', 'bc2_3.', 'k1.', 'k.', 'k3.', 'hp', 'hq',
  ]);
});

test('malformed ~LST lines are reported', () => {
  const r = lexFiles('~LST({d, e}, {1,2,3}) x\n~LST(f) x\n~LST(g, 1 2) x\n~LST(i, {1,2}) x\n');
  assert.deepEqual(r.text, []);
  assert.deepEqual(r.problems, [
    "error 1: ~LST specification has too many values '~LST({d, e}, {1,2,3}) x'",
    "error 1: Invalid ~LST specification '~LST({d, e}, {1,2,3}) x'",
    "error 2: Invalid ~LST specification '~LST(f) x'",
    "error 3: Invalid ~LST specification '~LST(g, 1 2) x'",
    "error 4: ~LST specification has too many values '~LST(i, {1,2}) x'",
    "error 4: Invalid ~LST specification '~LST(i, {1,2}) x'",
  ]);
});

test('a loop inside a multi-line definition, and a multi-line definition inside a loop', () => {
  const r = lexFiles('$B= \\\nblock${n} { \\\n~SEQ(k,1,2) item${n}.${k} \\\n}\n\n~SEQ(n,1,2) $B\n');
  assert.deepEqual(r.text, ['block1', '{', 'item1.1', 'item1.2', '}', 'block2', '{', 'item2.1', 'item2.2', '}']);
});

test('parseLoop guards against huge loops', () => {
  const r = parseLoop('~SEQ(i, 1, 100000000) x');
  assert.ok(Array.isArray(r));
  assert.match(r[0]!, /more than/);
});

test('loops together make at most MAX_LOOP_LINES lines; a loop that would pass it is refused whole, at its line', () => {
  const r = lexFiles(`~SEQ(i, 1, ${MAX_LOOP_LINES / 2 + 1}) a$i\n~SEQ(i, 1, ${MAX_LOOP_LINES / 2}) b$i\nlast\n`);
  assert.equal(r.text.filter((t) => t.startsWith('a')).length, MAX_LOOP_LINES / 2 + 1);
  assert.equal(r.text.filter((t) => t.startsWith('b')).length, 0);
  assert.ok(r.problems.some((p) => /^error 2: loops produce more than 1000000 lines/.test(p)), r.problems.slice(0, 3).join('\n'));
  assert.equal(r.text.at(-1), 'last');
});

test('a diagnostic quoting a line of a megabyte keeps its first MESSAGE_MAX characters', () => {
  const d = new Diagnostics();
  d.error(undefined, `bad line '${'x'.repeat(1_000_000)}'`);
  d.warn(undefined, 'short');
  assert.equal(d.list[0]!.message.length < MESSAGE_MAX + 60, true);
  assert.match(d.list[0]!.message, /\.\.\. \(\d+ more characters\)$/);
  assert.equal(d.list[1]!.message, 'short');
});
