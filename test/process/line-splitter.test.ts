import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { splitLines } from '../../src/process/line-splitter.js';

/** Feeds `chunks` through splitLines and returns the lines it reports. */
async function split(chunks: Array<string | Buffer>, maxLength?: number): Promise<string[]> {
  const input = new PassThrough();
  const lines: string[] = [];
  const delivered = splitLines(input, (line) => lines.push(line), maxLength);
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await delivered;
  return lines;
}

test('splits on \\n, \\r\\n and a lone \\r, across chunk boundaries, and keeps a last unterminated line', async () => {
  assert.deepEqual(await split(['one\ntw', 'o\r', '\nthree\rfour\n', 'five']), ['one', 'two', 'three', 'four', 'five']);
});

test('a character split across chunks is decoded whole', async () => {
  const bytes = Buffer.from('héllo\n');
  assert.deepEqual(await split([bytes.subarray(0, 2), bytes.subarray(2)]), ['héllo']);
});

test('an over-long line is cut at the cap with a marker saying how much was dropped, and the next line is whole', async () => {
  const lines = await split(['x'.repeat(6), 'y'.repeat(6), '\nnext\n'], 8);
  assert.deepEqual(lines, [`${'x'.repeat(6)}yy … [line truncated: 4 more characters]`, 'next']);
});

test('of a 16 MiB line without a newline only the cap is kept; the rest is counted', async () => {
  const input = new PassThrough();
  const lines: string[] = [];
  const delivered = splitLines(input, (line) => lines.push(line), 1024);
  const megabyte = 'z'.repeat(1024 * 1024);
  for (let i = 0; i < 16; i += 1) input.write(megabyte);
  input.end();
  await delivered;
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.startsWith('z'.repeat(1024)));
  assert.match(lines[0]!, new RegExp(`\\[line truncated: ${16 * 1024 * 1024 - 1024} more characters\\]$`));
});

test('a flood of short lines is split a turn of the event loop at a time: timers run in between, and the writer is held back', async () => {
  const input = new PassThrough();
  const lines: string[] = [];
  const delivered = splitLines(input, (line) => lines.push(line));
  input.write('y\n'.repeat(100_000));
  let splitWhenTimerRan = -1;
  setTimeout(() => (splitWhenTimerRan = lines.length), 0);
  await new Promise((resolve) => setImmediate(resolve));
  // The splitter has the first chunk and reads nothing more until it is through it: what comes
  // next stays in the stream, which tells its writer to wait.
  assert.equal(input.write('z'.repeat(64 * 1024)), false);
  input.end('\nlast\n');
  await delivered;
  assert.ok(splitWhenTimerRan >= 0 && splitWhenTimerRan < 100_000, `${splitWhenTimerRan} lines split before a 0 ms timer ran`);
  assert.equal(lines.length, 100_002);
  assert.ok(lines.slice(0, 100_000).every((line) => line === 'y'));
  assert.deepEqual(lines.slice(100_000), ['z'.repeat(64 * 1024), 'last']);
});
