/**
 * include and its variants (keepalived.conf(5) "include", parser.c check_include() and
 * open_and_check_glob()). Which problem is an error for which variant was measured with
 * keepalived 2.2.7: plain `include` only warns; includer errs on unreadable matches; includem on
 * missing files or directories; includew also on a wildcard that matches nothing; includeb on a
 * missing brace alternative, and then reads none of that include; includea on all of these.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lexFiles } from './lexer-helpers.js';

const D = '/etc/keepalived';

test('include reads the file in place; relative names are relative to the including file', () => {
  const r = lexFiles({
    [`${D}/keepalived.conf`]: 'before\ninclude sub/a.inc\nafter\n',
    [`${D}/sub/a.inc`]: 'inA\ninclude ../b.inc\ninclude c.inc\n',
    [`${D}/b.inc`]: 'inB\n',
    [`${D}/sub/c.inc`]: 'inC\n',
  });
  assert.deepEqual(r.text, ['before', 'inA', 'inB', 'inC', 'after']);
  assert.deepEqual(
    r.lines.map((l) => `${l.pos.file}:${l.pos.line}`),
    [`${D}/keepalived.conf:1`, `${D}/sub/a.inc:1`, `${D}/b.inc:1`, `${D}/sub/c.inc:1`, `${D}/keepalived.conf:3`],
  );
});

test('include globs: *, ?, [..] and csh braces, sorted per alternative, dot files only by a dot pattern', () => {
  const r = lexFiles({
    [`${D}/keepalived.conf`]: 'include conf.d/*.conf\ninclude x/{b,a}/?.inc\ninclude conf.d/[2-3]*.conf\n',
    [`${D}/conf.d/2.conf`]: 'two\n',
    [`${D}/conf.d/1.conf`]: 'one\n',
    [`${D}/conf.d/.hidden.conf`]: 'hidden\n',
    [`${D}/x/a/1.inc`]: 'a1\n',
    [`${D}/x/b/1.inc`]: 'b1\n',
    [`${D}/x/b/22.inc`]: 'b22\n',
  });
  assert.deepEqual(r.text, ['one', 'two', 'b1', 'a1', 'two']);
  assert.deepEqual(r.problems, []);
});

test('include takes the rest of the line as one pattern; quotes are not removed (as Keepalived)', () => {
  const r = lexFiles({ [`${D}/keepalived.conf`]: 'include "b.inc"\ninclude b.inc c.inc\n', [`${D}/b.inc`]: 'b\n' });
  assert.deepEqual(r.text, []);
  assert.deepEqual(r.problems, [`note 1: Config files missing '"b.inc"'.`, `note 2: Config files missing 'b.inc c.inc'.`]);
});

test('include after substitution: $F names the file', () => {
  const r = lexFiles({ [`${D}/keepalived.conf`]: '$F=b.inc\ninclude $F\n', [`${D}/b.inc`]: 'b\n' });
  assert.deepEqual(r.text, ['b']);
});

test('a directory matched by include is skipped', () => {
  const r = lexFiles({ [`${D}/keepalived.conf`]: 'include d\nincluder d\n', [`${D}/d/x.conf`]: 'x\n' });
  assert.deepEqual(r.text, []);
  assert.deepEqual(r.problems, [
    `warning 1: Configuration file '${D}/d/' is a directory - skipping`,
    `error 2: Configuration file '${D}/d/' is a directory - skipping`,
  ]);
});

const VARIANT_CASE = (kw: string) => ({
  [`${D}/keepalived.conf`]: `${kw} nonexist.inc\n${kw} nodir/*.inc\n${kw} d/*.none\n${kw} d/{1,9}.conf\nend\n`,
  [`${D}/d/1.conf`]: 'd1\n',
});

test('include variants: which problems are errors, and includeb reads nothing of a partly missing brace', () => {
  const expect: Record<string, { text: string[]; problems: string[] }> = {};
  const missing = (sev: string) => [`${sev} 1: Config files missing 'nonexist.inc'.`, `${sev} 2: Config files missing 'nodir/*.inc'.`];
  expect.include = { text: ['d1', 'end'], problems: [...missing('note'), `note 4: Some config files missing: "d/{1,9}.conf".`] };
  expect.includer = expect.include;
  expect.includem = { text: ['d1', 'end'], problems: [...missing('error'), `note 4: Some config files missing: "d/{1,9}.conf".`] };
  expect.includew = {
    text: ['d1', 'end'],
    problems: [...missing('error'), `error 3: No config files matched 'd/*.none'.`, `note 4: Some config files missing: "d/{1,9}.conf".`],
  };
  expect.includeb = { text: ['end'], problems: [...missing('note'), `error 4: Some config files missing: "d/{1,9}.conf".`] };
  expect.includea = {
    text: ['end'],
    problems: [...missing('error'), `error 3: No config files matched 'd/*.none'.`, `error 4: Some config files missing: "d/{1,9}.conf".`],
  };
  for (const [kw, e] of Object.entries(expect)) {
    const r = lexFiles(VARIANT_CASE(kw));
    assert.deepEqual(r.text, e.text, kw);
    assert.deepEqual(r.problems, e.problems, kw);
  }
});

test('a brace include where every alternative is missing is a brace problem', () => {
  const r = lexFiles({ [`${D}/keepalived.conf`]: 'includeb {a,b}.conf\nincludem {a,b}.conf\n' });
  assert.deepEqual(r.problems, [`error 1: Config files missing '{a,b}.conf'.`, `note 2: Config files missing '{a,b}.conf'.`]);
});

test('"include" alone, or glued to a word, is not an include', () => {
  assert.deepEqual(lexFiles('include\nincludex f\n').text, ['include', 'includex f']);
});

test('an include loop is reported at the include line instead of recursing', () => {
  const r = lexFiles({ [`${D}/keepalived.conf`]: 'a\ninclude b.inc\n', [`${D}/b.inc`]: 'b\ninclude keepalived.conf\n' });
  assert.deepEqual(r.text, ['a', 'b']);
  assert.equal(r.diags.length, 1);
  assert.match(r.diags[0]!.message, /include loop/);
  assert.deepEqual(r.diags[0]!.pos, { file: `${D}/b.inc`, line: 2 });
});

test('definitions made in an included file are seen after the include; ${_PWD} is the current file\'s directory', () => {
  const r = lexFiles({
    [`${D}/keepalived.conf`]: 'include sub/defs.inc\nuse $X ${_PWD}\n',
    [`${D}/sub/defs.inc`]: '$X=fromSub\nhere ${_PWD}\n',
  });
  assert.deepEqual(r.text, [`here ${D}/sub`, `use fromSub ${D}`]);
});

test('-e (--all-config) checks every include as includea; a required missing file is a file error', async () => {
  const { hadConfigFileError } = await import('../../src/config/diagnostics.js');
  const files = { [`${D}/keepalived.conf`]: 'include missing.conf\ninclude none/*.conf\nafter\n' };
  const plain = lexFiles(files);
  // Keepalived 2.2.7 prints these without counting them: notes (config-test-golden.test.ts).
  assert.deepEqual(plain.diags.map((d) => d.severity), ['note', 'note']);
  assert.equal(hadConfigFileError(plain.diags), false);
  const all = lexFiles(files, { allConfig: true });
  assert.deepEqual(all.problems, ["error 1: Config files missing 'missing.conf'.", "error 2: Config files missing 'none/*.conf'."]);
  assert.equal(hadConfigFileError(all.diags), true);
  assert.deepEqual(all.text, ['after']);
});
