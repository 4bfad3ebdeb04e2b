/** Line-level text rules (parser.c decomment(), the read_line() brace split, alloc_strvec_r()). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decomment, firstUnquotedBrace, splitBraces, splitWords } from '../../src/config/text.js';

test('decomment strips blanks, comments outside quotes, and marks a trailing backslash', () => {
  assert.deepEqual(decomment('   a b  # c'), { text: 'a b', continues: false, unterminatedQuote: false });
  assert.deepEqual(decomment('a "b # c" ! d'), { text: 'a "b # c"', continues: false, unterminatedQuote: false });
  assert.deepEqual(decomment('a b   \\'), { text: 'a b', continues: true, unterminatedQuote: false });
  assert.deepEqual(decomment('a \\# b \\! c'), { text: 'a # b ! c', continues: false, unterminatedQuote: false });
  assert.deepEqual(decomment('a "open # x'), { text: 'a "open # x', continues: false, unterminatedQuote: true });
  assert.deepEqual(decomment('\t'), { text: '', continues: false, unterminatedQuote: false });
});

test('splitBraces puts each unquoted brace on its own', () => {
  assert.deepEqual(splitBraces('virtual_ipaddress { 10.0.0.1 }'), ['virtual_ipaddress', '{', '10.0.0.1', '}']);
  assert.deepEqual(splitBraces('}}{'), ['}', '}', '{']);
  assert.deepEqual(splitBraces('a "{b}" {'), ['a "{b}"', '{']);
  assert.equal(firstUnquotedBrace('"{" x }'), 6);
  assert.equal(firstUnquotedBrace('"{ x }'), -1);
});

test('splitWords: blanks separate words, a quoted string is one word, an unmatched quote stops', () => {
  assert.deepEqual(splitWords(' a\t"b c"  d'), { words: ['a', 'b c', 'd'], unmatchedQuote: false });
  assert.deepEqual(splitWords('a"b"'), { words: ['a', 'b'], unmatchedQuote: false });
  assert.deepEqual(splitWords('a "b'), { words: ['a'], unmatchedQuote: true });
  assert.deepEqual(splitWords('""'), { words: [''], unmatchedQuote: false });
});
