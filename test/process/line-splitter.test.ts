import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { splitLines } from '../../src/process/line-splitter.js';

/** Feeds `chunks` through splitLines and returns the lines it reports. */
async function split(chunks: Array<string | Buffer>, maxLength?: number): Promise<string[]> {
  const input = new PassThrough();
  const lines: string[] = [];
  splitLines(input, (line) => lines.push(line), maxLength);
  const ended = new Promise((resolve) => input.on('end', resolve));
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await ended;
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
  splitLines(input, (line) => lines.push(line), 1024);
  const ended = new Promise((resolve) => input.on('end', resolve));
  const megabyte = 'z'.repeat(1024 * 1024);
  for (let i = 0; i < 16; i += 1) input.write(megabyte);
  input.end();
  await ended;
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.startsWith('z'.repeat(1024)));
  assert.match(lines[0]!, new RegExp(`\\[line truncated: ${16 * 1024 * 1024 - 1024} more characters\\]$`));
});
