import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { demultiplex, encodeFrame, FrameDecoder, FrameEncoder, StdStream } from '../../../src/api/stdcopy.js';

test('a frame is [type, 0, 0, 0, u32be size] + payload', () => {
  const f = encodeFrame(StdStream.Stderr, 'hello');
  assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 5]);
  assert.equal(f.subarray(8).toString(), 'hello');
  const big = encodeFrame(StdStream.Stdout, Buffer.alloc(0x012345));
  assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0, 0x01, 0x23, 0x45]);
});

test('the decoder reassembles frames split at every possible byte boundary', () => {
  const stream = Buffer.concat([
    encodeFrame(StdStream.Stdout, 'out-1\n'), encodeFrame(StdStream.Stderr, 'err\n'),
    encodeFrame(StdStream.Stdout, Buffer.alloc(0)), encodeFrame(StdStream.Systemerr, 'oops'),
  ]);
  for (let cut = 0; cut <= stream.length; cut++) {
    for (let cut2 = cut; cut2 <= stream.length; cut2 += 3) {
      const d = new FrameDecoder();
      const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut, cut2)), ...d.push(stream.subarray(cut2))];
      assert.equal(d.pending, 0);
      assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]),
        [[1, 'out-1\n'], [2, 'err\n'], [1, ''], [3, 'oops']], `cuts ${cut}/${cut2}`);
    }
  }
});

test('truncated streams and bad headers are errors', () => {
  const f = encodeFrame(StdStream.Stdout, 'abcdef');
  assert.throws(() => demultiplex(f.subarray(0, f.length - 1)), /truncated stream: 13 bytes/);
  assert.throws(() => demultiplex(Buffer.from([9, 0, 0, 0, 0, 0, 0, 1, 65])), /unknown stream type 9/);
  assert.throws(() => demultiplex(Buffer.from([1, 1, 0, 0, 0, 0, 0, 1, 65])), /invalid stream frame header/);
});

test('FrameEncoder frames each written chunk for its stream', async () => {
  const enc = new FrameEncoder(StdStream.Stderr);
  const out: Buffer[] = [];
  enc.on('data', (c: Buffer) => out.push(c));
  await new Promise<void>((resolve, reject) => {
    Readable.from([Buffer.from('a'), Buffer.alloc(0), Buffer.from('bcd')]).pipe(enc).on('end', resolve).on('error', reject);
  });
  const frames = demultiplex(Buffer.concat(out));
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[2, 'a'], [2, 'bcd']]);
});
