import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputLog, type OutputLine } from '../../src/jobs/output-log.js';

const line = (text: string): OutputLine => ({ time: '2026-01-01T00:00:00.000Z', job: 'app', stream: 'stdout', line: text });

test('keeps the most recent lines, oldest first, up to its capacity', () => {
  const log = new OutputLog(3);
  for (const text of ['a', 'b', 'c', 'd']) log.append(line(text));
  assert.deepEqual(log.recent().map((entry) => entry.line), ['b', 'c', 'd']);
  assert.deepEqual(log.recent(2).map((entry) => entry.line), ['c', 'd']);
});

test('followers see new lines until they stop following', () => {
  const log = new OutputLog();
  const seen: string[] = [];
  const stop = log.follow((entry) => seen.push(entry.line));
  log.append(line('one'));
  stop();
  log.append(line('two'));
  assert.deepEqual(seen, ['one']);
});
