/**
 * The lexer's line rules: comments, quotes, braces, '\' at the end of a line, CRLF, conditionals.
 * Expected outputs were checked against keepalived 2.2.7 (`keepalived -t -l -D -f FILE`, which
 * names each logical line's first word in "Unknown keyword" and gives its line), except where a
 * test says it departs from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lexFiles } from './lexer-helpers.js';

test('comments start with ! or # anywhere, but not inside double quotes', () => {
  const r = lexFiles('! whole line\n# whole line\nrouter_id R1 # trailing\nscript "a # b ! c" ! gone\n   \n');
  assert.deepEqual(r.at, ['3: router_id R1', '4: script a # b ! c']);
  assert.deepEqual(r.problems, []);
});

test('\\# and \\! outside quotes stand for the characters; inside quotes they stay as written', () => {
  const r = lexFiles('kw1\\#a\nkw2 \\#b\nkw3\\!c\nkw4 "x\\#y"\n');
  assert.deepEqual(r.text, ['kw1#a', 'kw2 #b', 'kw3!c', 'kw4 x\\#y']);
});

test('a quoted string is one word without its quotes; a quote also ends an unquoted word', () => {
  const r = lexFiles('notify "/bin/echo  two  blanks" x\nab"c d"e\n');
  assert.deepEqual(r.lines[0]!.words, ['notify', '/bin/echo  two  blanks', 'x']);
  assert.deepEqual(r.lines[1]!.words, ['ab', 'c d', 'e']);
});

test('an unterminated quote is reported twice, as Keepalived does, and the words before it are kept', () => {
  const r = lexFiles('kwq "abc\nkwq2 abc"\n');
  assert.deepEqual(r.text, ['kwq', 'kwq2 abc']);
  assert.deepEqual(r.problems, [
    `error 1: Unterminated quote 'kwq "abc'`,
    `error 1: Unmatched quote: 'kwq "abc'`,
    `error 2: Unterminated quote 'kwq2 abc"'`,
    `error 2: Unmatched quote: 'kwq2 abc"'`,
  ]);
});

test('each unquoted brace becomes a line of its own, wherever it is', () => {
  const r = lexFiles('vrrp_instance VI_1 {\n virtual_ipaddress { 10.0.0.1 10.0.0.2\n 10.0.0.3 } state MASTER\n}\n');
  assert.deepEqual(r.at, [
    '1: vrrp_instance VI_1',
    '1: {',
    '2: virtual_ipaddress',
    '2: {',
    '2: 10.0.0.1 10.0.0.2',
    '3: 10.0.0.3',
    '3: }',
    '3: state MASTER',
    '4: }',
  ]);
});

test('braces inside double quotes are not split', () => {
  assert.deepEqual(lexFiles('kw"a{b}"c }\n').text, ['kw a{b} c', '}']);
});

test('what follows a brace is read as a new line: definitions, conditionals and includes work there', () => {
  const r = lexFiles({ '/etc/keepalived/keepalived.conf': 'x {\n} $Y=9\nkwY$Y\n} @other dropped\n} include f.inc\n', '/etc/keepalived/f.inc': 'fromInclude\n' });
  assert.deepEqual(r.text, ['x', '{', '}', 'kwY9', '}', '}', 'fromInclude']);
});

test('a trailing \\ does not join lines outside a multi-line definition (keepalived 2.2.7)', () => {
  // keepalived -t: "(Line 1) invalid number '51\'": the backslash stays on the last word.
  const r = lexFiles('virtual_router_id 51 \\\npriority 100\nkw \\\n\\\n');
  assert.deepEqual(r.at, ['1: virtual_router_id 51\\', '2: priority 100', '3: kw\\', '4: \\']);
});

test('CRLF line ends are stripped, however many CRs', () => {
  const r = lexFiles('kwCR 1\r\n$X=5 \r\r\nkwX$X\r\n"q"\r\n');
  assert.deepEqual(r.text, ['kwCR 1', 'kwX5', 'q']);
  assert.deepEqual(r.problems, []);
});

test('a line with an embedded NUL is ignored and reported', () => {
  const r = lexFiles('a 1\nb\u00002\nc 3\n');
  assert.deepEqual(r.text, ['a 1', 'c 3']);
  assert.deepEqual(r.problems, ['error 2: configuration appears to have embedded NULs - ignoring line']);
});

test('@id keeps a line only for that config id, @^id only for the others', () => {
  const src = 'global_defs {\n @main router_id main_router\n @backup router_id backup_router\n}\nunicast_peer {\n @^main 1.2.3.4\n @^backup 1.2.3.5\n @^backup2 1.2.3.6\n}\n@main\n@ lonely\n';
  // The man page: with -i main the router_id is main_router and the peers are 1.2.3.5 and 1.2.3.6.
  const main = lexFiles(src, { configId: 'main' }).text.filter((t) => t !== '{' && t !== '}');
  assert.deepEqual(main, ['global_defs', 'router_id main_router', 'unicast_peer', '1.2.3.5', '1.2.3.6']);
  const other = lexFiles(src, { configId: 'other' }).text.filter((t) => t !== '{' && t !== '}');
  assert.deepEqual(other, ['global_defs', 'unicast_peer', '1.2.3.4', '1.2.3.5', '1.2.3.6']);
});

test('a conditional guards a definition and an include', () => {
  const files = {
    '/etc/keepalived/keepalived.conf': '@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY\n@main include m.inc\n',
    '/etc/keepalived/m.inc': 'fromMain\n',
  };
  assert.deepEqual(lexFiles(files, { configId: 'main' }).text, ['priority 240', 'fromMain']);
  assert.deepEqual(lexFiles(files, { configId: 'backup' }).text, ['priority 200']);
  assert.deepEqual(lexFiles(files, { configId: 'x' }).text, ['priority $PRIORITY']);
});

test('$IF_MAIN=@main makes a substituted conditional (man page)', () => {
  const src = '$IF_MAIN=@main\n$IF_MAIN priority 240\n';
  assert.deepEqual(lexFiles(src, { configId: 'main' }).text, ['priority 240']);
  assert.deepEqual(lexFiles(src, { configId: 'backup' }).text, []);
});

test('positions: every logical line carries its file and physical line', () => {
  const r = lexFiles('\n\n  a {\n\n b }\n');
  assert.deepEqual(
    r.lines.map((l) => [l.pos.file, l.pos.line]),
    [['/etc/keepalived/keepalived.conf', 3], ['/etc/keepalived/keepalived.conf', 3], ['/etc/keepalived/keepalived.conf', 5], ['/etc/keepalived/keepalived.conf', 5]],
  );
});

/**
 * The lexer reads a line without comment, quote or backslash on a path of its own (no decomment,
 * one split). A comment sends the same line down the general path: both must give the same logical
 * lines, wherever braces, blanks, '$', conditionals and includes fall. Seeded, so a failure repeats.
 */
