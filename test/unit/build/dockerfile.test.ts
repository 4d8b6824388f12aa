// The Dockerfile parser and Docker's word rules: continuations, escape directive, comments,
// heredocs, JSON and shell forms, flags, name=value lists, and errors naming file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../src/build/dockerfile/parse.js';
import { typedInstructions, type Instruction } from '../../../src/build/dockerfile/instructions.js';
import { DockerfileError } from '../../../src/build/dockerfile/errors.js';
import { extractFlags, formatDuration, parseDuration, parseNameValues } from '../../../src/build/dockerfile/words.js';

const typed = (text: string): Instruction[] => typedInstructions(parseDockerfile(text));

test('continuations fold, comments and blank lines inside them are dropped, # syntax is tolerated', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\n# a comment\nFROM busybox\nRUN echo a \\\n  # inner comment\n\n  && echo b\nrun echo lower\n');
  assert.deepEqual(df.instructions.map((i) => [i.keyword, i.line, i.original]), [
    ['FROM', 3, 'FROM busybox'],
    ['RUN', 4, 'RUN echo a   && echo b'],
    ['RUN', 8, 'run echo lower'],
  ]);
});

test('the escape directive changes the continuation character', () => {
  const df = parseDockerfile('# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo done\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1]!.rest, 'dir c:\\   && echo done');
});

test('heredocs are read for RUN and COPY, with <<- and quoted delimiters', () => {
  const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho hi\necho there\nEOF\nCOPY <<-"EOT" /x\n\tliteral $X\nEOT\nCMD ["sh"]\n');
  const [, run, copy, cmd] = df.instructions;
  assert.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'echo hi\necho there\n', chomp: false, quoted: false }]);
  assert.deepEqual(copy!.heredocs, [{ name: 'EOT', content: 'literal $X\n', chomp: true, quoted: true }]);
  assert.equal(cmd!.keyword, 'CMD');
  assert.equal(cmd!.line, 9);
});

test('JSON and shell forms, flags and instruction arguments', () => {
  const [, run, exec, copy, env, legacyEnv, hc, from] = typed([
    'FROM busybox',
    'RUN --network=none --mount=type=cache,target=/c echo hi',
    'CMD ["echo", "x y"]',
    'COPY --from=build --chown=1:2 a b /dest/',
    'ENV A=1 B="two words" C=three\\ words',
    'ENV LEGACY value with spaces',
    'HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/',
    'FROM busybox AS Second',
  ].join('\n'));
  assert.deepEqual(run, { kind: 'RUN', line: 2, original: 'RUN --network=none --mount=type=cache,target=/c echo hi', cmd: { json: false, text: 'echo hi' }, mounts: ['type=cache,target=/c'], network: 'none', heredocs: [] });
  assert.deepEqual((exec as { cmd: unknown }).cmd, { json: true, args: ['echo', 'x y'] });
  assert.deepEqual(copy, { kind: 'COPY', line: 4, original: 'COPY --from=build --chown=1:2 a b /dest/', srcs: ['a', 'b'], dest: '/dest/', heredocs: [], from: 'build', chown: '1:2' });
  assert.deepEqual((env as { pairs: unknown }).pairs, [['A', '1'], ['B', '"two words"'], ['C', 'three\\ words']]);
  assert.deepEqual((legacyEnv as { pairs: unknown }).pairs, [['LEGACY', 'value with spaces']]);
  assert.deepEqual(hc, { kind: 'HEALTHCHECK', line: 7, original: 'HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/', test: ['CMD-SHELL', 'curl -f http://localhost/'], interval: 30e9, timeout: 0, startPeriod: 0, startInterval: 0, retries: 3 });
  assert.equal((from as { stage?: string }).stage, 'second');
});

test('errors name the file, line and instruction', () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM busybox\nRUN true\nFOO bar\n', /^Dockerfile:3: unknown instruction: FOO$/],
    ['FROM busybox\nCOPY --nope=1 a b\n', /^Dockerfile:2: Unknown flag: nope$/],
    ['FROM busybox\nSHELL /bin/bash -c\n', /^Dockerfile:2: SHELL requires the arguments to be in JSON form$/],
    ['FROM busybox\nENV A=1 B\n', /^Dockerfile:2: Syntax error - can't find = in "B"/],
    ['FROM busybox\nHEALTHCHECK --interval=abc CMD true\n', /^Dockerfile:2: time: invalid duration "abc"$/],
    ['FROM busybox\nONBUILD FROM x\n', /^Dockerfile:2: FROM isn't allowed as an ONBUILD trigger$/],
    ['FROM busybox\nCOPY onlyone\n', /^Dockerfile:2: COPY requires at least two arguments/],
    ['FROM a b\n', /^Dockerfile:1: FROM requires either one or three arguments$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => typed(text), (e: Error) => e instanceof DockerfileError && re.test(e.message), text);
  }
});

test('flag extraction, name=value lists and durations follow Docker', () => {
  assert.deepEqual(extractFlags('--a=1 --b="x y" -- --not-a-flag rest'), { flags: ['--a=1', '--b=x y'], rest: '--not-a-flag rest' });
  assert.deepEqual(extractFlags('plain --x'), { flags: [], rest: 'plain --x' });
  assert.deepEqual(parseNameValues("a='x y' b=2", '\\', 'LABEL'), [['a', "'x y'"], ['b', '2']]);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('500ms'), 5e8);
  assert.equal(formatDuration(90e9), '1m30s');
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(3600e9), '1h0m0s');
});
