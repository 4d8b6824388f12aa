// Docker's variable expansion (shell.Lex): quotes, escapes, ${VAR} modifiers, word splitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandRaw, processWord, processWords } from '../../../src/build/dockerfile/shell-lex.js';

const env = ['A=apple', 'EMPTY=', 'SP=two words', 'A=shadowed'];

test('processWord expands variables and removes quotes as Docker does', () => {
  const cases: Array<[string, string]> = [
    ['$A', 'apple'], ['${A}', 'apple'], ['x${A}y', 'xappley'], ['$NOPE', ''],
    ['${NOPE:-def}', 'def'], ['${EMPTY:-def}', 'def'], ['${EMPTY-def}', ''], ['${A:-def}', 'apple'],
    ['${A:+alt}', 'alt'], ['${EMPTY:+alt}', ''], ['${EMPTY+alt}', 'alt'], ['${NOPE+alt}', ''],
    ["'$A'", '$A'], ['"$A"', 'apple'], ['\\$A', '$A'], ['"a \\"q\\" b"', 'a "q" b'],
    ['${NOPE:-${A}}', 'apple'], ['$', '$'], ['a$', 'a$'], ['"${SP}"', 'two words'],
  ];
  for (const [word, want] of cases) assert.equal(processWord(word, env), want, word);
  assert.throws(() => processWord('${NOPE:?must be set}', env), /NOPE: must be set/);
  assert.throws(() => processWord('"unterminated', env), /double-quote/);
});

test('processWords splits on unquoted whitespace, including expanded values', () => {
  assert.deepEqual(processWords('$SP "$SP" 80', env), ['two', 'words', 'two words', '80']);
  assert.deepEqual(processWords('', env), []);
});

test('the escape directive character escapes in words', () => {
  assert.equal(processWord('`$A', env, '`'), '$A');
  assert.equal(processWord('c:\\dir', env, '`'), 'c:\\dir');
});

test('heredoc content keeps quotes, expands variables', () => {
  assert.equal(expandRaw('echo "$A" \'${A}\'\n', env), 'echo "apple" \'apple\'\n');
});
