import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FifoPool } from '../../../src/engine/stdio/fifo-pool.js';
import { fifoSet, makeFifos, openForStart } from '../../../src/engine/stdio/fifos.js';

function tmp(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-fifopool-')); }

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('open clears leftovers and makes a batch; take moves a working fifo into place', async () => {
  const root = tmp();
  try {
    const dir = path.join(root, 'pool');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'stale'), 'x');
    const pool = new FifoPool(dir, { batch: 4, low: 2 });
    await pool.open();
    assert.equal(fs.existsSync(path.join(dir, 'stale')), false);
    assert.equal(fs.readdirSync(dir).length, 4);
    const dest = path.join(root, 'out');
    assert.equal(pool.take(dest), true);
    const st = fs.lstatSync(dest);
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o777, 0o600);
    // It really is a pipe: bytes written come out the other end.
    const r = fs.openSync(dest, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(dest, fs.constants.O_WRONLY);
    fs.writeSync(w, 'hi');
    const buf = Buffer.alloc(8);
    assert.equal(buf.subarray(0, fs.readSync(r, buf)).toString(), 'hi');
    fs.closeSync(r); fs.closeSync(w);
    await pool.close();
    assert.equal(fs.existsSync(dir), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('taking below the low mark refills in the background; an empty pool says so', async () => {
  const root = tmp();
  try {
    const pool = new FifoPool(path.join(root, 'pool'), { batch: 3, low: 2 });
    await pool.open();
    const taken = [0, 1, 2].map((i) => pool.take(path.join(root, `t${i}`)));
    assert.deepEqual(taken, [true, true, true]);
    assert.equal(pool.take(path.join(root, 'none')), false);
    assert.equal(fs.existsSync(path.join(root, 'none')), false);
    await until(() => pool.available === 3);
    assert.equal(pool.take(path.join(root, 'again')), true);
    assert.ok(fs.lstatSync(path.join(root, 'again')).isFIFO());
    await pool.close();
    assert.equal(fs.existsSync(path.join(root, 'pool')), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('makeFifos takes stdio fifos from the pool, falling back to mkfifo when it is empty', async () => {
  const root = tmp();
  try {
    const pool = new FifoPool(path.join(root, 'pool'), { batch: 2, low: 0 });
    await pool.open();
    const set = fifoSet(path.join(root, 'c1'), { stdin: true, tty: false });
    await makeFifos(set, pool);
    assert.equal(pool.available, 0);
    for (const p of [set.stdin!, set.stdout, set.stderr!]) assert.ok(fs.lstatSync(p).isFIFO(), p);
    const opened = openForStart(set);
    opened.closeContainerFds();
    opened.stdout.destroy(); opened.stderr?.destroy(); opened.stdin?.destroy();
    await pool.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
