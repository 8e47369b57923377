import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTPUT_LOG_BYTES, OutputLog, isLifecycleLine, type OutputLine } from '../../src/jobs/output-log.js';

const line = (text: string): OutputLine => ({ time: '2026-01-01T00:00:00.000Z', job: 'app', stream: 'stdout', line: text });

test('keeps the most recent lines, oldest first, within its byte budget', () => {
  // Each one-letter line costs 1 + 96 bytes: three fit in 300, four do not.
  const log = new OutputLog(300);
  for (const text of ['a', 'b', 'c', 'd']) log.append(line(text));
  assert.deepEqual(log.recent().map((entry) => entry.line), ['b', 'c', 'd']);
  assert.deepEqual(log.recent(2).map((entry) => entry.line), ['c', 'd']);
  assert.deepEqual(log.recent(0), []);
});

test('long lines are capped by bytes, not by count: 64 Ki lines keep about 100 KiB (issue 10, high 6)', () => {
  const log = new OutputLog();
  const long = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 1000; i += 1) log.append(line(`${i} ${long}`));
  const kept = log.recent();
  const bytes = kept.reduce((sum, entry) => sum + entry.line.length, 0);
  assert.ok(bytes <= OUTPUT_LOG_BYTES, `${bytes} bytes kept`);
  assert.equal(kept.length, 1);
  assert.match(kept[0]?.line ?? '', /^999 /);
});

test('short lines: as many as fit the budget, the newest', () => {
  const log = new OutputLog();
  for (let i = 0; i < 100_000; i += 1) log.append(line(`line ${i}`));
  const kept = log.recent();
  assert.ok(kept.length > 500 && kept.length < 2000, `${kept.length} lines kept`);
  assert.equal(kept.at(-1)?.line, 'line 99999');
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

test("pilotfish's lifecycle lines share the output's budget and order; recent() counts only the lines asked for", () => {
  const log = new OutputLog(430);
  log.append(line('a'));
  log.appendLifecycle('app', 'exited with code 3', 42);
  log.append(line('b'));
  log.appendLifecycle('app', 'restarting in 500 ms');
  assert.deepEqual(log.recent().map((entry) => [entry.stream, entry.line, entry.pid]), [
    ['stdout', 'a', undefined],
    ['pilotfish', 'exited with code 3', 42],
    ['stdout', 'b', undefined],
    ['pilotfish', 'restarting in 500 ms', undefined],
  ]);
  const outputOnly = (entry: OutputLine) => !isLifecycleLine(entry);
  assert.deepEqual(log.recent(1, outputOnly).map((entry) => entry.line), ['b']);
  assert.deepEqual(log.recent(5, outputOnly).map((entry) => entry.line), ['a', 'b']);
  log.append(line('c'));
  assert.deepEqual(log.recent().map((entry) => entry.line), ['exited with code 3', 'b', 'restarting in 500 ms', 'c']);
});

test('a follower that throws is dropped; the others and the store carry on', () => {
  const log = new OutputLog();
  const seen: string[] = [];
  log.follow(() => {
    throw new Error('a broken reader');
  });
  log.follow((entry) => seen.push(entry.line));
  log.appendLifecycle('app', 'exited with code 3');
  log.append(line('after'));
  assert.deepEqual(seen, ['exited with code 3', 'after']);
  assert.equal(log.recent().length, 2);
});
