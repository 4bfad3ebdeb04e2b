/** include's file name expansion (glob(3) with GLOB_BRACE, as Keepalived calls it). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { expandBraces, globPattern } from '../../src/config/glob.js';

const fs = memoryConfigFs({ '/e/a/1.conf': '', '/e/a/2.conf': '', '/e/a/.h.conf': '', '/e/b/1.conf': '', '/e/c[1].conf': '' });

test('expandBraces: csh style, nested, empty alternatives, unbalanced left alone', () => {
  assert.deepEqual(expandBraces('{foo/{,cat,dog},bar}'), ['foo/', 'foo/cat', 'foo/dog', 'bar']);
  assert.deepEqual(expandBraces('a{1,2}b{x,y}'), ['a1bx', 'a1by', 'a2bx', 'a2by']);
  assert.deepEqual(expandBraces('a{b'), ['a{b']);
  assert.deepEqual(expandBraces('a\\{b,c}'), ['a\\{b,c}']);
});

test('globPattern: wildcards per segment, relative to the base directory, dot files hidden', () => {
  assert.deepEqual(globPattern('a/*.conf', '/e', fs).matches, ['/e/a/1.conf', '/e/a/2.conf']);
  assert.deepEqual(globPattern('*/1.conf', '/e', fs), { matches: ['/e/a/1.conf', '/e/b/1.conf'], missing: 0, hasBrace: false, hasWildcard: true });
  assert.deepEqual(globPattern('a/.*', '/e', fs).matches, ['/e/a/.h.conf']);
  assert.deepEqual(globPattern('/e/a/[!1].conf', '/x', fs).matches, ['/e/a/2.conf']);
  assert.deepEqual(globPattern('/e/?/2.conf', '/', fs), { matches: ['/e/a/2.conf'], missing: 1, hasBrace: false, hasWildcard: true });
});

test('globPattern counts what is missing: a named file, a directory to search, a brace alternative', () => {
  assert.deepEqual(globPattern('/e/none.conf', '/', fs), { matches: [], missing: 1, hasBrace: false, hasWildcard: false });
  assert.equal(globPattern('/e/nodir/*.conf', '/', fs).missing, 1);
  assert.equal(globPattern('/e/a/*.none', '/', fs).missing, 0);
  assert.deepEqual(globPattern('/e/{a,z}/1.conf', '/', fs), { matches: ['/e/a/1.conf'], missing: 1, hasBrace: true, hasWildcard: false });
});
