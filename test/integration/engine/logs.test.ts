// json-file driver and stdio helpers, by effect on real files and fifos.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { rfc3339Nano, parseRfc3339Nano, type LogEntry } from '../../../src/engine/logs/entry.js';
import { openLogs } from '../../../src/engine/logs/follow.js';
import { JsonFileWriter, openGenerations } from '../../../src/engine/logs/json-file.js';
import { parseJsonFileOptions } from '../../../src/engine/logs/options.js';
import { closeFiles, readEntries } from '../../../src/engine/logs/reader.js';
import { DetachScanner, parseDetachKeys } from '../../../src/engine/stdio/detach-keys.js';
import { fifoSet, makeFifos, openForStart } from '../../../src/engine/stdio/fifos.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-logs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const entry = (i: number, stream: 'stdout' | 'stderr' = 'stdout'): LogEntry => ({ stream, log: Buffer.from(`line ${i} ${'x'.repeat(40)}\n`), timeNano: BigInt(Date.now()) * 1_000_000n + BigInt(i) });

async function collect(it: AsyncIterable<LogEntry[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of it) for (const e of b) out.push(e.log.toString().trim());
  return out;
}

test('rotation keeps max-file generations and readers see the newest lines in order', async () => {
  const file = path.join(dir, 'rot-json.log');
  const w = new JsonFileWriter(file, parseJsonFileOptions({ 'max-size': '1k', 'max-file': '3' }));
  for (let i = 1; i <= 200; i++) w.write([entry(i)]);
  w.close();
  const sizes = [file, `${file}.1`, `${file}.2`].map((f) => fs.statSync(f).size);
  for (const s of sizes) assert.ok(s <= 1024 + 100, `file of ${s} bytes`);
  assert.ok(!fs.existsSync(`${file}.3`));
  const files = openGenerations(file, 3);
  const lines: string[] = [];
  for await (const b of readEntries(files, {})) for (const e of b) lines.push(e.log.toString().split(' ')[1]!);
  closeFiles(files);
  const nums = lines.map(Number);
  assert.equal(nums[nums.length - 1], 200);
  nums.forEach((n, i) => { if (i) assert.equal(n, nums[i - 1]! + 1); });
  const tailFiles = openGenerations(file, 3);
  assert.ok(nums.length > 15, `${nums.length} lines kept`);
  const tail = await collect(readEntries(tailFiles, { tail: 15 }) as AsyncIterable<LogEntry[]>);
  closeFiles(tailFiles);
  assert.equal(tail.length, 15);
  assert.match(tail[0]!, /^line 186 /);
});

test('follow: history then live lines, ending when the writer closes', async () => {
  const file = path.join(dir, 'follow-json.log');
  const w = new JsonFileWriter(file, parseJsonFileOptions({}));
  w.write([entry(1), entry(2, 'stderr')]);
  const stream = openLogs({ path: file, maxFiles: 1, writer: w }, { follow: true, stdout: true, stderr: false });
  const got = collect(stream);
  setTimeout(() => { w.write([entry(3)]); w.close(); }, 50);
  const lines = await got;
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['line 1', 'line 3']);
});

test('time format round trip and option validation', () => {
  const ns = 1_700_000_000_123_456_789n;
  assert.equal(rfc3339Nano(ns), '2023-11-14T22:13:20.123456789Z');
  assert.equal(parseRfc3339Nano(rfc3339Nano(ns)), ns);
  assert.equal(rfc3339Nano(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
  assert.throws(() => parseJsonFileOptions({ 'max-file': '2' }), /max-file can only be used with max-size/);
  assert.throws(() => parseJsonFileOptions({ 'max-size': 'lots' }), /max-size/);
  assert.throws(() => parseJsonFileOptions({ bogus: '1' }), /unknown log opt 'bogus'/);
});

test('detach keys: parsing and a sequence split across chunks', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
  assert.deepEqual(parseDetachKeys('a,ctrl-@'), [97, 0]);
  assert.throws(() => parseDetachKeys('ctrl-pp'), /Invalid detach keys/);
  const s = new DetachScanner([16, 17]);
  assert.deepEqual(s.push(Buffer.from([65, 16])), { data: Buffer.from([65]), detach: false });
  assert.deepEqual(s.push(Buffer.from([66])), { data: Buffer.from([16, 66]), detach: false });
  assert.deepEqual(s.push(Buffer.from([16])).detach, false);
  assert.deepEqual(s.push(Buffer.from([17, 67])), { data: Buffer.from([]), detach: true });
});

test('fifos: the container end keeps writes alive without a reader; closing stdin is EOF', async () => {
  const set = fifoSet(path.join(dir, 'fifo'), { stdin: true, tty: false });
  await makeFifos(set);
  const f = openForStart(set);
  const [inR, outW] = f.containerFds;
  // Output written by the "container" arrives at the daemon's reader.
  const got = new Promise<string>((resolve) => f.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  fs.writeSync(outW, 'hello\n');
  assert.equal(await got, 'hello\n');
  // With the daemon's reader gone, a write still succeeds (no EPIPE: the container holds a reader).
  f.stdout.destroy();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fs.writeSync(outW, 'while the daemon is away\n'), 25);
  // stdin: data then EOF once the daemon's end is closed.
  f.stdin!.end('input\n');
  await new Promise((r) => f.stdin!.once('close', r));
  const buf = Buffer.alloc(64);
  const n = fs.readSync(inR, buf, 0, 64, null);
  assert.equal(buf.subarray(0, n).toString(), 'input\n');
  assert.equal(fs.readSync(inR, buf, 0, 64, null), 0, 'EOF after the daemon closed stdin');
  f.stderr!.destroy();
  f.closeContainerFds();
});
