/** The syntax tree: blocks from braces, and the brace problems Keepalived reports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Diagnostics } from '../../src/config/diagnostics.js';
import { buildTree, type ConfNode } from '../../src/config/tree.js';
import { lexFiles } from './lexer-helpers.js';

function tree(src: string | Record<string, string>, configId = 'host'): { nodes: ConfNode[]; problems: string[] } {
  const lexed = lexFiles(src, { configId });
  const diag = new Diagnostics();
  const nodes = buildTree(lexed.lines, diag);
  return { nodes, problems: [...lexed.problems, ...diag.list.map((d) => `${d.severity} ${d.pos?.line ?? '-'}: ${d.message}`)] };
}

/** A compact picture: `kw args` and `kw args { ... }`. */
function show(nodes: readonly ConfNode[]): string[] {
  return nodes.map((n) => [n.keyword, ...n.args].join(' ') + (n.block ? ` { ${show(n.block).join('; ')} }` : ''));
}

test('a block opens on the keyword line or on the next line, and one-line blocks nest', () => {
  const { nodes, problems } = tree('vrrp_instance VI_1\n{\n state MASTER\n virtual_ipaddress { 10.0.0.1 }\n track_script {\n  chk }\n}\n');
  assert.deepEqual(show(nodes), ['vrrp_instance VI_1 { state MASTER; virtual_ipaddress { 10.0.0.1 }; track_script { chk } }']);
  assert.deepEqual(problems, []);
  assert.deepEqual(nodes[0]!.pos.line, 1);
  assert.deepEqual(nodes[0]!.block![1]!.block![0]!.pos.line, 4);
});

test('a missing } at the end of the file is reported at the line that opened the block', () => {
  const { nodes, problems } = tree('a {\n b {\n  c 1\n}\n');
  assert.deepEqual(show(nodes), ['a { b { c 1 } }']);
  assert.deepEqual(problems, ["error 1: missing '}' for the block opened here"]);
});

test("an extra '}' is reported where it is", () => {
  const { nodes, problems } = tree('a {\n}\n}\nb\n');
  assert.deepEqual(show(nodes), ['a {  }', 'b']);
  assert.deepEqual(problems, ["error 3: Extra '}' found"]);
});

test("a '{' that follows nothing it could open is reported and ignored, its '}' still closes it", () => {
  const { nodes, problems } = tree('a {\n}\n{ x }\ny\n');
  assert.deepEqual(show(nodes), ['a {  }', 'x', 'y']);
  assert.deepEqual(problems, ["error 3: Unexpected '{' - ignoring"]);
});

test('man page: nested multi-line definitions $VS / $RS make 2 virtual servers with 3 real servers each', () => {
  // The man page prints blank lines inside $RS; a blank line ends a multi-line definition
  // (keepalived 2.2.7 then reports "Unknown keyword 'MISC_CHECK'" and "Extra '}'"), so the
  // working form, used here, has none. keepalived -d on it shows real servers
  // 192.168.{0,1}.{1,2,3}:80 under 10.0.{0,1}.4:80.
  const src = [
    '$RS= \\',
    'real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\',
    '    weight 1 \\',
    '    inhibit_on_failure \\',
    '    MISC_CHECK { \\',
    '        misc_path "${_PWD}/scripts/vs.sh RS_misc.${INST}.${VS_NUM}.${RS_NUM}.0 10.0.${VS_NUM}.4:80->192.168.${VS_NUM}.${RS_NUM}:80" \\',
    '    } \\',
    '    notify_up "${_PWD}/scripts/notify.sh RS_notify.${INST}.${VS_NUM}.${RS_NUM} UP" \\',
    '}',
    '',
    '$VS= \\',
    'virtual_server 10.0.${VS_NUM}.4 80 { \\',
    '    quorum 2 \\',
    '    $RS_NUM=1 \\',
    '    $RS \\',
    '    $RS_NUM=2 \\',
    '    $RS \\',
    '    $RS_NUM=3 \\',
    '    $RS \\',
    '}',
    '',
    '$VS_NUM=0',
    '$ALPHA=alpha',
    '$VS',
    '',
    '$VS_NUM=1',
    '$ALPHA=',
    '$VS',
    '',
  ].join('\n');
  const { nodes, problems } = tree(src);
  assert.deepEqual(problems, []);
  assert.deepEqual(nodes.map((n) => [n.keyword, ...n.args].join(' ')), ['virtual_server 10.0.0.4 80', 'virtual_server 10.0.1.4 80']);
  for (const [i, vs] of nodes.entries()) {
    const rs = vs.block!.filter((n) => n.keyword === 'real_server');
    assert.deepEqual(rs.map((n) => n.args.join(' ')), [1, 2, 3].map((r) => `192.168.${i}.${r} 80`));
    for (const [j, r] of rs.entries()) {
      const misc = r.block!.find((n) => n.keyword === 'MISC_CHECK')!;
      assert.deepEqual(misc.block![0]!.args, [`/etc/keepalived/scripts/vs.sh RS_misc.\${INST}.${i}.${j + 1}.0 10.0.${i}.4:80->192.168.${i}.${j + 1}:80`]);
    }
  }
  assert.ok(nodes.every((n) => n.pos.line === 24 || n.pos.line === 28));
});

test('man page: the $VS / $RS example as printed, with blank lines, breaks as in keepalived 2.2.7', () => {
  const src = '$RS= \\\nreal_server 1.1.1.${N} 80 { \\\n  weight 1 \\\n\n  notify_up "x" \\\n}\n\n$N=1\n$RS\n';
  const { nodes, problems } = tree(src);
  // Line 4 ends $RS; lines 5-6 are ordinary: `notify_up x\` and an extra '}'.
  assert.deepEqual(show(nodes), ['notify_up x \\', 'real_server 1.1.1.1 80 { weight 1 }']);
  assert.deepEqual(problems, ["error 6: Extra '}' found", "error 9: missing '}' for the block opened here"]);
});