test('a line reads the same with a comment after it: the plain path and the decomment path agree', () => {
  const tokens = ['a', 'vrrp_instance', 'VI_1', '100', 'include', 'inc.conf', 'interface', '{', '}', ' ', '  ', '\t', '$X', '${X}', '$Y=1', '@host ', '@^host ', '~SEQ(i,1,2) ', '$i', 'é', 'x{', '}y', '{ }', '\r'];
  let seed = 17;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let file = 0; file < 400; file++) {
    const lines: string[] = [];
    for (let l = 0, n = 1 + rnd(10); l < n; l++) {
      let line = '';
      for (let t = 0, m = rnd(7); t < m; t++) line += tokens[rnd(tokens.length)];
      lines.push(line);
    }
    const files = (body: string[]) => ({ '/etc/keepalived/keepalived.conf': `$X=x\n${body.join('\n')}\n`, '/etc/keepalived/inc.conf': 'b c\n} include nothing\n' });
    const plain = lexFiles(files(lines));
    const commented = lexFiles(files(lines.map((l) => (l.endsWith('\r') ? l : `${l} # comment`))));
    const show = (x: typeof plain) => x.lines.map((l) => JSON.stringify([l.words, l.text, l.pos.line]));
    assert.deepEqual(show(commented), show(plain), lines.join('\n'));
    assert.deepEqual(commented.problems, plain.problems, lines.join('\n'));
  }
});
