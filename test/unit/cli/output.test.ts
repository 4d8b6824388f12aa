// The CLI's stdout (src/cli/output.ts): bytes straight to the fd, in order with the real stream
// once that exists, and a reader that went away (EPIPE) ends the output instead of the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FdOutput } from '../../../src/cli/output.js';

test('text goes to the fd as written, then through the stream once it was asked for, in order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-out-'));
  try {
    const file = path.join(dir, 'out');
    const fd = fs.openSync(file, 'w');
    let opened = 0;
    const out = new FdOutput(fd, () => {
      opened++;
      return fs.createWriteStream('', { fd, autoClose: false }) as unknown as NodeJS.WriteStream;
    });
    assert.equal(out.isTTY, false);
    assert.equal(out.columns, undefined);
    out.write('héllo ');
    out.write(Buffer.from('bytes '));
    assert.equal(opened, 0, 'no stream made for plain writes');
    const stream = out.stream;
    assert.equal(opened, 1);
    out.write('then the stream');
    await new Promise<void>((ok) => stream.end(ok));
    fs.closeSync(fd);
    assert.equal(fs.readFileSync(file, 'utf8'), 'héllo bytes then the stream');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a closed reader (EPIPE): the rest is dropped, nothing is thrown', () => {
  // `wharf ps | true`: the reader is gone before (or while) the CLI writes; 4 MiB cannot fit the pipe.
  const script = `import { FdOutput } from ${JSON.stringify(new URL('../../../src/cli/output.js', import.meta.url).href)};
    const out = new FdOutput(1, () => { throw new Error('no stream expected'); });
    const first = out.write('x'.repeat(4 << 20));
    const second = out.write('more');
    process.stderr.write(JSON.stringify([first, second]));`;
  const r = spawnSync('sh', ['-c', `"$0" --input-type=module -e "$1" | true`, process.execPath, script], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stderr), [false, false]);
});
