/**
 * Parameter substitution (keepalived.conf(5) "Parameter substitution", "Pre-defined definitions"),
 * through the lexer. Outputs checked against keepalived 2.2.7 unless a test says otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParamTable, parseDefinition } from '../../src/config/params.js';
import { lexFiles } from './lexer-helpers.js';

test('$NAME=value defines; $NAME before a blank, comma, ) or the end, and ${NAME} anywhere, are replaced', () => {
  const r = lexFiles('$P=a,b\nx$P,y\n(${P})z\nkw $P\nkw $Pz\n$E=\nempty[$E]\nempty[${E}]\n');
  assert.deepEqual(r.text, ['xa,b,y', '(a,b)z', 'kw a,b', 'kw $Pz', 'empty[$E]', 'empty[]']);
});

test('an undefined parameter is left as it is', () => {
  assert.deepEqual(lexFiles('script "kill -0 $PID ${UNDEF}"\n').lines[0]!.words, ['script', 'kill -0 $PID ${UNDEF}']);
});

test('a definition needs no blank before "=" and may have no blank before "$"; blanks after "=" are dropped', () => {
  const r = lexFiles('$A =1\n$1A=1\n$A-B=1\n  $SP=   spaced\nkwx${SP}y\n');
  assert.deepEqual(r.text, ['$A =1', '$1A=1', '$A-B=1', 'kwxspacedy']);
});

test('replacement is recursive and happens at use time (man page ADDRESS_BASE example)', () => {
  const r = lexFiles('$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n');
  assert.deepEqual(r.text, ['10.2.0.100/32', '10.2.10.100/32']);
});

test('a substituted line is read again: it may define, or be a conditional', () => {
  const r = lexFiles('$DEF=$Z=7\n$DEF\nkw$Z\n$IF_X=@host\n$IF_X kept\n', { configId: 'host' });
  assert.deepEqual(r.text, ['kw7', 'kept']);
});

test('a parameter that contains itself is reported, not expanded forever', () => {
  const r = lexFiles('$A=x $A\nuse $A\nnext\n');
  assert.deepEqual(r.text, ['next']);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /^error 2: .*does not terminate/);
});

test('multi-line definitions: each line ends in \\; a line empty once decommented ends one early', () => {
  const r = lexFiles('$D=kwD1 \\\nkwD2 \\\n   \nkwD3 \\\n$C=c1 \\\n! comment\nc2\n$D\n$C\n');
  // Line 3 (blanks only) ends $D; line 6 (a comment only) ends $C: keepalived 2.2.7 reads
  // `kwD3 \` and `c2` as ordinary lines.
  assert.deepEqual(r.at, ['4: kwD3\\', '7: c2', '8: kwD1', '8: kwD2', '9: c1']);
});

test('a multi-line definition is used only where it ends the line', () => {
  const r = lexFiles('$M=m1 \\\nm2\npre $M\npre${M}\n${M}\n$M post\n');
  assert.deepEqual(r.at, ['3: pre m1', '3: m2', '4: prem1', '4: m2', '5: m1', '5: m2', '6: $M post']);
});

test('the man page multi-line $INSTANCE example gives one vrrp_instance per $NUM', () => {
  const src = [
    '$INSTANCE= \\',
    'vrrp_instance VI_${NUM} { \\',
    '    interface eth0.${NUM} \\',
    '    @high priority 130 \\',
    '    @low priority 120 \\',
    '    virtual_ipaddress { \\',
    '        10.0.${NUM}.254/24 \\',
    '    } \\',
    '}',
    '',
    '$NUM=0',
    '$INSTANCE',
    '',
    '$NUM=1',
    '$INSTANCE',
    '',
  ].join('\n');
  const r = lexFiles(src, { configId: 'low' });
  assert.deepEqual(r.text, [
    'vrrp_instance VI_0', '{', 'interface eth0.0', 'priority 120', 'virtual_ipaddress', '{', '10.0.0.254/24', '}', '}',
    'vrrp_instance VI_1', '{', 'interface eth0.1', 'priority 120', 'virtual_ipaddress', '{', '10.0.1.254/24', '}', '}',
  ]);
  assert.ok(r.lines.slice(0, 9).every((l) => l.pos.line === 12));
  assert.deepEqual(r.problems, []);
});

test('a definition whose value is a loop keeps its references for the loop', () => {
  assert.deepEqual(lexFiles('$j=9\n$T=~SEQ(j,1,2) kwT${j}\n$T\n').text, ['kwT1', 'kwT2']);
});

test('lines starting with ~ (other than loops) are not substituted', () => {
  assert.deepEqual(lexFiles('$Z=1\n~kwtilde $Z\n').text, ['~kwtilde $Z']);
});

test('${_INSTANCE}, ${_PWD}, ${_ENV VAR}, ${_RANDOM [MIN [MAX]]} (random injected)', () => {
  const seen: Array<[number, number]> = [];
  const r = lexFiles('a ${_INSTANCE}\nb ${_PWD}\nc ${_ENV HOME} [${_ENV NOPE}]\nd ${_RANDOM} ${_RANDOM 5} ${_RANDOM 3 9}\n', {
    configId: 'myid',
    env: { HOME: '/home/k' },
    random: (min, max) => {
      seen.push([min, max]);
      return max;
    },
  });
  assert.deepEqual(r.text, ['a myid', 'b /etc/keepalived', 'c /home/k []', 'd 32767 32767 9']);
  assert.deepEqual(seen, [[0, 32767], [5, 32767], [3, 9]]);
});

test('${_RANDOM} with bad arguments is left alone and reported; MIN > MAX gives MIN', () => {
  const r = lexFiles('kwR1${_RANDOM 5 1}\nkwR2${_RANDOM a}\nkwR4${_RANDOM 7 7}\nkwX${ _INSTANCE}\n', { random: (min, max) => (min + max) >> 1 });
  assert.deepEqual(r.text.filter((t) => t.startsWith('kw')), ['kwR15', 'kwR2$', 'kwR47', 'kwX$']);
  assert.deepEqual(r.problems, [
    'error 1: ${_RANDOM}: min 5 exceeds max 1, using 5',
    'error 2: Definition _RANDOM requires numeric parameters only.',
  ]);
});

test('${_HASH} and ${_BANG} are the literal characters, quoted or not (documented; 2.2.7 cuts the line there)', () => {
  const r = lexFiles('kwh${_HASH}x\nkwq "a${_HASH}b${_BANG}"\n$H=${_HASH}\nkwH$H\n');
  assert.deepEqual(r.text, ['kwh#x', 'kwq a#b!', 'kwH#']);
});

test('a definition overrides a built-in of the same name', () => {
  assert.deepEqual(lexFiles('$_INSTANCE=mine\nx ${_INSTANCE}\n').text, ['x mine']);
});

test('ParamTable and parseDefinition directly', () => {
  assert.deepEqual(parseDefinition('$A=  b c'), { name: 'A', value: 'b c' });
  assert.equal(parseDefinition('$ A=1'), undefined);
  const t = new ParamTable({ pwd: () => '/', instance: () => 'i', random: (a) => a, env: () => undefined });
  t.set('A', 'x${B}');
  t.set('B', 'y');
  assert.equal(t.substitute('$A'), 'xy');
  assert.equal(t.substitute('nothing'), undefined);
  assert.equal(t.get('B'), 'y');
});
