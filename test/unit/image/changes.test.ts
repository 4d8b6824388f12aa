import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, ChangeError, shellWords } from '../../../src/image/changes.js';

test('CMD and ENTRYPOINT in JSON and shell form', () => {
  const c = applyChanges({}, ['CMD ["sh", "-c", "echo hi"]', 'ENTRYPOINT /bin/run --flag']);
  assert.deepEqual(c.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/run --flag']);
  const d = applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["/e"]']);
  assert.equal(d.Cmd, null, 'ENTRYPOINT resets an inherited CMD');
  const e = applyChanges({}, ['cmd echo $HOME']);
  assert.deepEqual(e.Cmd, ['/bin/sh', '-c', 'echo $HOME'], 'shell form is not expanded, instruction case-insensitive');
});

test('ENV, LABEL with quoting, legacy form and expansion', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, [
    'ENV A=2 B="two words" C=${A}x D=$PATH:/x',
    'ENV LEGACY value with spaces',
    'LABEL "com.example.k"="v 1" other=\'$A\'',
  ]);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=two words', 'C=1x', 'D=/bin:/x', 'LEGACY=value with spaces']);
  assert.deepEqual(c.Labels, { 'com.example.k': 'v 1', other: '$A' });
});

test('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, ONBUILD', () => {
  const c = applyChanges({ WorkingDir: '/srv' }, [
    'EXPOSE 80 8080/udp 9000-9001/TCP',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /cache /tmp/x',
    'USER nobody:nogroup',
    'WORKDIR app',
    'WORKDIR sub',
    'STOPSIGNAL SIGINT',
    'ONBUILD run echo hi',
  ]);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '8080/udp': {}, '9000/tcp': {}, '9001/tcp': {} });
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs', '/cache', '/tmp/x']);
  assert.equal(c.User, 'nobody:nogroup');
  assert.equal(c.WorkingDir, '/srv/app/sub');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['RUN echo hi']);
  assert.equal(applyChanges({}, ['STOPSIGNAL 9']).StopSignal, '9');
});

test('bad instructions are rejected naming the instruction; the base is untouched', () => {
  const base = { Env: ['A=1'] };
  const bad: Array<[string, RegExp]> = [
    ['RUN echo hi', /invalid change "RUN echo hi": RUN is not a valid change command/],
    ['FROM busybox', /FROM is not a valid change command/],
    ['EXPOSE 99999', /invalid port range "99999"/],
    ['EXPOSE http', /invalid port "http"/],
    ['STOPSIGNAL SIGNOPE', /invalid signal: SIGNOPE/],
    ['ENV', /ENV requires at least one argument/],
    ['ENV =x', /must be KEY=VALUE/],
    ['USER a b', /USER requires exactly one argument/],
    ['ONBUILD ONBUILD RUN x', /ONBUILD isn't allowed as an ONBUILD trigger/],
    ['LABEL a="unterminated', /unmatched double quote/],
    ['CMD ["a", 1]', /JSON form must be an array of strings/],
  ];
  for (const [change, re] of bad) {
    assert.throws(() => applyChanges(base, ['ENV OK=1', change]), (e: unknown) => e instanceof ChangeError && re.test(e.message), change);
  }
  assert.deepEqual(base, { Env: ['A=1'] });
});

test('shell words: quotes, escapes, defaults', () => {
  assert.deepEqual(shellWords(`a "b c" 'd $X' e\\ f \${Y:-def} \${X:+alt}`, ['X=1']), ['a', 'b c', 'd $X', 'e f', 'def', 'alt']);
  assert.deepEqual(applyChanges({}, ['CMD ["unterminated']).Cmd, ['/bin/sh', '-c', '["unterminated'], 'bad JSON falls back to shell form');
});
