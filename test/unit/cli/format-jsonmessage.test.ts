// jsonmessage rendering: per-id lines rewritten in place with bars on a terminal, plain status
// lines otherwise, streams as is, aux to the callback, errors thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayJsonMessages, JsonMessageError, jsonValues, progressString } from '../../../src/cli/format/jsonmessage.js';

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

async function render(lines: object[], isTerminal: boolean, columns = 120): Promise<{ out: string; aux: unknown[] }> {
  let out = '';
  const aux: unknown[] = [];
  await displayJsonMessages(chunks(...lines.map((l) => JSON.stringify(l) + '\r\n')), (s) => { out += s; }, { isTerminal, columns, onAux: (m) => aux.push(m.aux), now: () => 0 });
  return { out, aux };
}

const pull = [
  { status: 'Pulling from library/busybox', id: 'latest' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
  { status: 'Downloading', progressDetail: { current: 1200000, total: 3400000 }, id: 'aaa' },
  { status: 'Download complete', progressDetail: {}, id: 'aaa' },
  { status: 'Pull complete', progressDetail: {}, id: 'aaa' },
  { status: 'Digest: sha256:abc' },
  { status: 'Status: Downloaded newer image for busybox:latest' },
];

test('not a terminal: progress updates dropped, one status line per message', async () => {
  const { out } = await render(pull, false);
  assert.equal(out, [
    'latest: Pulling from library/busybox',
    'aaa: Pulling fs layer',
    'aaa: Download complete',
    'aaa: Pull complete',
    'Digest: sha256:abc',
    'Status: Downloaded newer image for busybox:latest',
    '',
  ].join('\n'));
});

test('terminal: each id keeps a line, rewritten in place with a bar', async () => {
  const { out } = await render(pull, true, 120);
  // The layer gets its own line (newline), then cursor up 1 / clear line / rewrite / cursor down 1.
  assert.ok(out.startsWith('latest: Pulling from library/busybox\n\n\x1b[1A\x1b[2K\raaa: Pulling fs layer \r\x1b[1B'), JSON.stringify(out));
  assert.ok(out.includes('\x1b[1A\x1b[2K\raaa: Downloading [=================>                                 ]    1.2MB/3.4MB\r\x1b[1B'), JSON.stringify(out));
  assert.ok(out.endsWith('Digest: sha256:abc\nStatus: Downloaded newer image for busybox:latest\n'));
});

test('progress bar only on wide terminals; counts without a total', () => {
  assert.equal(progressString({ current: 1200000, total: 3400000 }, 80), '   1.2MB/3.4MB');
  assert.equal(progressString({ current: 1200000 }, 200), '   1.2MB');
  assert.equal(progressString({ current: 3400000, total: 3400000 }, 200), `[${'='.repeat(50)}>] ${'   3.4MB/3.4MB'}`);
  assert.equal(progressString({}, 200), '');
});

test('streams are written as is, aux goes to the callback', async () => {
  const { out, aux } = await render([{ stream: 'Step 1/2 : FROM busybox\n' }, { aux: { ID: 'sha256:abc' } }, { stream: ' ---> 123\n' }], false);
  assert.equal(out, 'Step 1/2 : FROM busybox\n ---> 123\n');
  assert.deepEqual(aux, [{ ID: 'sha256:abc' }]);
});

test('an error message ends the rendering with its text', async () => {
  await assert.rejects(render([{ status: 'Pulling' }, { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }], false),
    (err: Error) => err instanceof JsonMessageError && err.message === 'manifest unknown');
  await assert.rejects(render([{ errorDetail: { code: 401, message: 'x' } }], false), /authentication is required/);
});

test('JSON values split across chunks and glued together are all decoded', async () => {
  const got: unknown[] = [];
  for await (const v of jsonValues(chunks('{"a":1}{"b":', '"x}"}\n', '{"c":[1,2]}'))) got.push(v);
  assert.deepEqual(got, [{ a: 1 }, { b: 'x}' }, { c: [1, 2] }]);
});
