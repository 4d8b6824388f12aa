// Docker's commit config merge: the commit's config (after --change) over the container's config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCommitConfig } from '../../../src/image/commit.js';
import { applyChanges } from '../../../src/image/changes.js';

const container = {
  User: 'app', Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: null, WorkingDir: '/w',
  ExposedPorts: { '80/tcp': {} }, Labels: { a: '1', b: '2' }, Volumes: { '/data': {} }, StopSignal: 'SIGQUIT',
};

test('empty commit config: everything from the container', () => {
  assert.deepEqual(mergeCommitConfig({}, container), { ...container, Labels: { a: '1', b: '2' } });
});

test('--change over the container config: unions for Env, ports, labels, volumes; new values win', () => {
  const user = applyChanges({}, ['ENV A=2 B=3', 'EXPOSE 443', 'LABEL b=x c=y', 'VOLUME /logs', 'USER root', 'WORKDIR /x']);
  const m = mergeCommitConfig(user, container);
  assert.deepEqual(m.Env, ['A=2', 'B=3', 'PATH=/bin']);
  assert.deepEqual(Object.keys(m.ExposedPorts!).sort(), ['443/tcp', '80/tcp']);
  assert.deepEqual(m.Labels, { a: '1', b: 'x', c: 'y' });
  assert.deepEqual(Object.keys(m.Volumes!).sort(), ['/data', '/logs']);
  assert.equal(m.User, 'root');
  assert.equal(m.WorkingDir, '/x');
  assert.deepEqual(m.Cmd, ['sh'], 'Cmd inherited when neither Cmd nor Entrypoint is set');
  assert.equal(m.StopSignal, 'SIGQUIT');
});

test('an ENTRYPOINT change keeps the container Cmd out; a CMD change replaces it', () => {
  const ep = mergeCommitConfig(applyChanges({}, ['ENTRYPOINT ["/app"]']), container);
  assert.deepEqual([ep.Entrypoint, ep.Cmd], [['/app'], null]);
  const cmd = mergeCommitConfig(applyChanges({}, ['CMD echo hi']), container);
  assert.deepEqual([cmd.Entrypoint, cmd.Cmd], [null, ['/bin/sh', '-c', 'echo hi']]);
});

test('the inputs are not modified', () => {
  const before = structuredClone(container);
  const user = { Env: ['X=1'] };
  mergeCommitConfig(user, container);
  assert.deepEqual(container, before);
  assert.deepEqual(user, { Env: ['X=1'] });
});
